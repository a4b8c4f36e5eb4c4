import { afterEach } from 'vitest';
import { watchAiSdkCalls } from '../../src/runtime/hot-path/ai-sdk-boundary.js';
import { takeHotPathIncidents } from '../../src/runtime/hot-path/hot-path.js';

/**
 * Loaded before every test file (vitest.config.ts `setupFiles`): a test during which hot-path code
 * made a model, AI SDK, HTTP or job-wait call, or held the event loop, fails — even when the code
 * under test caught the error, and even when the test never looked. A test that plants one on
 * purpose takes it with `takeHotPathIncidents()` and asserts on it.
 */
watchAiSdkCalls();

afterEach(() => {
  const incidents = takeHotPathIncidents();
  if (incidents.length === 0) return;
  throw new Error(
    [
      `${incidents.length} hot-path incident(s) during this test:`,
      ...incidents.map((incident) => `  ${incident.name}: ${incident.message}`),
    ].join('\n'),
  );
});
