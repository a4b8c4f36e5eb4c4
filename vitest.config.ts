import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/fixtures/**', 'node_modules/**', 'dist/**'],
    // Two cores here; PGlite instances are large. Files run in parallel, tests within a file in order.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { DISABLE_LLM_IN_HOT_PATH: '1', LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
    reporters: ['default', ['json', { outputFile: 'test-output/vitest.json' }]],
  },
});
