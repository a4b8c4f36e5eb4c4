import type { Redis } from 'ioredis';
import { logger } from '../../observability/logger.js';
import { metrics } from '../../observability/metrics.js';
import { closeRedis, redisReady } from '../redis/connection.js';
import { createRedis } from '../redis/connection.js';
import type { IdempotencyGuard, IdempotentOutcome } from './idempotency.js';

const log = logger.child({ module: 'idempotency' });

export interface RedisIdempotencyGuardOptions {
  url: string;
  /** Prepended to every key (before the `idempotency:` namespace). */
  keyPrefix?: string;
  /** How long a successful run keeps its key (seconds). */
  defaultTtlSeconds?: number;
}

/**
 * The guard shared by every worker: `SET key owner PX ttl NX` (milliseconds, so fractional TTLs
 * behave as in memory) holds a key while its task runs and keeps it after a success; a failure
 * deletes it so the queue's retry really runs, and the owner that holds it may run again.
 */
export class RedisIdempotencyGuard implements IdempotencyGuard {
  private readonly redis: Redis;
  private readonly keyPrefix: string;
  private readonly defaultTtlSeconds: number;

  constructor(options: RedisIdempotencyGuardOptions) {
    this.redis = createRedis(options.url, 'cache');
    this.keyPrefix = `${options.keyPrefix ?? ''}idempotency:`;
    this.defaultTtlSeconds = options.defaultTtlSeconds ?? 3600;
  }

  async run<T>(key: string, fn: () => Promise<T>, ttlSeconds = this.defaultTtlSeconds, owner = '1'): Promise<IdempotentOutcome<T>> {
    let held: boolean;
    try {
      const redisKey = this.keyPrefix + key;
      held =
        (await this.redis.set(redisKey, owner, 'PX', Math.ceil(ttlSeconds * 1000), 'NX')) === 'OK' ||
        (owner !== '1' && (await this.redis.get(redisKey)) === owner);
    } catch (error) {
      // Better a possible duplicate than lost work: run unguarded.
      this.failed('hold', key, error);
      return { ran: true, value: await fn() };
    }
    if (!held) return { ran: false, reason: 'duplicate' };
    try {
      return { ran: true, value: await fn() };
    } catch (error) {
      await this.release(key);
      throw error;
    }
  }

  /** Never throws: a key that cannot be deleted simply expires. */
  async release(key: string): Promise<void> {
    try {
      await this.redis.del(this.keyPrefix + key);
    } catch (error) {
      this.failed('release', key, error);
    }
  }

  /** Resolves once the connection is up; until then every call takes its Redis-down path. */
  whenReady(): Promise<void> {
    return redisReady(this.redis);
  }

  async close(): Promise<void> {
    await closeRedis(this.redis);
  }

  private failed(operation: string, key: string, error: unknown): void {
    metrics.cacheErrors.inc({ backend: 'redis', operation: `idempotency-${operation}` });
    log.warn({ err: error, operation, key }, 'idempotency key operation failed');
  }
}
