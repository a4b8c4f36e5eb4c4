/**
 * How the model backend answered lately, as the worker processes saw it, shared through the cache so
 * that every web process can show it and degrade on it. A missing record means nothing is known yet.
 */
export interface ModelHealthRecord {
  status: 'ok' | 'failing';
  /** Why it is failing: the last failure's reason (timeout, server_error, unreachable, ...). */
  reason?: string;
  /** Epoch milliseconds of the observation. */
  checkedAt: number;
}

/** Seconds a model-health record lives: a record nobody refreshed (no worker, no calls) is not evidence. */
export const MODEL_HEALTH_TTL_S = 300;

/** The one cache key the record lives under: not per game, every process reads the same one. */
export const MODEL_HEALTH_KEY = 'model_health';
