import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { describeWithServices, redisUrl } from '../support/services.js';
import { buildTestServer, createGame } from './test-server.js';

const LIMIT = 5;
const apps: FastifyInstance[] = [];

async function limitedServer(redis?: string) {
  const server = await buildTestServer({ rateLimitPerMinute: LIMIT, ...(redis ? { redisUrl: redis } : {}) });
  apps.push(server.app);
  return server;
}

afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

/** Spends a game's budget on state reads; the game was created by IP, which has its own budget. */
async function exhaust(app: FastifyInstance, gameId: string, headers: Record<string, string>) {
  const statuses: number[] = [];
  for (let i = 0; i <= LIMIT; i++) {
    statuses.push((await app.inject({ method: 'GET', url: `/api/games/${gameId}/state`, headers })).statusCode);
  }
  return statuses;
}

function expectRateLimited(response: { statusCode: number; headers: Record<string, unknown>; json: () => unknown }) {
  expect(response.statusCode).toBe(429);
  expect(response.headers['retry-after']).toBeDefined();
  expect(response.json()).toMatchObject({ error: { code: 'rate_limited', message: expect.stringContaining(`${LIMIT}`) } });
}

describe('rate limit (in memory)', () => {
  it('answers 429 in the error format once a token passes its limit, without touching other tokens', async () => {
    const { app } = await limitedServer();
    const a = await createGame(app);
    const b = await createGame(app);
    expect(await exhaust(app, a.gameId, a.headers)).toEqual([...Array(LIMIT).fill(200), 429]);
    expectRateLimited(await app.inject({ method: 'GET', url: `/api/games/${a.gameId}/state`, headers: a.headers }));
    expect((await app.inject({ method: 'GET', url: `/api/games/${b.gameId}/state`, headers: b.headers })).statusCode).toBe(200);
  });

  it('limits callers without a token by address', async () => {
    const { app } = await limitedServer();
    const statuses = [];
    for (let i = 0; i <= LIMIT; i++) statuses.push((await app.inject({ method: 'GET', url: '/api/scenarios' })).statusCode);
    expect(statuses).toEqual([...Array(LIMIT).fill(200), 429]);
    expectRateLimited(await app.inject({ method: 'GET', url: '/api/scenarios' }));
  });

  it('limits made-up tokens by address: a fresh token does not buy a fresh budget', async () => {
    const { app } = await limitedServer();
    const game = await createGame(app); // one request of the address's budget
    const statuses = [];
    for (let i = 0; i < LIMIT + 5; i++) {
      const guess = { authorization: `Bearer guess-${i}` };
      statuses.push((await app.inject({ method: 'GET', url: `/api/games/${game.gameId}/state`, headers: guess })).statusCode);
    }
    expect(statuses).toEqual([...Array(LIMIT - 1).fill(403), ...Array(6).fill(429)]);
    // The player's token, issued by this server, keeps its own budget.
    expect((await app.inject({ method: 'GET', url: `/api/games/${game.gameId}/state`, headers: game.headers })).statusCode).toBe(200);
  });

  it('gives a token its own budget once it has opened its game', async () => {
    const first = await limitedServer();
    const second = await limitedServer();
    const game = await createGame(first.app);
    second.api.games.set(game.gameId, first.api.games.get(game.gameId)!);
    // On a server that did not issue it, the token's first request is counted by address.
    const statuses = [];
    for (let i = 0; i <= LIMIT; i++) {
      statuses.push((await second.app.inject({ method: 'GET', url: `/api/games/${game.gameId}/state`, headers: game.headers })).statusCode);
    }
    expect(statuses).toEqual(Array(LIMIT + 1).fill(200));
    expect((await second.app.inject({ method: 'GET', url: '/api/scenarios' })).statusCode).toBe(200);
  });

  it('never limits probes, metrics, live updates or the UI files', async () => {
    const { app } = await limitedServer();
    for (let i = 0; i < LIMIT * 3; i++) {
      for (const url of ['/healthz', '/readyz', '/metrics', '/', '/app.js']) {
        expect((await app.inject({ method: 'GET', url })).statusCode, url).toBe(200);
      }
    }
  });
});

describeWithServices('rate limit (Redis)', ['redis'], () => {
  it('keeps the count in Redis, shared by two servers', async () => {
    const first = await limitedServer(redisUrl);
    const second = await limitedServer(redisUrl);
    // Both servers serve the same engine, as two web processes would.
    const game = await createGame(first.app);
    second.api.games.set(game.gameId, first.api.games.get(game.gameId)!);
    const url = `/api/games/${game.gameId}/state`;
    // The second server has not seen the token open its game yet: this first request counts by address.
    expect((await second.app.inject({ method: 'GET', url, headers: game.headers })).statusCode).toBe(200);
    const statuses = [];
    for (let i = 0; i <= LIMIT; i++) {
      const app = i % 2 === 0 ? first.app : second.app;
      statuses.push((await app.inject({ method: 'GET', url, headers: game.headers })).statusCode);
    }
    expect(statuses).toEqual([...Array(LIMIT).fill(200), 429]);
  });

  it('lets requests through when Redis is unreachable', async () => {
    const { app } = await limitedServer('redis://127.0.0.1:1');
    const game = await createGame(app);
    const response = await app.inject({ method: 'GET', url: `/api/games/${game.gameId}/state`, headers: game.headers });
    expect(response.statusCode).toBe(200);
  });
});
