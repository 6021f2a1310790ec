// Builds everything that runs outside vitest: the CLI (host, demo, diagnostics), Electron main and
// preload, and the renderer bundles served to the staff and resident screens.
import { build } from 'esbuild';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}dist`;
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });

const node = { bundle: true, platform: 'node', target: 'node20', packages: 'external', sourcemap: true, logLevel: 'warning' };

// Packages the CLI carries inside its own files rather than loading from node_modules: Node resolves,
// reads and compiles an ES module file by file, and zod alone is about a hundred files, which made
// `odekake host` spend most of its start in the module loader. Pure JavaScript only; native addons and
// packages that load files by path at run time (workers, templates) stay in node_modules. (pino loads
// its transports' workers by path, but the logger here writes to a stream and starts no transport.)
const bundledIntoCli = new Set(['zod', 'ws', 'commander', 'pino']);
const packageName = (spec) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');
const externalExceptBundled = {
  name: 'external-except-bundled',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (bundledIntoCli.has(packageName(args.path)) ? undefined : { path: args.path, external: true }));
  },
};
// zod's `z` namespace re-exports every locale's messages (some 350 KB of source that each start and
// each page compiles); nothing here calls `z.config(z.locales.…)`, so only English, zod's default, is
// kept. A `z.locales.xx` other than `en` would be undefined at run time: add it here if one is needed.
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[/\\]zod[/\\]v4[/\\](classic|core|mini)[/\\]/.test(args.importer) ? { path: join(dirname(args.importer), '..', 'locales', 'index.js'), namespace: 'zod-locales' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(join(dirname(args.path), 'en.js'))};`,
      resolveDir: dirname(args.path),
    }));
  },
};
// ws and commander are CommonJS: bundled into an ES module they need a `require` for Node's built-ins.
const cliRequire = "import { createRequire as __cliCreateRequire } from 'node:module'; const require = __cliCreateRequire(import.meta.url);";

const [, , , terminal] = await Promise.all([
  // Split so each command group's code (and the packages it imports) loads only when it runs.
  build({
    ...node, packages: undefined, plugins: [externalExceptBundled, zodEnglishOnly], banner: { js: cliRequire },
    entryPoints: { cli: `${root}cli/index.ts` }, outdir: out, format: 'esm', splitting: true, chunkNames: 'cli-chunks/[name]-[hash]',
  }),
  build({ ...node, entryPoints: [`${root}electron/main.ts`], outfile: `${out}/electron/main.js`, format: 'esm' }),
  // The preload runs sandboxed: it may require only `electron`, so everything else is bundled in.
  build({
    bundle: true, platform: 'node', target: 'node20', sourcemap: true, logLevel: 'warning',
    entryPoints: [`${root}electron/preload.ts`], outfile: `${out}/electron/preload.cjs`, format: 'cjs', external: ['electron'],
  }),
  build({
    bundle: true, platform: 'browser', target: 'chrome120', format: 'esm', splitting: true, minify: true, metafile: true,
    sourcemap: true, logLevel: 'warning', jsx: 'automatic', plugins: [zodEnglishOnly],
    define: { 'process.env.NODE_ENV': '"production"' },
    entryPoints: { 'staff-boot': `${root}renderer/terminal/staff-boot.ts`, staff: `${root}renderer/terminal/staff.tsx`, resident: `${root}renderer/terminal/resident.tsx` },
    outdir: `${out}/renderer/terminal`, entryNames: '[name]', chunkNames: 'chunk-[hash]',
  }),
  // The operator console, served by the hub.
  build({
    bundle: true, platform: 'browser', target: 'chrome120', format: 'esm', minify: true,
    sourcemap: true, logLevel: 'warning', jsx: 'automatic', plugins: [zodEnglishOnly],
    define: { 'process.env.NODE_ENV': '"production"' },
    entryPoints: { console: `${root}renderer/console/console.tsx` }, outdir: `${out}/renderer/console`, entryNames: '[name]',
  }),
  // The demo's control page, served by `odekake demo` only.
  build({
    bundle: true, platform: 'browser', target: 'chrome120', format: 'esm', minify: true,
    sourcemap: true, logLevel: 'warning', jsx: 'automatic', plugins: [zodEnglishOnly],
    define: { 'process.env.NODE_ENV': '"production"' },
    entryPoints: { control: `${root}renderer/demo/control.tsx` }, outdir: `${out}/renderer/demo`, entryNames: '[name]',
  }),
]);
await cp(`${root}renderer/terminal/static`, `${out}/renderer/terminal`, { recursive: true });
await preloadChunks(terminal.metafile, `${out}/renderer/terminal/staff.html`, ['staff-boot.js', 'staff.js']);
await cp(`${root}renderer/console/static`, `${out}/renderer/console`, { recursive: true });
await cp(`${root}renderer/demo/static`, `${out}/renderer/demo`, { recursive: true });
// The stylesheet all screens share goes beside each one's own.
for (const screens of ['terminal', 'console', 'demo']) await cp(`${root}renderer/shared/base.css`, `${out}/renderer/${screens}/base.css`);

/**
 * The chunks a page's scripts import statically, named in the page as modulepreload links: the browser
 * asks for them with the scripts instead of after reading each one. Chunk names carry a content hash,
 * so the page learns them here rather than by hand.
 */
async function preloadChunks(metafile, htmlFile, scripts) {
  const dir = dirname(htmlFile);
  const outputs = Object.fromEntries(Object.entries(metafile.outputs).map(([path, o]) => [resolve(path), o]));
  const chunks = new Set();
  const visit = (file) => {
    for (const i of outputs[file]?.imports ?? []) {
      const path = resolve(i.path); // metafile paths are relative to the working directory
      if (i.kind !== 'import-statement' || chunks.has(path)) continue;
      chunks.add(path);
      visit(path);
    }
  };
  for (const s of scripts) visit(join(dir, s));
  const links = [...chunks].map((c) => `    <link rel="modulepreload" href="${c.slice(dir.length + 1)}" />\n`).join('');
  const html = await readFile(htmlFile, 'utf8');
  if (!html.includes('  </head>')) throw new Error(`${htmlFile}: no </head> to put the preload links before`);
  await writeFile(htmlFile, html.replace('  </head>', `${links}  </head>`));
}
