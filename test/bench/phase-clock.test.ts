import { describe, expect, it } from 'vitest';
import { PhaseClock, sleep } from '../../bench/lib/phase-clock.js';

/** Players think with `clock.sleep`; which phase changes cut a think short shapes the load measured. */
describe('PhaseClock', () => {
  const woken = async (clock: PhaseClock, enter: () => void) => {
    let done = false;
    const sleeping = clock.sleep(60_000).then(() => (done = true));
    enter();
    await new Promise((resolve) => setTimeout(resolve, 20));
    return { done, sleeping };
  };

  it('lets thinking players think on when the measured phase begins, so it does not open with a wave', async () => {
    const clock = new PhaseClock();
    const { done } = await woken(clock, () => clock.enter('measure'));
    expect(done).toBe(false);
    expect(clock.phase).toBe('measure');
    clock.enter('stopping');
  });

  it('lets players arriving during warm-up wait out their arrival delay', async () => {
    const clock = new PhaseClock();
    expect(clock.phase).toBe('warmup');
    const { done } = await woken(clock, () => clock.enter('warmup'));
    expect(done).toBe(false);
    clock.enter('stopping');
  });

  it('ends a think of no time at once, without waiting for a timer', async () => {
    const clock = new PhaseClock();
    let done = false;
    void clock.sleep(0).then(() => (done = true));
    await Promise.resolve();
    await Promise.resolve();
    expect(done).toBe(true);
  });

  it('waits the time asked outside any phase', async () => {
    const startedAt = Date.now();
    await sleep(30);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(25);
  });

  it('wakes every thinking player when saturation begins, and when the run stops', async () => {
    for (const phase of ['saturate', 'stopping'] as const) {
      const clock = new PhaseClock();
      const { done } = await woken(clock, () => clock.enter(phase));
      expect(done).toBe(true);
    }
  });

  it('times the phase from its start', async () => {
    const clock = new PhaseClock();
    await clock.sleep(30);
    expect(clock.elapsedMs).toBeGreaterThanOrEqual(25);
    clock.enter('measure');
    expect(clock.elapsedMs).toBeLessThan(25);
  });
});
