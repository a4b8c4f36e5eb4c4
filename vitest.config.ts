import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/fixtures/**', 'node_modules/**', 'dist/**'],
    // Files run in parallel, tests within a file in order. Three workers on two cores: many files
    // wait (timers, shutdowns, child processes), and with two the cores sat idle a quarter of the run
    // (`npm test` 374 and 388 s); with three they stay busy (359 and 375 s).
    pool: 'forks',
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Every test fails on a hot-path incident it did not take (test/support/hot-path-incidents.ts).
    setupFiles: ['test/support/hot-path-incidents.ts'],
    // A two-core machine at load ~27 was measured stalling a process for up to ~820 ms on its own:
    // the suite's block threshold sits above that noise. test/runtime/hot-path.test.ts proves
    // detection at 100 ms with its own setting.
    env: { DISABLE_LLM_IN_HOT_PATH: '1', HOT_PATH_BLOCK_MS: '1000', LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
    reporters: ['default', ['json', { outputFile: 'test-output/vitest.json' }]],
  },
});
