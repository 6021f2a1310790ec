// Builds everything that runs outside vitest: the CLI (host, demo, diagnostics), Electron main and
// preload, and the renderer bundles served to the staff and resident screens.
import { build } from 'esbuild';
import { cp, mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}dist`;
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });

const node = { bundle: true, platform: 'node', target: 'node20', packages: 'external', sourcemap: true, logLevel: 'warning' };

await Promise.all([
  // Split so each command group's code (and the packages it imports) loads only when it runs.
  build({ ...node, entryPoints: { cli: `${root}cli/index.ts` }, outdir: out, format: 'esm', splitting: true, chunkNames: 'cli-chunks/[name]-[hash]' }),
  build({ ...node, entryPoints: [`${root}electron/main.ts`], outfile: `${out}/electron/main.js`, format: 'esm' }),
  // The preload runs sandboxed: it may require only `electron`, so everything else is bundled in.
  build({
    bundle: true, platform: 'node', target: 'node20', sourcemap: true, logLevel: 'warning',
    entryPoints: [`${root}electron/preload.ts`], outfile: `${out}/electron/preload.cjs`, format: 'cjs', external: ['electron'],
  }),
  build({
    bundle: true, platform: 'browser', target: 'chrome120', format: 'esm', splitting: true, minify: true,
    sourcemap: true, logLevel: 'warning', jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    entryPoints: { staff: `${root}renderer/terminal/staff.tsx`, resident: `${root}renderer/terminal/resident.tsx` },
    outdir: `${out}/renderer/terminal`, entryNames: '[name]', chunkNames: 'chunk-[hash]',
  }),
  // The operator console, served by the hub.
  build({
    bundle: true, platform: 'browser', target: 'chrome120', format: 'esm', minify: true,
    sourcemap: true, logLevel: 'warning', jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    entryPoints: { console: `${root}renderer/console/console.tsx` }, outdir: `${out}/renderer/console`, entryNames: '[name]',
  }),
  // The demo's control page, served by `odekake demo` only.
  build({
    bundle: true, platform: 'browser', target: 'chrome120', format: 'esm', minify: true,
    sourcemap: true, logLevel: 'warning', jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    entryPoints: { control: `${root}renderer/demo/control.tsx` }, outdir: `${out}/renderer/demo`, entryNames: '[name]',
  }),
]);
await cp(`${root}renderer/terminal/static`, `${out}/renderer/terminal`, { recursive: true });
await cp(`${root}renderer/console/static`, `${out}/renderer/console`, { recursive: true });
await cp(`${root}renderer/demo/static`, `${out}/renderer/demo`, { recursive: true });
// The stylesheet all screens share goes beside each one's own.
for (const screens of ['terminal', 'console', 'demo']) await cp(`${root}renderer/shared/base.css`, `${out}/renderer/${screens}/base.css`);
