/**
 * Errors a task handler throws to steer retries. The gateway's failures extend these, so the queue
 * understands a model's timeout, 429 or garbage without knowing about models.
 */

/** Do not retry: the next attempt would fail the same way (e.g. schema-invalid output after repair). */
export class PermanentTaskError extends Error {
  readonly retryable = false;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PermanentTaskError';
  }
}

/** Retry, but not before `retryAfterMs`; the queue also slows this task kind down for that long. */
export class RateLimitedTaskError extends Error {
  readonly retryable = true;
  constructor(
    message: string,
    readonly retryAfterMs: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'RateLimitedTaskError';
  }
}

export function isPermanentTaskError(error: unknown): boolean {
  return (
    error instanceof PermanentTaskError ||
    (typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === false)
  );
}

export function retryAfterMsOf(error: unknown): number | undefined {
  if (error instanceof RateLimitedTaskError) return error.retryAfterMs;
  const value = typeof error === 'object' && error !== null ? (error as { retryAfterMs?: unknown }).retryAfterMs : undefined;
  return typeof value === 'number' && value >= 0 ? value : undefined;
}
