import { defineConfig } from 'vitest/config';

// Records the replay fixtures (test/fixtures/histories/*.json) from the workflow code as it is now; run it before
// changing a workflow's logic: `npx vitest run --config test/record/vitest.config.ts`. Not part of the suite.
export default defineConfig({
  test: {
    include: ['test/record/**/*.record.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 180_000,
  },
});
