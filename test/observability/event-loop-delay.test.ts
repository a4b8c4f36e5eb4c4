import type { IntervalHistogram } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { EventLoopDelay } from '../../src/observability/event-loop-delay.js';
import { metrics } from '../../src/observability/metrics.js';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A histogram that answers fixed figures, in nanoseconds as Node's does. */
function recorded(figures: { count: number; p50Ns: number; p99Ns: number; maxNs: number }): IntervalHistogram {
  return {
    count: figures.count,
    max: figures.maxNs,
    percentile: (p: number) => (p === 50 ? figures.p50Ns : figures.p99Ns),
    enable: () => true,
    disable: () => true,
    reset: () => {},
  } as unknown as IntervalHistogram;
}

describe('EventLoopDelay', () => {
  it("takes the sampling interval off Node's figures, never going below zero", () => {
    const delay = new EventLoopDelay(20, recorded({ count: 50, p50Ns: 19_280_000, p99Ns: 20_600_000, maxNs: 131_000_000 }));
    expect(delay.percentileMs(50)).toBe(0);
    expect(delay.percentileMs(99)).toBeCloseTo(0.6, 6);
    expect(delay.maxMs()).toBeCloseTo(111, 6);
  });

  it('reads 0 before the first sample, whatever the histogram holds', () => {
    const delay = new EventLoopDelay(10, recorded({ count: 0, p50Ns: 9_223_372_036_854, p99Ns: 9_223_372_036_854, maxNs: 30_000_000 }));
    expect(delay.percentileMs(99)).toBe(0);
    expect(delay.maxMs()).toBe(0);
  });

  it("reads an idle loop as about 0 (Node's own histogram reads the 20 ms interval), and a 120 ms stall as about 100 ms", async () => {
    const delay = new EventLoopDelay(20).enable();
    try {
      await wait(400);
      // The median is what an idle loop does; the tail may catch a busy machine's scheduler.
      expect(delay.count).toBeGreaterThan(0);
      expect(delay.percentileMs(50)).toBeLessThan(5);
      const stalledUntil = performance.now() + 120;
      while (performance.now() < stalledUntil) {
        // The event loop is held on purpose.
      }
      await wait(50);
      expect(delay.maxMs()).toBeGreaterThanOrEqual(80);
      delay.reset();
      expect(delay.count).toBe(0);
      // Disabled, it records nothing more.
      delay.disable();
      await wait(100);
      expect(delay.count).toBe(0);
    } finally {
      delay.disable();
    }
  });

  it('samples the loop at the interval it was given (default 10 ms)', async () => {
    const delay = new EventLoopDelay(50).enable();
    try {
      await wait(400);
      // About 8 samples at 50 ms; 40 would mean Node's own 10 ms.
      expect(delay.count).toBeGreaterThan(0);
      expect(delay.count).toBeLessThanOrEqual(12);
      expect(new EventLoopDelay().resolutionMs).toBe(10);
    } finally {
      delay.disable();
    }
  });
});

describe('nyx_event_loop_delay_seconds', () => {
  it('reads an idle loop as under 5 ms at the median, not the 20 ms it is sampled at', async () => {
    const delay = async () => Object.fromEntries((await metrics.eventLoopDelay.get()).values.map((v) => [v.labels.stat, v.value]));
    await delay();
    await wait(400);
    const idle = await delay();
    expect(idle.p50).toBeGreaterThanOrEqual(0);
    expect(idle.p50).toBeLessThan(0.005);
    expect(idle.max).toBeGreaterThanOrEqual(idle.p99!);
  });
});
