// Where the checkout's files are, whether running from dist/cli.js or from source.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const projectRoot = fileURLToPath(new URL('..', import.meta.url));
export const rendererDir = join(projectRoot, 'dist', 'renderer', 'terminal');
export const fixturesDir = join(projectRoot, 'fixtures');
