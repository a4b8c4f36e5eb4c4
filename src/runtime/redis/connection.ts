import { Redis, type RedisOptions } from 'ioredis';

/**
 * Redis connections by role, because each role wants different failure behaviour:
 * - `cache` and `producer` (hot path): no offline queue, so a command fails at once when Redis is
 *   down instead of waiting for a reconnect; and short (2 s) timeouts.
 * - `worker` and `subscriber` (long-lived, blocking commands): BullMQ requires
 *   `maxRetriesPerRequest: null`; they reconnect forever.
 *
 * `cache` connections pipeline automatically: the commands one event-loop turn issues (a state
 * sync reads several keys) go out in one write, and each socket write is a syscall that costs
 * more than the command (profiled: `writev` was the biggest self time of the web process). BullMQ's
 * connections stay unpipelined: its maintainers report lost job state with auto-pipelining.
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
    enableAutoPipelining: role === 'cache',
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

/** Never rejects: a connection that is down keeps retrying, and the caller decides how long to wait. */
export function redisReady(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => redis.once('ready', () => resolve()));
}

/**
 * QUIT needs a live connection: without one it fails at once (no offline queue) or waits for a
 * reconnect that may never come (offline queue), so a connection that is down is just dropped.
 */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    try {
      await redis.quit();
      return;
    } catch {
      // Lost between the check and the QUIT: dropping it below is all that is left to do.
    }
  }
  redis.disconnect();
}
