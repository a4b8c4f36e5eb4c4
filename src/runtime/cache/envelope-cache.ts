import { logger } from '../../observability/logger.js';
import { metrics } from '../../observability/metrics.js';
import { cacheKey, type Cache, type CacheEntry } from './cache.js';

const log = logger.child({ module: 'cache' });

/** The JSON actually stored at a key: the value and when it was generated. */
interface Envelope {
  v: unknown;
  t: number;
  /** The revision of a value written by `setJsonIfNewer`. */
  r?: number;
}

export interface CacheOptions {
  /** Prepended to every key (and to every `deleteKeys` pattern), so tenants and tests can share a store. */
  keyPrefix?: string;
  /**
   * The `class` label of a read in `nyx_cache_requests_total`, from its (unprefixed) key: what a hit
   * means differs by what the key holds. Default: every read is `other`.
   */
  classOfKey?: (key: string) => string;
}

/**
 * The Cache contract written once over a small text store, so MemoryCache and RedisCache differ only
 * in how they read and write strings. Everything a caller sees — envelopes, hits for falsy values,
 * versions, and errors turned into defaults — lives here. The store methods may throw; this class
 * never lets that reach the caller.
 */
export abstract class EnvelopeCache implements Cache {
  abstract readonly backend: 'memory' | 'redis';
  private readonly keyPrefix: string;
  private readonly classOfKey: (key: string) => string;

  constructor(options: CacheOptions) {
    this.keyPrefix = options.keyPrefix ?? '';
    this.classOfKey = options.classOfKey ?? (() => 'other');
  }

  protected abstract readText(key: string): Promise<string | undefined>;
  protected abstract writeText(key: string, text: string, ttlMs: number | undefined): Promise<void>;
  /**
   * Writes `text` unless the stored envelope's `r` is `revision` or more, atomically; true when
   * written. A stored text that is no envelope, or has no `r`, is older than any revision.
   */
  protected abstract writeTextIfNewer(key: string, text: string, revision: number, ttlMs: number | undefined): Promise<boolean>;
  /** Prepends `text`, keeps the newest `maxLength` items and sets the TTL when given, atomically. */
  protected abstract prependText(key: string, text: string, maxLength: number, ttlMs: number | undefined): Promise<void>;
  /** The first `limit` items of the list (all when undefined). */
  protected abstract readTexts(key: string, limit: number | undefined): Promise<string[]>;
  /** `pattern` is already prefixed. */
  protected abstract deleteMatching(pattern: string): Promise<number>;
  /** Atomic increment of an integer counter (missing counts as 0); a TTL given replaces the key's. */
  protected abstract increment(key: string, amount: number, ttlMs: number | undefined): Promise<number>;
  protected abstract answers(): Promise<boolean>;
  abstract close(): Promise<void>;

  getJson<T>(key: string, fallback: T): Promise<T>;
  getJson<T>(key: string): Promise<T | undefined>;
  async getJson<T>(key: string, fallback?: T): Promise<T | undefined> {
    const entry = await this.getEntry<T>(key);
    return entry ? entry.value : fallback;
  }

  async getEntry<T>(key: string): Promise<CacheEntry<T> | undefined> {
    try {
      const text = await this.readText(this.prefixed(key));
      const entry = text === undefined ? undefined : openEnvelope<T>(text);
      metrics.cacheRequests.inc({ backend: this.backend, class: this.classOfKey(key), result: entry ? 'hit' : 'miss' });
      return entry;
    } catch (error) {
      metrics.cacheRequests.inc({ backend: this.backend, class: this.classOfKey(key), result: 'error' });
      return this.failed('get', key, error, undefined);
    }
  }

  async setJson(key: string, value: unknown, ttlSeconds?: number): Promise<boolean> {
    try {
      const envelope: Envelope = { v: requireJson(value), t: Date.now() };
      await this.writeText(this.prefixed(key), JSON.stringify(envelope), toTtlMs(ttlSeconds));
      return true;
    } catch (error) {
      return this.failed('set', key, error, false);
    }
  }

  async setJsonIfNewer(key: string, value: unknown, revision: number, ttlSeconds?: number): Promise<boolean> {
    try {
      if (!Number.isSafeInteger(revision) || revision < 0) throw new RangeError(`revision must be a non-negative integer, got ${revision}`);
      const envelope: Envelope = { v: requireJson(value), t: Date.now(), r: revision };
      return await this.writeTextIfNewer(this.prefixed(key), JSON.stringify(envelope), revision, toTtlMs(ttlSeconds));
    } catch (error) {
      return this.failed('set', key, error, false);
    }
  }

