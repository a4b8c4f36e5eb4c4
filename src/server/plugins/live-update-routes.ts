import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { GameApi } from '../../conflict/engine/game-state.js';
import { requireGameToken } from '../game-auth.js';
import type { GameEventStreams } from '../game-event-streams.js';
import { HttpError } from '../http-errors.js';
import { onHotPath } from '../hot-path-handler.js';
import { eventsQuery, gameParams } from '../request-schemas.js';

/**
 * `GET /api/games/:gameId/events`: the game's live updates as Server-Sent Events.
 *
 * Written on the raw response rather than through @fastify/sse: the stream needs a hard cap on a
 * slow client's buffered output (the plugin waits for 'drain' without bound), replay from our own
 * game event log (any web process resumes any stream), and to be ended from the server's preClose so
 * `close()` never waits on it.
 */
export const liveUpdateRoutes: FastifyPluginAsyncZod<{ api: GameApi; streams: GameEventStreams }> = async (
  app,
  { api, streams },
) => {
  app.addHook('preClose', async () => streams.close());

  app.get(
    '/api/games/:gameId/events',
    {
      schema: { params: gameParams, querystring: eventsQuery },
      preValidation: requireGameToken(api, { allowQueryToken: true }),
      config: { rateLimit: false },
    },
    async (request, reply) =>
      onHotPath(request, async () => {
        if (streams.isClosed) throw new HttpError(503, 'shutting_down', 'The server is shutting down; reconnect shortly.');
        const lastEventId = request.headers['last-event-id'];
        reply.hijack();
        streams.open(request.params.gameId, reply.raw, typeof lastEventId === 'string' ? lastEventId : undefined);
      }),
  );
};
