/**
 * The idempotency guard of background tasks (keyed by task + content; one hour by default).
 * A key is held while the task runs and kept on success; on failure it is released so a retry
 * really runs (the seed kept it and silently skipped every retry).
 */
export type IdempotentOutcome<T> = { ran: true; value: T } | { ran: false; reason: 'duplicate' };

export interface IdempotencyGuard {
  run<T>(key: string, fn: () => Promise<T>, ttlSeconds?: number): Promise<IdempotentOutcome<T>>;
  /** Forgets a key (e.g. to regenerate content on purpose). */
  release(key: string): Promise<void>;
}
