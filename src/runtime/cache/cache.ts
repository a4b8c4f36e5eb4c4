/**
 * The cache port. Two backends implement it: MemoryCache (embedded) and RedisCache (distributed).
 *
 * Contract, for both:
 * - reads and writes never throw into the caller: a backend error is logged, counted
 *   (`nyx_cache_errors_total`) and turned into the default / `false`;
 * - any stored JSON value is a hit, including `[]`, `{}`, `0`, `false` and `null`;
 * - every value is stored in an envelope that records when it was generated, so a reader can tell
 *   fresh from stale (`getEntry`).
 */
export interface CacheEntry<T> {
  value: T;
  /** Epoch milliseconds at which the value was written. */
  generatedAt: number;
}

export interface Cache {
  readonly backend: 'memory' | 'redis';
  /** The stored value, or `fallback` on a miss or a backend error. */
  getJson<T>(key: string, fallback: T): Promise<T>;
  getJson<T>(key: string): Promise<T | undefined>;
  /** The stored value with its generation time, or undefined on a miss or a backend error. */
  getEntry<T>(key: string): Promise<CacheEntry<T> | undefined>;
  /** Stores `value` (any JSON) for `ttlSeconds` (no expiry when omitted). False on error. */
  setJson(key: string, value: unknown, ttlSeconds?: number): Promise<boolean>;
  /**
   * Stores `value` at `revision` unless the key already holds a value of that revision or a later
   * one, in one atomic step: writers that finish out of order (two processes moving a game's version
   * on) never move a key backwards. A value stored by `setJson` counts as revision -1. True when
   * stored; false when the key was as new already, or on error.
   */
  setJsonIfNewer(key: string, value: unknown, revision: number, ttlSeconds?: number): Promise<boolean>;
  /** Prepends `value` to the list at `key`, keeps the newest `maxLength` items, refreshes the TTL. */
  pushToList(key: string, value: unknown, maxLength: number, ttlSeconds?: number): Promise<boolean>;
  /** The newest `limit` items of the list at `key` (newest first); [] on a miss or error. */
  getList<T>(key: string, limit?: number): Promise<T[]>;
  /** Deletes every key matching a glob `pattern` (SCAN, never KEYS). Returns how many; 0 on error. */
  deleteKeys(pattern: string): Promise<number>;
  /**
   * The cached value, or `compute()`'s result stored for `ttlSeconds`. `compute` may read the
   * database; it must never call a model (that is the slow path's job: dispatch a task instead).
   */
  getOrCompute<T>(key: string, compute: () => Promise<T>, options?: { ttlSeconds?: number; forceRefresh?: boolean }): Promise<T>;
  /** The current version of `label` (0 when never bumped or unreadable). */
  version(label: string): Promise<number>;
  /** Increments the version of `label` in one call, invalidating every key built on it. */
  bump(label: string): Promise<number>;
  /**
   * Adds the integer `amount` to the counter at `key` in one atomic step and returns the new total;
   * with `ttlSeconds` the counter expires that long after this write. Undefined on error.
   */
  addToCounter(key: string, amount: number, ttlSeconds?: number): Promise<number | undefined>;
  /** The counter at `key`: 0 when missing, on a backend error, or when the key holds no integer. */
  counter(key: string): Promise<number>;
  /** `label:...parts:v{n}` with the current version of `label`. */
  versionedKey(label: string, ...parts: Array<string | number>): Promise<string>;
  /** True when the backend answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** `cacheKey('conflict', 123, 'transition')` → `conflict:123:transition`. */
export function cacheKey(...parts: Array<string | number>): string {
  return parts.map(String).join(':');
}
