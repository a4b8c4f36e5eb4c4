import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { GameApi } from '../conflict/engine/game-state.js';
import { logger } from '../observability/logger.js';
import type { Cache } from '../runtime/cache/cache.js';
import type { ContentHub } from '../runtime/hub/content-hub.js';
import type { Locks } from '../runtime/locks/locks.js';
import type { TaskQueue } from '../runtime/queue/task-queue.js';
import { GameEventStreams } from './game-event-streams.js';
import { handleError, handleNotFound } from './http-errors.js';
import { IdempotentRequests } from './idempotent-requests.js';
import { gameRoutes } from './plugins/game-routes.js';
import { liveUpdateRoutes } from './plugins/live-update-routes.js';
import { OpenStreamLimits } from './open-stream-limits.js';
import { opsRoutes } from './plugins/ops-routes.js';
import { staticUi } from './plugins/static-ui.js';
import { registerOpenApi } from './openapi.js';
import { registerRateLimit } from './rate-limit.js';
import type { SpendLedger } from '../runtime/spend/spend-ledger.js';
import { VerifiedTokens } from './verified-tokens.js';
import type { ModelHealthRecord } from '../runtime/health/model-health-record.js';

export interface ServerConfig {
  rateLimitPerMinute: number;
  /** Shares the rate limit across web processes. */
  redisUrl?: string;
  /** Default 16 KiB: every request body of the API is a few hundred bytes. */
  bodyLimitBytes?: number;
  /** How long an `Idempotency-Key`'s answer is kept for replay. Default 24 h. */
  idempotencyKeyTtlSeconds?: number;
  /** Default 15 s. */
  sseHeartbeatMs?: number;
  /** Unsent bytes after which a live-update client is dropped as too slow. Default 1 MiB. */
  sseMaxBufferedBytes?: number;
  /** Live-update streams one game token may hold open on this process; beyond, 429. Default 8. */
  sseMaxStreamsPerToken?: number;
  /** Live-update streams one address may hold open on this process; beyond, 429. Default 64. */
  sseMaxStreamsPerIp?: number;
  /**
   * Time allowed to receive a whole request, headers and body: a client trickling its body is cut
   * (408). Default 15 s; every body of the API is a few hundred bytes.
   */
  requestTimeoutMs?: number;
  /** Time allowed to receive a request's headers. Default 10 s; at most `requestTimeoutMs`. */
  headersTimeoutMs?: number;
  /** A connection silent this long is closed. Default 60 s, above the live-update heartbeat. */
  idleConnectionTimeoutMs?: number;
}

export interface ServerDependencies {
  api: GameApi;
  hub: ContentHub;
  queue: Pick<TaskQueue, 'counts'>;
  /** Where `Idempotency-Key` answers are kept and claimed: shared by every web process when distributed. */
  cache: Cache;
  locks: Locks;
  /** Named checks, e.g. `{ database, cache, queue }`; any false makes /readyz answer 503. */
  readiness: () => Promise<Record<string, boolean>>;
  degraded: () => boolean;
  /** Model spend this hour and player turns, for the ops page; without it the page shows no cost. */
  spend?: Pick<SpendLedger, 'hourSpentUsd' | 'hourTurns'>;
  /** The model backend's health as the workers last reported it; shown, never a reason for 503. */
  modelHealth?: () => ModelHealthRecord | undefined;
  config: ServerConfig;
}

/** How long a game's hub subscription outlives its last client: long enough for any reconnect. */
const IDLE_CHANNEL_MS = 5 * 60_000;

/**
 * On close, fastify answers requests already in flight but leaves their keep-alive connections
 * open, and server.close() then waits for each client to hang up (browsers keep them ~a minute).
 * Telling those clients `Connection: close` lets the server finish as soon as they are answered.
 */
function closeConnectionsWhenDraining(app: FastifyInstance): void {
  let draining = false;
  app.addHook('preClose', async () => {
    draining = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (draining) reply.header('connection', 'close');
  });
}

/** The game server, ready to `listen()`: HTTP API, live updates, probes, metrics and the web UI. */
export async function buildServer(deps: ServerDependencies): Promise<FastifyInstance> {
  const { config } = deps;
  const requestTimeoutMs = config.requestTimeoutMs ?? 15_000;
  const httpLogger: FastifyBaseLogger = logger.child({ module: 'http' });
  const app = Fastify({
    loggerInstance: httpLogger,
    // Two synchronous log lines per request would cost the hot path more than its own work; the
    // metrics count every request, and errors are still logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes ?? 16 * 1024,
    requestTimeout: requestTimeoutMs,
    connectionTimeout: config.idleConnectionTimeoutMs ?? 60_000,
    // Node checks the request and headers timeouts this often (30 s by default): the cut comes late by up to this much.
    http: { headersTimeout: Math.min(config.headersTimeoutMs ?? 10_000, requestTimeoutMs), connectionsCheckingInterval: 1_000 },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // The API speaks JSON only: anything else is a 415, not a string handed to the validators.
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);
  closeConnectionsWhenDraining(app);

  const verified = new VerifiedTokens();
  await registerRateLimit(app, { perMinute: config.rateLimitPerMinute, redisUrl: config.redisUrl, verified });

  const streams = new GameEventStreams(deps.hub, {
    heartbeatMs: config.sseHeartbeatMs ?? 15_000,
    maxBufferedBytes: config.sseMaxBufferedBytes ?? 1024 * 1024,
    idleChannelMs: IDLE_CHANNEL_MS,
  });

  await registerOpenApi(app);
  new IdempotentRequests(deps.cache, deps.locks, config.idempotencyKeyTtlSeconds).register(app);
  await app.register(gameRoutes, { api: deps.api, verified });
  const limits = new OpenStreamLimits({ perToken: config.sseMaxStreamsPerToken ?? 8, perIp: config.sseMaxStreamsPerIp ?? 64 });
  await app.register(liveUpdateRoutes, { api: deps.api, verified, streams, limits });
  await app.register(opsRoutes, {
    queue: deps.queue,
    readiness: deps.readiness,
    degraded: deps.degraded,
    modelHealth: deps.modelHealth ?? (() => undefined),
    streams,
    ...(deps.spend ? { spend: deps.spend } : {}),
  });
  await app.register(staticUi);
  return app;
}
