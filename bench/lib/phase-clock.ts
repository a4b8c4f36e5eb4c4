import { setMaxListeners } from 'node:events';

/**
 * The phases every virtual player follows together. Entering saturation (or stopping) wakes every
 * sleeper, so players thinking then stop thinking at once. Entering the measured phase wakes no
 * one: waking every thinking player together would open it with one wave of 200 requests.
 */
export type Phase = 'warmup' | 'measure' | 'saturate' | 'stopping';

export class PhaseClock {
  private current: Phase = 'warmup';
  private wake = PhaseClock.alarm();
  private enteredAt = Date.now();

  get phase(): Phase {
    return this.current;
  }

  /** Milliseconds since the current phase began. */
  get elapsedMs(): number {
    return Date.now() - this.enteredAt;
  }

  enter(phase: Phase): void {
    this.current = phase;
    this.enteredAt = Date.now();
    if (phase === 'warmup' || phase === 'measure') return;
    this.wake.abort();
    this.wake = PhaseClock.alarm();
  }

  /** Every sleeping player listens to it: hundreds of listeners are expected, not a leak. */
  private static alarm(): AbortController {
    const controller = new AbortController();
    setMaxListeners(0, controller.signal);
    return controller;
  }

  /** Sleeps `ms`, or less if the phase changes meanwhile. */
  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    const signal = this.wake.signal;
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
