import { describe, expect, it } from 'vitest';
import { metrics } from '../../src/observability/metrics.js';

const lagOf = async () => {
  const { values } = await metrics.eventLoopLag.get();
  const count = values.find((v) => v.metricName === 'nyx_event_loop_lag_seconds_count')?.value ?? 0;
  const over50ms = count - (values.find((v) => v.metricName === 'nyx_event_loop_lag_seconds_bucket' && v.labels.le === 0.05)?.value ?? 0);
  return { count, over50ms };
};

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('nyx_event_loop_lag_seconds', () => {
  it('samples the event loop about every 10 ms, and counts a 120 ms stall as one late timer', async () => {
    const before = await lagOf();
    await wait(200);
    const idle = await lagOf();
    // 20 ticks in 200 ms on an idle loop; a loaded machine may lose some.
    expect(idle.count - before.count).toBeGreaterThanOrEqual(8);
    expect(idle.count - before.count).toBeLessThanOrEqual(25);
    const stalledUntil = performance.now() + 120;
    while (performance.now() < stalledUntil) {
      // The event loop is held on purpose: the next tick fires about 110 ms late.
    }
    await wait(30);
    const after = await lagOf();
    expect(after.over50ms - idle.over50ms).toBeGreaterThanOrEqual(1);
  });
});