  async pushToList(key: string, value: unknown, maxLength: number, ttlSeconds?: number): Promise<boolean> {
    try {
      if (!Number.isInteger(maxLength) || maxLength < 1) throw new RangeError(`maxLength must be a positive integer, got ${maxLength}`);
      await this.prependText(this.prefixed(key), JSON.stringify(requireJson(value)), maxLength, toTtlMs(ttlSeconds));
      return true;
    } catch (error) {
      return this.failed('push', key, error, false);
    }
  }

  async getList<T>(key: string, limit?: number): Promise<T[]> {
    if (limit !== undefined && limit < 1) return [];
    try {
      const texts = await this.readTexts(this.prefixed(key), limit);
      return texts.map((text) => JSON.parse(text) as T);
    } catch (error) {
      return this.failed('list', key, error, []);
    }
  }

  async deleteKeys(pattern: string): Promise<number> {
    try {
      return await this.deleteMatching(escapeGlob(this.keyPrefix) + pattern);
    } catch (error) {
      return this.failed('delete', pattern, error, 0);
    }
  }

  async getOrCompute<T>(key: string, compute: () => Promise<T>, options: { ttlSeconds?: number; forceRefresh?: boolean } = {}): Promise<T> {
    if (!options.forceRefresh) {
      const entry = await this.getEntry<T>(key);
      if (entry) return entry.value;
    }
    const value = await compute();
    // undefined is "nothing to cache", not an error worth a log line on every call.
    if (value !== undefined) await this.setJson(key, value, options.ttlSeconds);
    return value;
  }

  async addToCounter(key: string, amount: number, ttlSeconds?: number): Promise<number | undefined> {
    try {
      if (!Number.isSafeInteger(amount)) throw new RangeError(`amount must be an integer, got ${amount}`);
      return await this.increment(this.prefixed(key), amount, toTtlMs(ttlSeconds));
    } catch (error) {
      return this.failed('add', key, error, undefined);
    }
  }

  async counter(key: string): Promise<number> {
    try {
      const counter = Number(await this.readText(this.prefixed(key)));
      return Number.isSafeInteger(counter) ? counter : 0;
    } catch (error) {
      return this.failed('counter', key, error, 0);
    }
  }

  async version(label: string): Promise<number> {
    return Math.max(await this.counter(versionKey(label)), 0);
  }

  async bump(label: string): Promise<number> {
    return (await this.addToCounter(versionKey(label), 1)) ?? 0;
  }

  async versionedKey(label: string, ...parts: Array<string | number>): Promise<string> {
    return cacheKey(label, ...parts, `v${await this.version(label)}`);
  }

  async ping(): Promise<boolean> {
    try {
      return await this.answers();
    } catch {
      return false;
    }
  }

  private prefixed(key: string): string {
    return this.keyPrefix + key;
  }

  private failed<T>(operation: string, key: string, error: unknown, fallback: T): T {
    metrics.cacheErrors.inc({ backend: this.backend, operation });
    log.warn({ err: error, backend: this.backend, operation, key }, 'cache operation failed; answering with the default');
    return fallback;
  }
}

function versionKey(label: string): string {
  return cacheKey('cache', 'versions', label);
}

/** The revision of a stored envelope's text: -1 when it has none or is no envelope. */
export function storedRevision(text: string | undefined): number {
  if (text === undefined) return -1;
  try {
    const parsed = JSON.parse(text) as Partial<Envelope> | null;
    return typeof parsed?.r === 'number' ? parsed.r : -1;
  } catch {
    return -1;
  }
}

function openEnvelope<T>(text: string): CacheEntry<T> {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || !('v' in parsed) || !('t' in parsed) || typeof parsed.t !== 'number') {
    throw new TypeError('stored value is not a cache envelope');
  }
  return { value: parsed.v as T, generatedAt: parsed.t };
}

/** JSON.stringify would silently drop an undefined value; the caller meant to store something. */
function requireJson(value: unknown): unknown {
  if (value === undefined) throw new TypeError('undefined is not a JSON value');
  return value;
}

/** Milliseconds, so both stores honour sub-second TTLs alike; a TTL that is not positive is a caller bug. */
function toTtlMs(ttlSeconds: number | undefined): number | undefined {
  if (ttlSeconds === undefined) return undefined;
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) throw new RangeError(`ttlSeconds must be positive, got ${ttlSeconds}`);
  return Math.ceil(ttlSeconds * 1000);
}

/** The key prefix is literal text: its glob characters must not act as wildcards in a pattern. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
