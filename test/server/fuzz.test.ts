import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildTestServer, createGame, type TestServer } from './test-server.js';

let server: TestServer;
let routes: { url: string; headers: Record<string, string> }[];

beforeAll(async () => {
  server = await buildTestServer();
  const game = await createGame(server.app);
  const conflict = await server.app.inject({
    method: 'POST',
    url: `/api/games/${game.gameId}/conflicts`,
    headers: game.headers,
    payload: { type: 'feud', npcIds: [1, 2] },
  });
  const { conflict: created } = conflict.json() as { conflict: { id: number } };
  routes = [
    { url: '/api/games', headers: {} },
    { url: `/api/games/${game.gameId}/choices`, headers: game.headers },
    { url: `/api/games/${game.gameId}/conflicts`, headers: game.headers },
    { url: `/api/games/${game.gameId}/conflicts/${created.id}/resolve`, headers: game.headers },
  ];
});
afterAll(async () => server.app.close());

const hugeNumber = fc.oneof(
  fc.double(),
  fc.constantFrom(Number.MAX_VALUE, -Number.MAX_VALUE, Number.MAX_SAFE_INTEGER + 2, 1e308, -0, 2 ** 31, 2 ** 53),
  fc.bigInt().map((n) => n.toString()),
);
const anyValue = fc.oneof(fc.jsonValue(), hugeNumber, fc.string({ unit: 'binary' }));
const fieldName = fc.constantFrom(
  'scenario',
  'seed',
  'choiceId',
  'type',
  'npcIds',
  'title',
  'outcome',
  'winnerNpcIds',
  '__proto__',
  'constructor',
);
const nestedArrays = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, anyValue, fc.array(tie('node'), { maxLength: 4 })),
})).node;

/** Random JSON values, objects with random and with meaningful keys, nested arrays, raw text. */
const body = fc.oneof(
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.dictionary(fc.string(), anyValue).map((value) => JSON.stringify(value)),
  fc
    .dictionary(fieldName, fc.oneof(anyValue, nestedArrays, fc.array(fc.oneof(fc.integer(), fc.string()))))
    .map((value) => JSON.stringify(value)),
  nestedArrays.map((value) => JSON.stringify(value)),
  fc.string({ unit: 'binary', maxLength: 200 }),
);

it('never answers 5xx to 10,000 random bodies, and every 4xx has the error shape', async () => {
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: 3 }), body, async (routeIndex, payload) => {
      const route = routes[routeIndex]!;
      const response = await server.app.inject({
        method: 'POST',
        url: route.url,
        headers: { ...route.headers, 'content-type': 'application/json' },
        payload,
      });
      expect(response.statusCode).toBeLessThan(500);
      if (response.statusCode >= 400) {
        const error = (response.json() as { error: { code: unknown; message: unknown; field?: unknown } }).error;
        expect(typeof error.code).toBe('string');
        expect(typeof error.message).toBe('string');
        if (error.field !== undefined) expect(typeof error.field).toBe('string');
      }
    }),
    { numRuns: 10_000 },
  );
}, 240_000);
