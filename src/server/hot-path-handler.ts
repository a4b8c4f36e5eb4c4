import type { FastifyRequest } from 'fastify';
import { inSpan, SpanKind } from '../observability/tracing.js';
import { hotPath } from '../runtime/hot-path/hot-path.js';

/** The hot-path operation name of a route: `http.POST /api/games/:gameId/choices`. */
const operationOf = (request: FastifyRequest) => `http.${request.method} ${request.routeOptions.url ?? request.url}`;

/**
 * Runs a route handler's work as a hot-path operation (timed, closed to model calls). Called inside
 * the handler rather than from a hook because the AsyncLocalStorage frame must enclose the handler's
 * whole async call chain.
 */
export function onHotPath<T>(request: FastifyRequest, work: () => Promise<T>): Promise<T> {
  const route = request.routeOptions.url ?? request.url;
  const attributes = { 'http.request.method': request.method, 'http.route': route };
  return inSpan(`${request.method} ${route}`, { kind: SpanKind.SERVER, attributes }, () => hotPath(operationOf(request), work));
}
