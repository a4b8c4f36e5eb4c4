import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeRedis, createRedis, redisReady } from '../runtime/redis/connection.js';
import { bearerToken } from './game-auth.js';
import { HttpError } from './http-errors.js';
import type { VerifiedTokens } from './verified-tokens.js';

const REDIS_READY_WAIT_MS = 2_000;

/**
 * A player is limited by their game token once it has opened its game here, anyone else by
 * address: a made-up token must not buy a fresh budget. The token is hashed so the limiter's keys
 * (in Redis when distributed) never hold a credential.
 */
function rateLimitKey(request: FastifyRequest, verified: VerifiedTokens): string {
  const token = bearerToken(request);
  const gameId = (request.params as { gameId?: unknown } | undefined)?.gameId;
  if (token === undefined || typeof gameId !== 'string' || !verified.has(gameId, token)) return `ip:${request.ip}`;
  return `token:${createHash('sha256').update(token).digest('hex').slice(0, 32)}`;
}

/**
 * Registers @fastify/rate-limit on every route that does not opt out (`config: { rateLimit: false }`:
 * live updates, probes, metrics, static files). Shared through Redis when a URL is given, so the
 * limit holds across web processes; a Redis outage lets requests through rather than block players.
 */
export async function registerRateLimit(app: FastifyInstance, options: { perMinute: number; redisUrl?: string; verified: VerifiedTokens }) {
  const redis = options.redisUrl === undefined ? undefined : createRedis(options.redisUrl, 'cache');
  if (redis) {
    app.addHook('onClose', async () => closeRedis(redis));
    // Without an offline queue, requests before the connection is up would all pass unlimited;
    // a Redis that is down delays start-up by this much at most.
    await Promise.race([redisReady(redis), sleep(REDIS_READY_WAIT_MS, undefined, { ref: false })]);
  }
  await app.register(rateLimit, {
    max: options.perMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => rateLimitKey(request, options.verified),
    skipOnError: true,
    ...(redis ? { redis, nameSpace: 'nyx:rate-limit:' } : {}),
    errorResponseBuilder: (_request, context) =>
      new HttpError(context.statusCode, 'rate_limited', `Too many requests: at most ${context.max} a minute. Retry in ${context.after}.`),
  });
}
