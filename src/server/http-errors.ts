import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, type ZodFastifySchemaValidationError } from 'fastify-type-provider-zod';
import { GameError, type GameErrorCode } from '../conflict/engine/game-errors.js';
import { HotPathViolation } from '../runtime/hot-path/hot-path.js';

/** The one error shape every API answer uses: `{ error: { code, message, field? } }`. */
interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

/** An error the server raises itself with its HTTP status (auth, rate limit, unknown routes). */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

const GAME_ERROR_STATUS: Record<GameErrorCode, number> = { invalid: 400, not_found: 404, stale: 409, forbidden: 403, contended: 409 };

/** Codes for client errors that fastify raises itself (body parsing, limits, content types). */
const CODE_BY_STATUS: Record<number, string> = {
  400: 'invalid',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  406: 'not_acceptable',
  409: 'stale',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/** zod paths become dotted field names; an unknown key is named by the key itself. */
function fieldOf(issue: ZodFastifySchemaValidationError): string {
  const path = issue.instancePath.split('/').filter(Boolean);
  const unknownKeys = issue.params.keys;
  if (issue.keyword === 'unrecognized_keys' && Array.isArray(unknownKeys) && unknownKeys.length > 0) {
    path.push(String(unknownKeys[0]));
  }
  return path.length > 0 ? path.join('.') : 'body';
}

function validationMessage(issue: ZodFastifySchemaValidationError, field: string): string {
  return issue.keyword === 'unrecognized_keys' ? `${field}: unknown field` : `${field}: ${issue.message}`;
}

/** How long a client should wait before retrying a 503: about how long a database failover takes. */
export const UNAVAILABLE_RETRY_AFTER_S = 5;

/** Node socket errors of a dependency that cannot be reached. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/**
 * PostgreSQL SQLSTATEs of a server that is down or not taking connections: class 08 (connection
 * exception), 57P01-57P03 (shutting down, crashed, starting up), 53300 (too many connections).
 */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123]|53300)$/;
/** node-postgres reports a lost or never-made connection by message only. */
const UNAVAILABLE_MESSAGE = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i;

/**
 * True when `error`, or an error it wraps (drizzle wraps the driver's error as `cause`), says the
 * database could not be reached: an outage the client can wait out, not a bug.
 */
export function isDependencyUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (UNREACHABLE_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return true;
    if (UNAVAILABLE_MESSAGE.test(current.message)) return true;
  }
  return false;
}

interface MappedError {
  status: number;
  body: ErrorBody;
  headers?: Record<string, string>;
  /** A bug rather than a bad request: worth a log line with the stack. */
  internal: boolean;
}

function mapError(error: unknown): MappedError {
  const respond = (status: number, code: string, message: string, field?: string): MappedError => ({
    status,
    body: { error: field === undefined ? { code, message } : { code, message, field } },
    internal: false,
  });

  if (hasZodFastifySchemaValidationErrors(error)) {
    const issue = error.validation[0]!;
    const field = fieldOf(issue);
    return respond(400, 'invalid', validationMessage(issue, field), field);
  }
  if (error instanceof HttpError) return respond(error.statusCode, error.code, error.message, error.field);
  if (error instanceof GameError) return respond(GAME_ERROR_STATUS[error.code], error.code, error.message, error.field);

  if (isDependencyUnavailable(error)) {
    return {
      ...respond(503, 'unavailable', 'The game data is unreachable for a moment; retry shortly.'),
      headers: { 'retry-after': String(UNAVAILABLE_RETRY_AFTER_S) },
    };
  }

  // Fastify's own client errors (bad JSON, body too large, wrong content type) carry a 4xx status.
  const status = (error as Partial<FastifyError> | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message = status === 415 ? 'Send the body as JSON (Content-Type: application/json).' : (error as Error).message;
    return respond(status, CODE_BY_STATUS[status] ?? 'bad_request', message);
  }
  // A bug, but one with a name: under DISABLE_LLM_IN_HOT_PATH the caller learns which rule it broke.
  if (error instanceof HotPathViolation) {
    return { status: 500, body: { error: { code: 'hot_path_violation', message: error.message } }, internal: true };
  }
  return {
    status: 500,
    body: { error: { code: 'internal', message: 'Something went wrong on the server.' } },
    internal: true,
  };
}

export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const mapped = mapError(error);
  if (mapped.internal) request.log.error({ err: error }, 'request failed');
  if (mapped.headers) reply.headers(mapped.headers);
  return reply.code(mapped.status).type('application/json; charset=utf-8').send(mapped.body);
}

export function handleNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return handleError(new HttpError(404, 'not_found', `No route ${request.method} ${request.url.split('?')[0]}`), request, reply);
}
