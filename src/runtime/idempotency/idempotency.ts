/**
 * The idempotency guard of background tasks (keyed by task + content; one hour by default).
 * A key is held while the task runs and kept on success; on failure it is released so a retry
 * really runs (a key kept on failure would turn every retry into a skipped duplicate).
 */
export type IdempotentOutcome<T> = { ran: true; value: T } | { ran: false; reason: 'duplicate' };

export interface IdempotencyGuard {
  /**
   * Runs `fn` unless `key` is held. `owner` names the run (a job id): the same owner finds its own
   * key held after a crash — a job the queue hands back after its worker died — and runs again,
   * where any other owner is a duplicate.
   */
  run<T>(key: string, fn: () => Promise<T>, ttlSeconds?: number, owner?: string): Promise<IdempotentOutcome<T>>;
  /** Forgets a key (e.g. to regenerate content on purpose). */
  release(key: string): Promise<void>;
}
