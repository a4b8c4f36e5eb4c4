import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { GameApi } from '../../conflict/engine/game-state.js';
import { requireGameToken } from '../game-auth.js';
import { onHotPath } from '../hot-path-handler.js';
import {
  choiceBody,
  conflictParams,
  createConflictBody,
  createGameBody,
  feedQuery,
  gameParams,
  resolveConflictBody,
} from '../request-schemas.js';
import type { VerifiedTokens } from '../verified-tokens.js';

/** The game API: scenarios, new games, and each game's state, choices and conflicts. */
export const gameRoutes: FastifyPluginAsyncZod<{ api: GameApi; verified: VerifiedTokens }> = async (app, { api, verified }) => {
  const authorized = requireGameToken(api, verified);

  app.get('/api/scenarios', async (request) => onHotPath(request, () => api.listScenarios()));

  app.post('/api/games', { schema: { body: createGameBody } }, async (request, reply) => {
    const created = await onHotPath(request, () => api.createGame(request.body));
    // The token was minted just now: its player gets a budget of their own from the first request.
    verified.add(created.gameId, created.token);
    return reply.code(201).send(created);
  });

  // The state's version is its entity tag: a client polling an unchanged game gets 304 and no body.
  app.get('/api/games/:gameId/state', { schema: { params: gameParams }, preValidation: authorized }, async (request, reply) => {
    const synced = await onHotPath(request, () => api.syncState(request.params.gameId, request.headers['if-none-match']));
    // no-cache: a cache may keep the answer, but must ask again (with the tag) before reusing it.
    void reply.header('etag', synced.tag).header('cache-control', 'private, no-cache');
    if ('notModified' in synced) return reply.code(304).send();
    return reply.type('application/json; charset=utf-8').send(synced.body);
  });

  app.get(
    '/api/games/:gameId/feed',
    {
      schema: {
        description:
          'The whole story, newest first, a page at a time: `{ items, next }`, where `items` are feed items as in `state.content` and ' +
          '`next` is the cursor for `before` to read the page after (older), or null at the start of the story.',
        params: gameParams,
        querystring: feedQuery,
      },
      preValidation: authorized,
    },
    async (request) => onHotPath(request, () => api.readFeed(request.params.gameId, request.query)),
  );

  app.post('/api/games/:gameId/choices', { schema: { params: gameParams, body: choiceBody }, preValidation: authorized }, async (request) =>
    onHotPath(request, () => api.makeChoice(request.params.gameId, request.body.choiceId)),
  );

  app.post(
    '/api/games/:gameId/conflicts',
    { schema: { params: gameParams, body: createConflictBody }, preValidation: authorized },
    async (request, reply) => {
      const created = await onHotPath(request, () => api.createConflict(request.params.gameId, request.body));
      return reply.code(201).send(created);
    },
  );

  app.post(
    '/api/games/:gameId/conflicts/:conflictId/resolve',
    { schema: { params: conflictParams, body: resolveConflictBody }, preValidation: authorized },
    async (request) => {
      const { gameId, conflictId } = request.params;
      return onHotPath(request, () => api.resolveConflict(gameId, conflictId, request.body));
    },
  );
};
