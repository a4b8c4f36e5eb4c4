import { PermanentTaskError, RateLimitedTaskError } from '../runtime/queue/task-errors.js';

/**
 * The ways a model call fails, as the job queue needs to see them: timeouts and server errors are
 * retryable, a 429 is retryable after a wait, invalid output (after its repair) and rejected
 * requests are permanent. The gateway never retries these itself.
 */

export type ModelFailureReason = 'timeout' | 'server_error' | 'rate_limited' | 'invalid_output' | 'rejected' | 'aborted';

export class ModelTimeoutError extends Error {
  readonly retryable = true;
  readonly reason = 'timeout';
  constructor(
    readonly kind: string,
    readonly timeoutMs: number,
    options?: ErrorOptions,
  ) {
    super(`model call "${kind}" timed out after ${timeoutMs} ms`, options);
    this.name = 'ModelTimeoutError';
  }
}

/** 5xx or 408, or the server could not be reached at all (statusCode undefined). */
export class ModelServerError extends Error {
  readonly retryable = true;
  readonly reason = 'server_error';
  constructor(
    readonly kind: string,
    readonly statusCode: number | undefined,
    options?: ErrorOptions,
  ) {
    super(`model call "${kind}" failed: ${statusCode === undefined ? 'server unreachable' : `HTTP ${statusCode}`}`, options);
    this.name = 'ModelServerError';
  }
}

export class ModelRateLimitedError extends RateLimitedTaskError {
  readonly reason = 'rate_limited';
  constructor(
    readonly kind: string,
    retryAfterMs: number,
    options?: ErrorOptions,
  ) {
    super(`model call "${kind}" rate-limited; retry after ${retryAfterMs} ms`, retryAfterMs, options);
    this.name = 'ModelRateLimitedError';
  }
}

/** The answer was not valid JSON for the kind's schema, and neither was the repaired answer. */
export class ModelOutputInvalidError extends PermanentTaskError {
  readonly reason = 'invalid_output';
  constructor(
    readonly kind: string,
    readonly problem: string,
    options?: ErrorOptions,
  ) {
    super(`model call "${kind}" returned invalid output after a repair attempt: ${problem}`, options);
    this.name = 'ModelOutputInvalidError';
  }
}

/** A 4xx other than 408/429 (bad key, unknown model, oversized request): retrying cannot help. */
export class ModelRequestRejectedError extends PermanentTaskError {
  readonly reason = 'rejected';
  constructor(
    readonly kind: string,
    readonly statusCode: number,
    options?: ErrorOptions,
  ) {
    super(`model call "${kind}" rejected: HTTP ${statusCode}`, options);
    this.name = 'ModelRequestRejectedError';
  }
}
