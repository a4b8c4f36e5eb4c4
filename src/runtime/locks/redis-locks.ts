import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { logger } from '../../observability/logger.js';
import { metrics } from '../../observability/metrics.js';
import { closeRedis, redisReady } from '../redis/connection.js';
import { createRedis } from '../redis/connection.js';
import { DEFAULT_LOCK_TTL_MS, type LockBusy, type LockHandle, type Locks } from './locks.js';

const log = logger.child({ module: 'locks' });

// Compare-and-act in one step, so a handle whose lock expired and was taken over never touches the new owner's.
const RELEASE_IF_OWNER = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const EXTEND_IF_OWNER = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

export interface RedisLocksOptions {
  url: string;
  /** Prepended to every lock name. */
  keyPrefix?: string;
}

/**
 * Locks shared by every process: `SET name token PX ttl NX`, released and extended by token-checked
 * Lua. A lock nobody releases expires after its TTL. When Redis is down, tryLock answers LockBusy
 * ('backend-error') at once, so the hot path takes its fallback instead of waiting.
 */
export class RedisLocks implements Locks {
  private readonly redis: Redis;
  private readonly keyPrefix: string;

  constructor(options: RedisLocksOptions) {
    this.redis = createRedis(options.url, 'cache');
    this.keyPrefix = options.keyPrefix ?? '';
  }

  async tryLock(name: string, ttlMs = DEFAULT_LOCK_TTL_MS): Promise<LockHandle | LockBusy> {
    const token = randomUUID();
    try {
      const acquired = await this.redis.set(this.keyPrefix + name, token, 'PX', ttlMs, 'NX');
      if (acquired === null) return { busy: true, name, reason: 'held' };
      return new RedisLockHandle(this, name, token);
    } catch (error) {
      this.failed('acquire', name, error);
      return { busy: true, name, reason: 'backend-error' };
    }
  }

  releaseIfOwner(name: string, token: string): Promise<boolean> {
    return this.ifOwner('release', RELEASE_IF_OWNER, name, token);
  }

  extendIfOwner(name: string, token: string, ttlMs: number): Promise<boolean> {
    return this.ifOwner('extend', EXTEND_IF_OWNER, name, token, String(ttlMs));
  }

  /** Resolves once the connection is up; until then every call takes its Redis-down path. */
  whenReady(): Promise<void> {
    return redisReady(this.redis);
  }

  async close(): Promise<void> {
    await closeRedis(this.redis);
  }

  private async ifOwner(operation: string, script: string, name: string, ...args: string[]): Promise<boolean> {
    try {
      return (await this.redis.eval(script, 1, this.keyPrefix + name, ...args)) === 1;
    } catch (error) {
      this.failed(operation, name, error);
      return false;
    }
  }

  private failed(operation: string, name: string, error: unknown): void {
    metrics.cacheErrors.inc({ backend: 'redis', operation: `lock-${operation}` });
    log.warn({ err: error, operation, name }, 'lock operation failed');
  }
}

class RedisLockHandle implements LockHandle {
  constructor(
    private readonly locks: RedisLocks,
    readonly name: string,
    readonly token: string,
  ) {}

  release(): Promise<boolean> {
    return this.locks.releaseIfOwner(this.name, this.token);
  }

  extend(ttlMs: number): Promise<boolean> {
    return this.locks.extendIfOwner(this.name, this.token, ttlMs);
  }
}
