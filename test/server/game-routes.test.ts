import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GameState } from '../../src/conflict/engine/game-state.js';
import { takeHotPathIncidents } from '../../src/runtime/hot-path/hot-path.js';
import { BUGGY_SCENARIO, MODEL_CALL_SCENARIO, SCENARIOS } from './fake-game-api.js';
import { buildTestServer, createGame, type TestServer } from './test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await buildTestServer({ bodyLimitBytes: 1024 });
});
afterAll(async () => server.app.close());

const inject = (options: InjectOptions) => server.app.inject(options);

function expectError(response: { statusCode: number; json: () => unknown }, status: number, code: string, field?: string) {
  expect(response.statusCode).toBe(status);
  const body = response.json() as { error: { code: string; message: string; field?: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message).toEqual(expect.any(String));
  expect(JSON.stringify(body)).not.toMatch(/\bat .+\.(ts|js):\d+/); // no stack trace
  if (field !== undefined) expect(body.error.field).toBe(field);
}

describe('game routes', () => {
  it('lists the scenarios', async () => {
    const response = await inject({ method: 'GET', url: '/api/scenarios' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(SCENARIOS);
  });

  it('creates a game and answers 201 with its id, token and state', async () => {
    const response = await inject({ method: 'POST', url: '/api/games', payload: { scenario: 'court', seed: 7 } });
    expect(response.statusCode).toBe(201);
    const body = response.json() as { gameId: string; token: string; state: GameState };
    expect(body.gameId).toEqual(expect.any(String));
    expect(body.token).toEqual(expect.any(String));
    expect(body.state.scenario.id).toBe('court');
  });

  it('reads the state with the game token', async () => {
    const game = await createGame(server.app);
    const response = await inject({ method: 'GET', url: `/api/games/${game.gameId}/state`, headers: game.headers });
    expect(response.statusCode).toBe(200);
    expect((response.json() as GameState).gameId).toBe(game.gameId);
  });

  it('tags the state with its version and answers 304 with no body while the game is unchanged', async () => {
    const game = await createGame(server.app);
    const url = `/api/games/${game.gameId}/state`;
    const first = await inject({ method: 'GET', url, headers: game.headers });
    expect(first.statusCode).toBe(200);
    expect(first.headers['cache-control']).toBe('private, no-cache');
    const tag = first.headers.etag as string;
    expect(tag).toBe(`W/"${(first.json() as GameState).version}"`);

    const unchanged = await inject({ method: 'GET', url, headers: { ...game.headers, 'if-none-match': tag } });
    expect(unchanged.statusCode).toBe(304);
    expect(unchanged.body).toBe('');
    expect(unchanged.headers.etag).toBe(tag);

    await inject({ method: 'POST', url: `/api/games/${game.gameId}/choices`, headers: game.headers, payload: { choiceId: 'v1-talk' } });
    const moved = await inject({ method: 'GET', url, headers: { ...game.headers, 'if-none-match': tag } });
    expect(moved.statusCode).toBe(200);
    expect(moved.headers.etag).not.toBe(tag);
    expect((moved.json() as GameState).version).toBe(2);
  });

  it('applies a choice, then answers 409 when the same choice is replayed and 400 for an unknown one', async () => {
    const game = await createGame(server.app);
    const url = `/api/games/${game.gameId}/choices`;
    const first = await inject({ method: 'POST', url, headers: game.headers, payload: { choiceId: 'v1-talk' } });
    expect(first.statusCode).toBe(200);
    const body = first.json() as { outcome: { choiceId: string }; state: GameState };
    expect(body.outcome.choiceId).toBe('v1-talk');
    expect(body.state.version).toBe(2);

    expectError(await inject({ method: 'POST', url, headers: game.headers, payload: { choiceId: 'v1-talk' } }), 409, 'stale', 'choiceId');
    expectError(await inject({ method: 'POST', url, headers: game.headers, payload: { choiceId: 'dance' } }), 400, 'invalid', 'choiceId');
  });

  it('reads the story back a page at a time, and names the query field it refuses', async () => {
    const game = await createGame(server.app);
    for (let version = 1; version <= 3; version++) {
      await inject({
        method: 'POST',
        url: `/api/games/${game.gameId}/choices`,
        headers: game.headers,
        payload: { choiceId: `v${version}-talk` },
      });
    }
    const url = `/api/games/${game.gameId}/feed`;
    const first = await inject({ method: 'GET', url: `${url}?limit=2`, headers: game.headers });
    expect(first.statusCode).toBe(200);
    const page = first.json() as { items: Array<{ id: string }>; next: string | null };
    expect(page.items.map((item) => item.id)).toEqual(['reaction-4', 'reaction-3']);
    const second = await inject({ method: 'GET', url: `${url}?limit=2&before=${page.next}`, headers: game.headers });
    expect(second.json()).toMatchObject({ items: [{ id: 'reaction-2' }], next: null });

    expectError(await inject({ method: 'GET', url: `${url}?limit=0`, headers: game.headers }), 400, 'invalid', 'limit');
    expectError(await inject({ method: 'GET', url: `${url}?limit=many`, headers: game.headers }), 400, 'invalid', 'limit');
    expectError(await inject({ method: 'GET', url: `${url}?before=not%20a%20cursor`, headers: game.headers }), 400, 'invalid', 'before');
    expectError(await inject({ method: 'GET', url: `${url}?page=2`, headers: game.headers }), 400, 'invalid', 'page');
    expectError(await inject({ method: 'GET', url }), 401, 'unauthorized');
  });

  it('starts a conflict (201) and resolves it (200), then 409 on a second resolve and 404 for an unknown one', async () => {
    const game = await createGame(server.app);
    const created = await inject({
      method: 'POST',
      url: `/api/games/${game.gameId}/conflicts`,
      headers: game.headers,
      payload: { type: 'feud', npcIds: [1, 2], title: 'Nets' },
    });
    expect(created.statusCode).toBe(201);
    const { conflict } = created.json() as { conflict: { id: number; title: string } };
    expect(conflict.title).toBe('Nets');

    const resolve = (conflictId: number | string) =>
      inject({
        method: 'POST',
        url: `/api/games/${game.gameId}/conflicts/${conflictId}/resolve`,
        headers: game.headers,
        payload: { outcome: 'They share the nets', winnerNpcIds: [1] },
      });
    const resolved = await resolve(conflict.id);
    expect(resolved.statusCode).toBe(200);
    expect((resolved.json() as { state: GameState }).state.conflicts[0]!.status).toBe('resolved');
    expectError(await resolve(conflict.id), 409, 'stale');
    expectError(await resolve(99), 404, 'not_found');
    expectError(await resolve('abc'), 400, 'invalid', 'conflictId');
  });

  it('takes the start screen’s text seed, numeric or not, and refuses seeds beyond the integer range', async () => {
    for (const seed of ['42', 'dragon', 2_147_483_647]) {
      const response = await inject({ method: 'POST', url: '/api/games', payload: { scenario: 'harbour', seed } });
      expect(response.statusCode, String(seed)).toBe(201);
    }
    for (const seed of [2_147_483_648, -1, 1.5, '', 'x'.repeat(65)]) {
      expectError(await inject({ method: 'POST', url: '/api/games', payload: { scenario: 'harbour', seed } }), 400, 'invalid', 'seed');
    }
  });

  it('reads the web form’s string npc ids as integers', async () => {
    const game = await createGame(server.app);
    const response = await inject({
      method: 'POST',
      url: `/api/games/${game.gameId}/conflicts`,
      headers: game.headers,
      payload: { type: 'feud', npcIds: ['1', '3'] },
    });
    expect(response.statusCode).toBe(201);
  });

  it('answers 500 with a generic message when the engine has a bug', async () => {
    const response = await inject({ method: 'POST', url: '/api/games', payload: { scenario: BUGGY_SCENARIO } });
    expectError(response, 500, 'internal');
    expect(response.body).not.toContain('secret internals');
  });

  it('answers 500 hot_path_violation, naming the operation, when a route calls a model', async () => {
    const response = await inject({ method: 'POST', url: '/api/games', payload: { scenario: MODEL_CALL_SCENARIO } });
    expectError(response, 500, 'hot_path_violation');
    expect((response.json() as { error: { message: string } }).error.message).toContain('"http.POST /api/games"');
    expect(takeHotPathIncidents()).toHaveLength(1);
  });
});

describe('authorisation', () => {
  it('answers 401 without a token, 403 with another game’s token, 404 for an unknown game', async () => {
    const a = await createGame(server.app);
    const b = await createGame(server.app);
    expectError(await inject({ method: 'GET', url: `/api/games/${a.gameId}/state` }), 401, 'unauthorized');
    expectError(
      await inject({ method: 'GET', url: `/api/games/${a.gameId}/state`, headers: { authorization: 'Basic abc' } }),
      401,
      'unauthorized',
    );
    expectError(await inject({ method: 'GET', url: `/api/games/${a.gameId}/state`, headers: b.headers }), 403, 'forbidden');
    expectError(await inject({ method: 'GET', url: '/api/games/no-such-game/state', headers: a.headers }), 404, 'not_found');
  });

  it('keeps games apart: a token acts on its own game only', async () => {
    const a = await createGame(server.app);
    const b = await createGame(server.app);
    const chooseInB = await inject({
      method: 'POST',
      url: `/api/games/${b.gameId}/choices`,
      headers: a.headers,
      payload: { choiceId: 'v1-talk' },
    });
    expectError(chooseInB, 403, 'forbidden');
    expect(server.api.games.get(b.gameId)!.version).toBe(1);

    const chooseInA = await inject({
      method: 'POST',
      url: `/api/games/${a.gameId}/choices`,
      headers: a.headers,
      payload: { choiceId: 'v1-wait' },
    });
    expect(chooseInA.statusCode).toBe(200);
    expect(server.api.games.get(a.gameId)!.version).toBe(2);
    expect(server.api.games.get(b.gameId)!.version).toBe(1);
  });

  it('checks the token before it reads the body', async () => {
    const a = await createGame(server.app);
    const response = await inject({ method: 'POST', url: `/api/games/${a.gameId}/choices`, payload: { nonsense: true } });
    expectError(response, 401, 'unauthorized');
  });
});

describe('bad input', () => {
  it('rejects an unknown body field with a 400 that names it', async () => {
    expectError(
      await inject({ method: 'POST', url: '/api/games', payload: { scenario: 'harbour', cheat: true } }),
      400,
      'invalid',
      'cheat',
    );
  });

  it('names the field of a nested validation error', async () => {
    const game = await createGame(server.app);
    const url = `/api/games/${game.gameId}/conflicts`;
    expectError(
      await inject({ method: 'POST', url, headers: game.headers, payload: { type: 'feud', npcIds: [1] } }),
      400,
      'invalid',
      'npcIds',
    );
    expectError(
      await inject({ method: 'POST', url, headers: game.headers, payload: { type: 'feud', npcIds: [1, 2.5] } }),
      400,
      'invalid',
      'npcIds.1',
    );
    expectError(await inject({ method: 'POST', url, headers: game.headers, payload: { npcIds: [1, 2] } }), 400, 'invalid', 'type');
  });

  it('answers 400 for malformed JSON, an empty JSON body and a missing body', async () => {
    const json = { 'content-type': 'application/json' };
    expectError(await inject({ method: 'POST', url: '/api/games', headers: json, payload: '{"scenario": ' }), 400, 'invalid');
    expectError(await inject({ method: 'POST', url: '/api/games', headers: json, payload: '' }), 400, 'invalid');
    expectError(await inject({ method: 'POST', url: '/api/games' }), 400, 'invalid', 'body');
    expectError(await inject({ method: 'POST', url: '/api/games', headers: json, payload: '{"__proto__": {"x": 1}}' }), 400, 'invalid');
  });

  it('answers 413 for a body over the limit', async () => {
    const response = await inject({ method: 'POST', url: '/api/games', payload: { scenario: 'x'.repeat(2048) } });
    expectError(response, 413, 'payload_too_large');
  });

  it('answers 415 for a body that is not JSON', async () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded']) {
      const response = await inject({
        method: 'POST',
        url: '/api/games',
        headers: { 'content-type': contentType },
        payload: 'scenario=harbour',
      });
      expectError(response, 415, 'unsupported_media_type');
    }
  });

  it('answers 404 in the error format for unknown routes and methods', async () => {
    expectError(await inject({ method: 'GET', url: '/api/nothing-here' }), 404, 'not_found');
    expectError(await inject({ method: 'DELETE', url: '/api/scenarios' }), 404, 'not_found');
  });
});

describe('static UI', () => {
  it('serves the pages and their assets with the right content types', async () => {
    const expectations: [string, string, string][] = [
      ['/', 'text/html', 'app.js'],
      ['/ops', 'text/html', 'ops.js'],
      ['/app.js', 'text/javascript', 'connectEvents'],
      ['/public/app.js', 'text/javascript', 'connectEvents'],
      ['/api.js', 'text/javascript', 'export'],
      ['/style.css', 'text/css', '{'],
      ['/favicon.svg', 'image/svg+xml', '<svg'],
    ];
    for (const [url, type, excerpt] of expectations) {
      const response = await inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type'], url).toContain(type);
      expect(response.body, url).toContain(excerpt);
    }
  });

  it('never serves anything outside the public folder', async () => {
    for (const url of [
      '/../package.json',
      '/public/../../package.json',
      '/public/%2e%2e/%2e%2e/package.json',
      '/%2e%2e%2fpackage.json',
      '/public/',
    ]) {
      const response = await inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(404);
      expect(response.body, url).not.toContain('"dependencies"');
    }
  });
});
