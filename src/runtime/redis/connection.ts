import { Redis, type RedisOptions } from 'ioredis';

/**
 * Redis connections by role, because each role wants different failure behaviour:
 * - `cache` and `producer` (hot path): no offline queue, so a command fails at once when Redis is
 *   down instead of waiting for a reconnect; short timeouts (the seed used 2 s).
 * - `worker` and `subscriber` (long-lived, blocking commands): BullMQ requires
 *   `maxRetriesPerRequest: null`; they reconnect forever.
 */
export type RedisRole = 'cache' | 'producer' | 'worker' | 'subscriber';

export function redisOptions(role: RedisRole): RedisOptions {
  const hotPath = role === 'cache' || role === 'producer';
  return {
    lazyConnect: false,
    connectTimeout: 2_000,
    enableOfflineQueue: !hotPath,
    maxRetriesPerRequest: hotPath ? 1 : null,
    ...(hotPath ? { commandTimeout: 2_000 } : {}),
    // Keep retrying in the background; callers decide what a failure means.
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  };
}

export function createRedis(url: string, role: RedisRole, extra: RedisOptions = {}): Redis {
  const client = new Redis(url, { ...redisOptions(role), ...extra });
  // An unhandled 'error' event would crash the process; failures surface through commands instead.
  client.on('error', () => {});
  return client;
}
