import { defineConfig } from 'vitest/config';

// The suite runs against real parts started once in test/support/global-setup.ts: a Temporal dev server and a
// PostgreSQL database made for the run. Files run one after another: they share that server and database.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 180_000,
    reporters: ['default'],
  },
});
