import { readFileSync } from 'node:fs';
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

/** The package version is the API version: the HTTP contract follows semantic versioning with it. */
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** Where the contract is served. */
export const OPENAPI_URL = '/api/openapi.json';

/**
 * Describes every route registered after it as OpenAPI 3, its parameters and bodies converted
 * from the same zod schemas that validate them, and serves the document at OPENAPI_URL. Routes
 * that are not part of the contract (the web UI's files) opt out with `schema: { hide: true }`.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Nyx game API',
        version,
        description:
          'Every route under /api/games/{gameId} takes the game token returned by POST /api/games as `Authorization: Bearer <token>`. ' +
          'Errors answer `{ error: { code, message, field? } }`; bad input is a 400 naming the field.',
      },
    },
    transform: jsonSchemaTransform,
  });
  app.get(OPENAPI_URL, { schema: { hide: true }, config: { rateLimit: false } }, async () => app.swagger());
}
