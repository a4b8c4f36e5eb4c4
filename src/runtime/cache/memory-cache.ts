import { LRUCache } from 'lru-cache';
import { EnvelopeCache, storedRevision, type CacheOptions } from './envelope-cache.js';

export interface MemoryCacheOptions extends CacheOptions {
  /** Least recently used entries are evicted beyond this many keys. */
  maxEntries?: number;
}

/** A string is a plain value; an array is a list, newest first (like a Redis list). */
type Stored = string | readonly string[];

/** The embedded cache: one process, bounded by entry count, per-entry TTL, same contract as Redis. */
export class MemoryCache extends EnvelopeCache {
  readonly backend = 'memory' as const;
  private readonly entries: LRUCache<string, Stored>;

  constructor(options: MemoryCacheOptions = {}) {
    super(options);
    this.entries = new LRUCache<string, Stored>({ max: options.maxEntries ?? 10_000 });
  }

  protected async readText(key: string): Promise<string | undefined> {
    const stored = this.entries.get(key);
    if (stored !== undefined && typeof stored !== 'string') throw wrongType(key);
    return stored;
  }

  protected async writeText(key: string, text: string, ttlMs: number | undefined): Promise<void> {
    this.entries.set(key, text, { ttl: ttlMs ?? 0 });
  }

  protected async writeTextIfNewer(key: string, text: string, revision: number, ttlMs: number | undefined): Promise<boolean> {
    const stored = this.entries.get(key);
    if (stored !== undefined && typeof stored !== 'string') throw wrongType(key);
    if (storedRevision(stored) >= revision) return false;
    this.entries.set(key, text, { ttl: ttlMs ?? 0 });
    return true;
  }

  protected async prependText(key: string, text: string, maxLength: number, ttlMs: number | undefined): Promise<void> {
    const stored = this.entries.get(key) ?? [];
    if (typeof stored === 'string') throw wrongType(key);
    // Like LPUSH without EXPIRE, a push without a TTL keeps the list's current one.
    const ttlOption = ttlMs === undefined ? { noUpdateTTL: true } : { ttl: ttlMs };
    this.entries.set(key, [text, ...stored].slice(0, maxLength), ttlOption);
  }

  protected async readTexts(key: string, limit: number | undefined): Promise<string[]> {
    const stored = this.entries.get(key) ?? [];
    if (typeof stored === 'string') throw wrongType(key);
    return stored.slice(0, limit);
  }

  protected async deleteMatching(pattern: string): Promise<number> {
    this.entries.purgeStale();
    const matches = globToRegExp(pattern);
    let deleted = 0;
    for (const key of [...this.entries.keys()]) {
      if (matches.test(key) && this.entries.delete(key)) deleted += 1;
    }
    return deleted;
  }

  protected async increment(key: string, amount: number, ttlMs: number | undefined): Promise<number> {
    const stored = this.entries.get(key) ?? '0';
    const counter = typeof stored === 'string' ? Number(stored) : NaN;
    if (!Number.isSafeInteger(counter)) throw new TypeError(`value at ${key} is not an integer`);
    const total = counter + amount;
    this.entries.set(key, String(total), ttlMs === undefined ? { noUpdateTTL: true } : { ttl: ttlMs });
    return total;
  }

  protected async answers(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    this.entries.clear();
  }
}

function wrongType(key: string): TypeError {
  return new TypeError(`value at ${key} holds the wrong kind of value for this operation`);
}

/** Redis glob syntax (`*`, `?`, `[abc]`, `[^a-z]`, `\x`) as an anchored regular expression. */
function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i += 1) {
    const char = glob[i]!;
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else if (char === '\\' && i + 1 < glob.length) source += escapeRegExp(glob[++i]!);
    else if (char === '[' && glob.indexOf(']', i + 1) > i + 1) {
      const end = glob.indexOf(']', i + 1);
      source += characterClass(glob.slice(i + 1, end));
      i = end;
    } else source += escapeRegExp(char);
  }
  return new RegExp(`^${source}$`, 's');
}

function characterClass(body: string): string {
  const negated = body.startsWith('^');
  const members = (negated ? body.slice(1) : body).replace(/\\(.)/g, '$1').replace(/[\\\]^[]/g, '\\$&');
  return `[${negated ? '^' : ''}${members}]`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
