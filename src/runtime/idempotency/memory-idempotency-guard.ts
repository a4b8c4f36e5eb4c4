import type { IdempotencyGuard, IdempotentOutcome } from './idempotency.js';

export interface MemoryIdempotencyGuardOptions {
  /** How long a successful run keeps its key (seconds). */
  defaultTtlSeconds?: number;
}

/** setTimeout fires at once for delays beyond 2^31-1 ms (~24.8 days), so longer TTLs are capped there. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

/** The embedded guard: a Map of held keys, each dropped by its own (unref'd) expiry timer. */
export class MemoryIdempotencyGuard implements IdempotencyGuard {
  private readonly held = new Map<string, { owner: string | undefined; expiry: NodeJS.Timeout }>();
  private readonly defaultTtlSeconds: number;

  constructor(options: MemoryIdempotencyGuardOptions = {}) {
    this.defaultTtlSeconds = options.defaultTtlSeconds ?? 3600;
  }

  async run<T>(key: string, fn: () => Promise<T>, ttlSeconds = this.defaultTtlSeconds, owner?: string): Promise<IdempotentOutcome<T>> {
    const holder = this.held.get(key);
    if (holder && (owner === undefined || holder.owner !== owner)) return { ran: false, reason: 'duplicate' };
    if (holder) clearTimeout(holder.expiry);
    const expiry = setTimeout(() => this.held.delete(key), Math.min(ttlSeconds * 1000, LONGEST_TIMER_MS));
    expiry.unref();
    this.held.set(key, { owner, expiry });
    try {
      return { ran: true, value: await fn() };
    } catch (error) {
      await this.release(key);
      throw error;
    }
  }

  async release(key: string): Promise<void> {
    clearTimeout(this.held.get(key)?.expiry);
    this.held.delete(key);
  }
}
