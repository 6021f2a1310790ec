// Where the checkout's files are, whether running from source (cli/) or bundled (dist/, dist/cli-chunks/).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findProjectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'odekake') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('odekake: the checkout (package.json) was not found above the running file');
    dir = parent;
  }
}

export const projectRoot = findProjectRoot();
export const rendererDir = join(projectRoot, 'dist', 'renderer', 'terminal');
export const fixturesDir = join(projectRoot, 'fixtures');
