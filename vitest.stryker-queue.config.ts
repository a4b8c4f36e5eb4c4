import { defineConfig, mergeConfig } from 'vitest/config';

// `npm run mutation:queue` (stryker.queue.conf.json): the embedded queue against its own tests only —
// the contract both backends pass and the attempt's pure helpers — so a run takes minutes, not the
// best part of an hour that the scheduler's wider list costs on 2 cores.
import base from './vitest.config.js';

export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: ['test/runtime/queue.contract.test.ts', 'test/runtime/task-attempt.test.ts'],
      reporters: ['default'],
      testNamePattern: 'TaskQueue contract: InProcessQueue|failureLogLine|TaskAttemptRunner',
    },
  }),
);
