import type { IdempotencyGuard, IdempotentOutcome } from './idempotency.js';

export interface MemoryIdempotencyGuardOptions {
  /** How long a successful run keeps its key (seconds). */
  defaultTtlSeconds?: number;
}

/** setTimeout fires at once for delays beyond 2^31-1 ms (~24.8 days), so longer TTLs are capped there. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

/** The embedded guard: a Map of held keys, each dropped by its own (unref'd) expiry timer. */
export class MemoryIdempotencyGuard implements IdempotencyGuard {
  private readonly held = new Map<string, NodeJS.Timeout>();
  private readonly defaultTtlSeconds: number;

  constructor(options: MemoryIdempotencyGuardOptions = {}) {
    this.defaultTtlSeconds = options.defaultTtlSeconds ?? 3600;
  }

  async run<T>(key: string, fn: () => Promise<T>, ttlSeconds = this.defaultTtlSeconds): Promise<IdempotentOutcome<T>> {
    if (this.held.has(key)) return { ran: false, reason: 'duplicate' };
    const expiry = setTimeout(() => this.held.delete(key), Math.min(ttlSeconds * 1000, LONGEST_TIMER_MS));
    expiry.unref();
    this.held.set(key, expiry);
    try {
      return { ran: true, value: await fn() };
    } catch (error) {
      await this.release(key);
      throw error;
    }
  }

  async release(key: string): Promise<void> {
    clearTimeout(this.held.get(key));
    this.held.delete(key);
  }
}
