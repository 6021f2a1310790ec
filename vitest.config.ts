import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration and e2e suites start real processes on fixed components (pcscd, printers);
    // files run one at a time so they do not fight over them on a 2-core machine.
    fileParallelism: false,
    pool: 'forks',
  },
});
