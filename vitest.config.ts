import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// Every test file that starts a hub or opens its store runs twice: on SQLite (the embedded default)
// and on PostgreSQL. Found by what the file imports (the hub's store, startHub, or a test support
// module that starts a hub), so a new hub test joins both runs by itself.
const touchesHub =
  /from '(?:\.\.\/)+hub\/(?:store(?:\/[^']*)?|server)'|from '\.\.\/support\/(?:hub|hub-process|consultation-rig)'/;
const testFiles = readdirSync('test', { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => join('test', f));
const hubTestFiles = testFiles.filter((f) => touchesHub.test(readFileSync(f, 'utf8')));

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // One PostgreSQL cluster for the run; each file makes its own databases on it.
    globalSetup: ['test/support/postgres-global-setup.ts'],
    // Integration and e2e suites start real processes (pcscd, printers, hubs, Chromium) on a 2-core
    // machine: one file at a time, as before.
    fileParallelism: false,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'sqlite', include: testFiles, env: { ODEKAKE_TEST_STORE: 'sqlite' } } },
      { extends: true, test: { name: 'postgres', include: hubTestFiles, env: { ODEKAKE_TEST_STORE: 'postgres' } } },
    ],
  },
});
