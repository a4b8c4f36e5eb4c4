import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { logger } from '../observability/logger.js';
import { handleError, handleNotFound } from './http-errors.js';
import { probeRoutes, type ProbeDependencies } from './plugins/probe-routes.js';

/**
 * The HTTP listener of a worker process: only /healthz, /readyz and /metrics, so the task and model
 * series, which only workers record, are scraped from where they happen.
 */
export async function buildProbeServer(deps: ProbeDependencies): Promise<FastifyInstance> {
  const probeLogger: FastifyBaseLogger = logger.child({ module: 'probes' });
  const app = Fastify({
    loggerInstance: probeLogger,
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);
  await app.register(probeRoutes, deps);
  return app;
}
