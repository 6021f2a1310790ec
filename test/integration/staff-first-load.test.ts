// The staff page's first load is the socket and the sign-in screen only: the screens behind sign-in,
// and the contract's schemas they bring, come in a chunk loaded after it (see renderer/terminal/staff.tsx).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../support/fixtures';

const dir = join(projectRoot, 'dist', 'renderer', 'terminal');
/** Whether minified output holds `text`; esbuild writes non-ASCII characters as \uXXXX escapes. */
const holds = (source: string, text: string) =>
  source.includes([...text].map((c) => (c.charCodeAt(0) > 0x7f ? `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}` : c)).join(''));

/** The scripts staff.html names (as scripts or modulepreload links) and every chunk they import statically. */
function firstLoad(): { scripts: string[]; preloaded: string[] } {
  const html = readFileSync(join(dir, 'staff.html'), 'utf8');
  const files = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const m of readFileSync(join(dir, file), 'utf8').matchAll(/from"\.\/(chunk-[A-Z0-9]+\.js)"/g)) visit(m[1]!);
  };
  for (const m of html.matchAll(/<script type="module" src="([\w-]+\.js)"/g)) visit(m[1]!);
  return { scripts: [...files], preloaded: [...html.matchAll(/<link rel="modulepreload" href="([\w-]+\.js)"/g)].map((m) => m[1]!) };
}

describe('the staff page\'s first load (dist, as built)', () => {
  it('carries neither zod nor the screens behind sign-in, and names each chunk it imports for preloading', () => {
    const { scripts, preloaded } = firstLoad();
    expect(scripts).toEqual(expect.arrayContaining(['staff-boot.js', 'staff.js']));
    const source = scripts.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
    // zod's own error class name and a screen only staff see once signed in.
    expect(holds(source, 'ZodError')).toBe(false);
    expect(holds(source, '本日の受付')).toBe(false);
    expect(holds(source, 'サインイン')).toBe(true);
    expect(new Set(preloaded)).toEqual(new Set(scripts.filter((f) => f.startsWith('chunk-'))));
    // The signed-in screens are still there, in a chunk of their own.
    const rest = readdirSync(dir).filter((f) => f.endsWith('.js') && !scripts.includes(f));
    expect(rest.some((f) => holds(readFileSync(join(dir, f), 'utf8'), '本日の受付'))).toBe(true);
    expect(rest.some((f) => holds(readFileSync(join(dir, f), 'utf8'), 'ZodError'))).toBe(true);
  });
});
