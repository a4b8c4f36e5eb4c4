import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAPI_URL } from '../../src/server/openapi.js';
import { buildTestServer } from './test-server.js';

interface OpenApiDocument {
  openapi: string;
  info: { version: string };
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: Array<{ name: string; in: string; required: boolean }>;
        requestBody?: { content: Record<string, { schema: { required?: string[]; additionalProperties?: boolean } }> };
      }
    >
  >;
}

/** `METHOD /path` for every route fastify serves, read back from its route tree (HEAD is implied by GET). */
function servedRoutes(app: FastifyInstance): Set<string> {
  const routes = new Set<string>();
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│├└─\s]*)(\S+) \(([A-Z, ]+)\)$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    stack[depth] = match[2]!;
    const path = stack.join('').replace(/\/{2,}/g, '/');
    for (const method of match[3]!.split(', ')) if (method !== 'HEAD') routes.add(`${method} ${path}`);
  }
  return routes;
}

/** The web UI's pages and files: served, but not part of the HTTP contract. */
const isWebUi = (route: string) => /^GET (\/|\/ops|\/\S+\.\w+)$/.test(route) && !route.startsWith('GET /api/');

let app: FastifyInstance;
let doc: OpenApiDocument;
beforeAll(async () => {
  ({ app } = await buildTestServer());
  const response = await app.inject({ method: 'GET', url: OPENAPI_URL });
  expect(response.statusCode).toBe(200);
  doc = response.json() as OpenApiDocument;
});
afterAll(async () => app.close());

describe(`GET ${OPENAPI_URL}`, () => {
  it('documents exactly the routes the server answers, with the package version', async () => {
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
      ),
    );
    const contract = [...servedRoutes(app)].filter((route) => !isWebUi(route) && route !== `GET ${OPENAPI_URL}`);
    expect(contract.length).toBeGreaterThan(8);
    expect([...documented].sort()).toEqual(contract.sort());
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(doc.info.version).toBe(version);
    expect(doc.openapi).toBe('3.1.0');
  });

  it('describes bodies and parameters from the zod schemas that validate them', () => {
    const createGame = doc.paths['/api/games']!['post']!.requestBody!.content['application/json']!.schema;
    expect(createGame.required).toEqual(['scenario']);
    expect(createGame.additionalProperties).toBe(false);
    const resolve = doc.paths['/api/games/{gameId}/conflicts/{conflictId}/resolve']!['post']!;
    expect(
      resolve.parameters
        ?.filter((p) => p.in === 'path')
        .map((p) => p.name)
        .sort(),
    ).toEqual(['conflictId', 'gameId']);
    expect(resolve.requestBody!.content['application/json']!.schema.required).toEqual(['outcome']);
  });

  it('matches the checked-in contract, docs/openapi.json (update it with `npx vitest run test/server/openapi.test.ts -u`)', async () => {
    await expect(`${JSON.stringify(doc, null, 2)}\n`).toMatchFileSnapshot('../../docs/openapi.json');
  });
});
