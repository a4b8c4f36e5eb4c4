import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { GameApi } from '../conflict/engine/game-state.js';
import { logger } from '../observability/logger.js';
import type { ContentHub } from '../runtime/hub/content-hub.js';
import type { TaskQueue } from '../runtime/queue/task-queue.js';
import { GameEventStreams } from './game-event-streams.js';
import { handleError, handleNotFound } from './http-errors.js';
import { gameRoutes } from './plugins/game-routes.js';
import { liveUpdateRoutes } from './plugins/live-update-routes.js';
import { opsRoutes } from './plugins/ops-routes.js';
import { staticUi } from './plugins/static-ui.js';
import { registerRateLimit } from './rate-limit.js';

export interface ServerConfig {
  rateLimitPerMinute: number;
  /** Shares the rate limit across web processes. */
  redisUrl?: string;
  /** Default 16 KiB: every request body of the API is a few hundred bytes. */
  bodyLimitBytes?: number;
  /** Default 15 s. */
  sseHeartbeatMs?: number;
  /** Unsent bytes after which a live-update client is dropped as too slow. Default 1 MiB. */
  sseMaxBufferedBytes?: number;
}

export interface ServerDependencies {
  api: GameApi;
  hub: ContentHub;
  queue: Pick<TaskQueue, 'counts'>;
  /** Named checks, e.g. `{ database, cache, queue }`; any false makes /readyz answer 503. */
  readiness: () => Promise<Record<string, boolean>>;
  degraded: () => boolean;
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
  const httpLogger: FastifyBaseLogger = logger.child({ module: 'http' });
  const app = Fastify({
    loggerInstance: httpLogger,
    // Two synchronous log lines per request would cost the hot path more than its own work; the
    // metrics count every request, and errors are still logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes ?? 16 * 1024,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // The API speaks JSON only: anything else is a 415, not a string handed to the validators.
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);
  closeConnectionsWhenDraining(app);

  await registerRateLimit(app, { perMinute: config.rateLimitPerMinute, redisUrl: config.redisUrl });

  const streams = new GameEventStreams(deps.hub, {
    heartbeatMs: config.sseHeartbeatMs ?? 15_000,
    maxBufferedBytes: config.sseMaxBufferedBytes ?? 1024 * 1024,
    idleChannelMs: IDLE_CHANNEL_MS,
  });

  await app.register(gameRoutes, { api: deps.api });
  await app.register(liveUpdateRoutes, { api: deps.api, streams });
  await app.register(opsRoutes, { queue: deps.queue, readiness: deps.readiness, degraded: deps.degraded, streams });
  await app.register(staticUi);
  return app;
}
