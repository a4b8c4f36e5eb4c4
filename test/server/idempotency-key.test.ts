import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisCache } from '../../src/runtime/cache/redis-cache.js';
import { RedisLocks } from '../../src/runtime/locks/redis-locks.js';
import { describeWithServices, redisUrl, uniquePrefix } from '../support/services.js';
import { buildTestServer, createGame, type TestServer } from './test-server.js';

const CONCURRENT = 50;
const closers: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function server(backend: 'memory' | { prefix: string }): Promise<TestServer> {
  const overrides =
    backend === 'memory'
      ? {}
      : {
          cache: new RedisCache({ url: redisUrl!, keyPrefix: backend.prefix }),
          locks: new RedisLocks({ url: redisUrl!, keyPrefix: backend.prefix }),
        };
  if (overrides.cache) await Promise.all([overrides.cache.whenReady(), overrides.locks.whenReady()]);
  const built = await buildTestServer({}, overrides);
  closers.push(() => built.app.close());
  if (overrides.cache)
    closers.push(
      () => overrides.cache.close(),
      () => overrides.locks.close(),
    );
  return built;
}

const conflictBody = { type: 'rivalry', npcIds: [1, 2] };

function postConflict(app: FastifyInstance, gameId: string, headers: Record<string, string>, body: unknown = conflictBody) {
  return app.inject({ method: 'POST', url: `/api/games/${gameId}/conflicts`, headers, payload: body as object });
}

/**
 * Fifty identical POSTs at once with one key: one runs, every other answer is the replay of its
 * answer or a 409 while it still runs, and the game holds exactly one new conflict.
 */
async function expectExactlyOnce(apps: FastifyInstance[], first: TestServer, gameId: string, headers: Record<string, string>) {
  const answers = await Promise.all(
    Array.from({ length: CONCURRENT }, (_, i) =>
      postConflict(apps[i % apps.length]!, gameId, { ...headers, 'idempotency-key': 'click-1' }),
    ),
  );
  expect(first.api.games.get(gameId)!.conflicts).toHaveLength(1);
  const created = answers.filter((a) => a.statusCode === 201);
  const inFlight = answers.filter((a) => a.statusCode === 409);
  expect(created.length + inFlight.length).toBe(CONCURRENT);
  expect(created.length).toBeGreaterThanOrEqual(1);
  expect(new Set(created.map((a) => a.body)).size).toBe(1);
  for (const answer of inFlight) {
    expect(answer.json()).toMatchObject({ error: { code: 'request_in_flight', field: 'Idempotency-Key' } });
    expect(answer.headers['retry-after']).toBe('1');
  }
  // Once the first has finished, every retry is a replay.
  const retry = await postConflict(apps[0]!, gameId, { ...headers, 'idempotency-key': 'click-1' });
  expect(retry.statusCode).toBe(201);
  expect(retry.headers['idempotent-replayed']).toBe('true');
  expect(retry.body).toBe(created[0]!.body);
  expect(first.api.games.get(gameId)!.conflicts).toHaveLength(1);
}

describe('Idempotency-Key (in memory)', () => {
  it('applies 50 concurrent identical POSTs with one key exactly once', async () => {
    const first = await server('memory');
    const game = await createGame(first.app);
    await expectExactlyOnce([first.app], first, game.gameId, game.headers);
  });

  it('applies each POST without a key, and each distinct key, once each', async () => {
    const { app, api } = await server('memory');
    const game = await createGame(app);
    await postConflict(app, game.gameId, game.headers);
    await postConflict(app, game.gameId, game.headers);
    await postConflict(app, game.gameId, { ...game.headers, 'idempotency-key': 'a' });
    await postConflict(app, game.gameId, { ...game.headers, 'idempotency-key': 'b' });
    expect(api.games.get(game.gameId)!.conflicts).toHaveLength(4);
  });

  it('answers 422 to the same key with a different body', async () => {
    const { app, api } = await server('memory');
    const game = await createGame(app);
    const headers = { ...game.headers, 'idempotency-key': '"k-1"' };
    expect((await postConflict(app, game.gameId, headers)).statusCode).toBe(201);
    const reused = await postConflict(app, game.gameId, headers, { ...conflictBody, title: 'Another' });
    expect(reused.statusCode).toBe(422);
    expect(reused.json()).toMatchObject({ error: { code: 'idempotency_key_reused', field: 'Idempotency-Key' } });
    expect(api.games.get(game.gameId)!.conflicts).toHaveLength(1);
  });

  it('answers 409 with Retry-After while the first request with the key still runs', async () => {
    const { app, api } = await server('memory');
    const game = await createGame(app);
    api.writeDelayMs = 300;
    const headers = { ...game.headers, 'idempotency-key': 'slow' };
    const [first, second] = await Promise.all([
      postConflict(app, game.gameId, headers),
      new Promise((resolve) => setTimeout(resolve, 100)).then(() => postConflict(app, game.gameId, headers)),
    ]);
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(409);
    expect(second.headers['retry-after']).toBe('1');
    expect(api.games.get(game.gameId)!.conflicts).toHaveLength(1);
  });

  it('replays a 4xx answer too, and keeps keys of different games apart', async () => {
    const { app, api } = await server('memory');
    const a = await createGame(app);
    const b = await createGame(app);
    const resolveMissing = () =>
      app.inject({
        method: 'POST',
        url: `/api/games/${a.gameId}/conflicts/99/resolve`,
        headers: { ...a.headers, 'idempotency-key': 'same' },
        payload: { outcome: 'compromise' },
      });
    const first = await resolveMissing();
    expect(first.statusCode).toBe(404);
    const again = await resolveMissing();
    expect(again.statusCode).toBe(404);
    expect(again.body).toBe(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    // Another game's token is another scope: its key 'same' is fresh.
    expect((await postConflict(app, b.gameId, { ...b.headers, 'idempotency-key': 'same' })).statusCode).toBe(201);
    expect(api.games.get(b.gameId)!.conflicts).toHaveLength(1);
  });

  it('replays game creation, which has no token, by address', async () => {
    const { app, api } = await server('memory');
    const post = () =>
      app.inject({ method: 'POST', url: '/api/games', headers: { 'idempotency-key': 'new-game' }, payload: { scenario: 'harbour' } });
    const first = await post();
    const second = await post();
    expect(second.statusCode).toBe(201);
    expect(second.json()).toEqual(first.json());
    expect(api.games.size).toBe(1);
  });

  it('refuses a malformed key with a 400 naming the header', async () => {
    const { app } = await server('memory');
    const game = await createGame(app);
    const answer = await postConflict(app, game.gameId, { ...game.headers, 'idempotency-key': 'x'.repeat(256) });
    expect(answer.statusCode).toBe(400);
    expect(answer.json()).toMatchObject({ error: { code: 'invalid', field: 'Idempotency-Key' } });
  });
});

describeWithServices('Idempotency-Key (Redis, two servers)', ['redis'], () => {
  it('applies 50 concurrent identical POSTs with one key exactly once across two servers', async () => {
    const prefix = uniquePrefix('idem-key');
    const first = await server({ prefix });
    const second = await server({ prefix });
    const game = await createGame(first.app);
    // Both servers serve the same game, as two web processes over one store would.
    second.api.games.set(game.gameId, first.api.games.get(game.gameId)!);
    await expectExactlyOnce([first.app, second.app], first, game.gameId, game.headers);
  });
});
