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
    // Every test fails on a hot-path incident it did not take (test/support/hot-path-incidents.ts).
    setupFiles: ['test/support/hot-path-incidents.ts'],
    // A loaded two-core machine was measured stalling a process for up to ~420 ms on its own: the
    // block threshold here is above that noise and below the half-second stalls it exists to catch.
    env: { DISABLE_LLM_IN_HOT_PATH: '1', HOT_PATH_BLOCK_MS: '450', LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
    reporters: ['default', ['json', { outputFile: 'test-output/vitest.json' }]],
  },
});
