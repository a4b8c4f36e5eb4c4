import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Config } from '../config/config.js';
import { DependencyUnavailableError } from './dependency-unavailable-error.js';

/** One attempt to reach a service gives up after this long. */
const ATTEMPT_TIMEOUT_MS = 5_000;
/** Pause between attempts while waiting for a service. */
const RETRY_EVERY_MS = 2_000;

function reasonOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

/** One connection, one PING, no reconnecting: an answer or an error within the attempt timeout. */
async function pingRedis(url: string): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: ATTEMPT_TIMEOUT_MS,
    commandTimeout: ATTEMPT_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // connect() rejects with a bare "Connection is closed."; the socket's own error says why.
  let socketError: Error | undefined;
  redis.on('error', (error: Error) => (socketError ??= error));
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw socketError ?? error;
  } finally {
    redis.disconnect();
  }
}

async function pingPostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: ATTEMPT_TIMEOUT_MS, query_timeout: ATTEMPT_TIMEOUT_MS });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Checks, before anything is built on them, that Redis and PostgreSQL (when configured) answer.
 * The clients of the running system reconnect forever and report every failed attempt, so
 * without this check an unreachable service meant a process that never listened and logged a
 * stack trace a second. With `waitSeconds` 0 one attempt decides; above it, attempts repeat
 * (`onRetry` reports each failure in a line) until the service answers or the time is up.
 * Throws DependencyUnavailableError naming the variable.
 */
export async function checkDependencies(
  config: Pick<Config, 'redisUrl' | 'databaseUrl' | 'dependencyWaitSeconds'>,
  onRetry: (error: DependencyUnavailableError, attempt: number) => void,
): Promise<void> {
  const checks: Array<[DependencyUnavailableError['variable'], string, (url: string) => Promise<void>]> = [];
  if (config.redisUrl) checks.push(['REDIS_URL', config.redisUrl, pingRedis]);
  if (config.databaseUrl) checks.push(['DATABASE_URL', config.databaseUrl, pingPostgres]);
  const deadline = Date.now() + config.dependencyWaitSeconds * 1000;
  for (const [variable, url, ping] of checks) {
    for (let attempt = 1; ; attempt++) {
      try {
        await ping(url);
        break;
      } catch (error) {
        const unavailable = new DependencyUnavailableError(variable, url, reasonOf(error));
        if (Date.now() + RETRY_EVERY_MS > deadline) throw unavailable;
        onRetry(unavailable, attempt);
        await sleep(RETRY_EVERY_MS);
      }
    }
  }
}
