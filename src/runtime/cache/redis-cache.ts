import type { Redis } from 'ioredis';
import { closeRedis, createRedis, redisReady } from '../redis/connection.js';
import { EnvelopeCache, type CacheOptions } from './envelope-cache.js';

export interface RedisCacheOptions extends CacheOptions {
  url: string;
}

/**
 * SET unless the stored envelope's revision (`r`) is as new already: one round trip, atomic. A text
 * that is not an envelope, or has no revision, counts as older than any.
 */
const SET_IF_NEWER = `
local current = redis.call('GET', KEYS[1])
if current then
  local ok, envelope = pcall(cjson.decode, current)
  if ok and type(envelope) == 'table' and type(envelope.r) == 'number' and envelope.r >= tonumber(ARGV[2]) then return 0 end
end
if ARGV[3] == '' then redis.call('SET', KEYS[1], ARGV[1]) else redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3]) end
return 1`;

/** Keys SCAN asks for per round trip; also the UNLINK batch size. */
const SCAN_BATCH = 250;

/**
 * The distributed cache. It owns a 'cache'-role connection (no offline queue), so while Redis is
 * down every call fails at once and the caller gets its default instead of waiting for a reconnect.
 */
export class RedisCache extends EnvelopeCache {
  readonly backend = 'redis' as const;
  private readonly redis: Redis;

  constructor(options: RedisCacheOptions) {
    super(options);
    this.redis = createRedis(options.url, 'cache');
  }

  protected async readText(key: string): Promise<string | undefined> {
    return (await this.redis.get(key)) ?? undefined;
  }

  protected async writeText(key: string, text: string, ttlMs: number | undefined): Promise<void> {
    if (ttlMs === undefined) await this.redis.set(key, text);
    else await this.redis.set(key, text, 'PX', ttlMs);
  }

  protected async writeTextIfNewer(key: string, text: string, revision: number, ttlMs: number | undefined): Promise<boolean> {
    return (await this.redis.eval(SET_IF_NEWER, 1, key, text, revision, ttlMs ?? '')) === 1;
  }

  protected async prependText(key: string, text: string, maxLength: number, ttlMs: number | undefined): Promise<void> {
    const transaction = this.redis
      .multi()
      .lpush(key, text)
      .ltrim(key, 0, maxLength - 1);
    if (ttlMs !== undefined) transaction.pexpire(key, ttlMs);
    const replies = await transaction.exec();
    if (replies === null) throw new Error(`transaction on ${key} was aborted`);
    const failure = replies.find(([error]) => error)?.[0];
    if (failure) throw failure;
  }

  protected async readTexts(key: string, limit: number | undefined): Promise<string[]> {
    return this.redis.lrange(key, 0, limit === undefined ? -1 : limit - 1);
  }

  protected async deleteMatching(pattern: string): Promise<number> {
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_BATCH);
      if (keys.length > 0) deleted += await this.redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
    return deleted;
  }

  protected async increment(key: string, amount: number, ttlMs: number | undefined): Promise<number> {
    if (ttlMs === undefined) return this.redis.incrby(key, amount);
    const replies = await this.redis.multi().incrby(key, amount).pexpire(key, ttlMs).exec();
    if (replies === null) throw new Error(`transaction on ${key} was aborted`);
    const failure = replies.find(([error]) => error)?.[0];
    if (failure) throw failure;
    return Number(replies[0]![1]);
  }

  protected async answers(): Promise<boolean> {
    return (await this.redis.ping()) === 'PONG';
  }

  /** Resolves once the connection is up; until then every call answers its default. */
  whenReady(): Promise<void> {
    return redisReady(this.redis);
  }

  async close(): Promise<void> {
    await closeRedis(this.redis);
  }
}
