#!/usr/bin/env node
// Thin launcher: the command-line tool is bundled into dist/ by `npm run build` (run by `npm install`).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('odekake: dist/cli.js がありません。先に `npm run build` を実行してください。\n');
  process.exit(1);
}
await import(pathToFileURL(cli).href);
