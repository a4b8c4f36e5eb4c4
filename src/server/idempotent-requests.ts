import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { logger } from '../observability/logger.js';
import type { Cache } from '../runtime/cache/cache.js';
import { isLockBusy, type LockHandle, type Locks } from '../runtime/locks/locks.js';
import { bearerToken } from './game-auth.js';
import { HttpError } from './http-errors.js';

const log = logger.child({ module: 'idempotency-key' });

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
/** Long enough for any client's retries; a key is a UUID, so keys never need to be reused. */
export const DEFAULT_IDEMPOTENCY_KEY_TTL_SECONDS = 24 * 60 * 60;
/**
 * How long a request holds its key while it runs. Every POST answers within the hot path's budget
 * (milliseconds), so this only matters when a process dies mid-request: the key is free again then.
 */
const IN_FLIGHT_TTL_MS = 30_000;
const MAX_KEY_LENGTH = 255;

/** The answer kept for a key: what the first request answered, and which request that was. */
interface StoredAnswer {
  fingerprint: string;
  statusCode: number;
  contentType: string;
  payload: string;
}

/** A request that owns its key until its answer is stored. */
interface Claim {
  recordKey: string;
  fingerprint: string;
  lock: LockHandle;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The key as sent: a bare token or, as the draft standard writes it, a quoted Structured Field string. */
function parseKey(raw: string | string[] | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const value = (Array.isArray(raw) ? raw.join(',') : raw).trim();
  const key = /^"(.*)"$/.exec(value)?.[1] ?? value;
  if (key === '' || key.length > MAX_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(key)) {
    throw new HttpError(400, 'invalid', `Idempotency-Key: expected 1 to ${MAX_KEY_LENGTH} visible ASCII characters`, 'Idempotency-Key');
  }
  return key;
}

/**
 * Keys are scoped to the game token (anyone without one: to their address), so one caller's key can
 * never replay another caller's answer, and neither the token nor the key is stored in the clear.
 */
function scopeOf(request: FastifyRequest): string {
  const token = bearerToken(request);
  return token === undefined ? `ip:${request.ip}` : `token:${sha256(token).slice(0, 32)}`;
}

/**
 * The `Idempotency-Key` request header on every POST (IETF httpapi draft semantics):
 * - the first request with a key runs and its answer (status and body, any status below 500) is
 *   kept for `ttlSeconds` in the cache backend, shared by every web process;
 * - the same key and the same request again get that answer replayed (`Idempotent-Replayed: true`),
 *   with no second effect;
 * - the same key with a different method, path or body is a 422;
 * - the same key while its first request still runs is a 409 with `Retry-After`.
 * A 5xx answer is not kept: the client's retry runs again. When the backend is unreachable the
 * request runs unguarded, as it would without a key; the store's own checks still apply.
 */
export class IdempotentRequests {
  private readonly claims = new WeakMap<FastifyRequest, Claim>();

  constructor(
    private readonly cache: Cache,
    private readonly locks: Locks,
    private readonly ttlSeconds = DEFAULT_IDEMPOTENCY_KEY_TTL_SECONDS,
  ) {}

  /** Adds the hooks to every POST route registered after this call. */
  register(app: FastifyInstance): void {
    // preHandler: after authorisation and validation, so a bad or forbidden request never holds a key.
    app.addHook('preHandler', async (request, reply) => {
      if (request.method !== 'POST') return;
      const key = parseKey(request.headers[IDEMPOTENCY_KEY_HEADER]);
      if (key === undefined) return;
      await this.claimOrReplay(request, reply, key);
    });
    app.addHook('onSend', async (request, reply, payload) => {
      const claim = this.claims.get(request);
      if (claim === undefined) return payload;
      this.claims.delete(request);
      await this.settle(claim, reply, payload);
      return payload;
    });
  }

  private async claimOrReplay(request: FastifyRequest, reply: FastifyReply, key: string): Promise<void> {
    const recordKey = `idempotency-key:${scopeOf(request)}:${sha256(key)}`;
    const fingerprint = sha256(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`);
    const stored = await this.cache.getJson<StoredAnswer>(recordKey);
    if (stored) return this.replay(reply, stored, fingerprint);

    const lock = await this.locks.tryLock(`${recordKey}:in-flight`, IN_FLIGHT_TTL_MS);
    if (isLockBusy(lock)) {
      if (lock.reason === 'backend-error') {
        log.warn({ route: request.routeOptions.url }, 'idempotency keys unavailable; the request runs unguarded');
        return;
      }
      // The first request may have finished between the read above and the lock.
      const finished = await this.cache.getJson<StoredAnswer>(recordKey);
      if (finished) return this.replay(reply, finished, fingerprint);
      reply.header('retry-after', '1');
      throw new HttpError(
        409,
        'request_in_flight',
        'A request with this Idempotency-Key is still running; retry shortly.',
        'Idempotency-Key',
      );
    }
    // Same race the other way: the first request stored its answer and let go of the lock.
    const finished = await this.cache.getJson<StoredAnswer>(recordKey);
    if (finished) {
      await lock.release();
      return this.replay(reply, finished, fingerprint);
    }
    this.claims.set(request, { recordKey, fingerprint, lock });
  }

  private replay(reply: FastifyReply, stored: StoredAnswer, fingerprint: string): FastifyReply {
    if (stored.fingerprint !== fingerprint) {
      throw new HttpError(
        422,
        'idempotency_key_reused',
        'This Idempotency-Key was already used for a different request; send a new key.',
        'Idempotency-Key',
      );
    }
    return reply.code(stored.statusCode).header('idempotent-replayed', 'true').type(stored.contentType).send(stored.payload);
  }

  private async settle(claim: Claim, reply: FastifyReply, payload: unknown): Promise<void> {
    try {
      if (reply.statusCode < 500 && typeof payload === 'string') {
        const answer: StoredAnswer = {
          fingerprint: claim.fingerprint,
          statusCode: reply.statusCode,
          contentType: String(reply.getHeader('content-type') ?? 'application/json; charset=utf-8'),
          payload,
        };
        await this.cache.setJson(claim.recordKey, answer, this.ttlSeconds);
      }
    } finally {
      await claim.lock.release();
    }
  }
}
