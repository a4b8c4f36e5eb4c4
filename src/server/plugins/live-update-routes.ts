import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { GameApi } from '../../conflict/engine/game-state.js';
import { presentedToken, requireGameToken } from '../game-auth.js';
import type { GameEventStreams } from '../game-event-streams.js';
import { HttpError } from '../http-errors.js';
import { onHotPath } from '../hot-path-handler.js';
import type { OpenStreamLimits } from '../open-stream-limits.js';
import { eventsQuery, gameParams } from '../request-schemas.js';
import type { VerifiedTokens } from '../verified-tokens.js';

/**
 * `GET /api/games/:gameId/events`: the game's live updates as Server-Sent Events.
 *
 * Written on the raw response rather than through @fastify/sse: the stream needs a hard cap on a
 * slow client's buffered output (the plugin waits for 'drain' without bound), replay from our own
 * game event log (any web process resumes any stream), and to be ended from the server's preClose so
 * `close()` never waits on it.
 */
/** A capped caller retries after this long; by then a stream it dropped has been counted out. */
const STREAM_CAP_RETRY_AFTER_S = 10;

export const liveUpdateRoutes: FastifyPluginAsyncZod<{
  api: GameApi;
  verified: VerifiedTokens;
  streams: GameEventStreams;
  limits: OpenStreamLimits;
}> = async (app, { api, verified, streams, limits }) => {
  app.addHook('preClose', async () => streams.close());

  app.get(
    '/api/games/:gameId/events',
    {
      schema: { params: gameParams, querystring: eventsQuery },
      preValidation: requireGameToken(api, verified, { allowQueryToken: true }),
      config: { rateLimit: false },
    },
    async (request, reply) =>
      onHotPath(request, async () => {
        if (streams.isClosed) {
          reply.header('retry-after', '1');
          throw new HttpError(503, 'shutting_down', 'The server is shutting down; reconnect shortly.');
        }
        // requireGameToken has run: the token is present and opens this game.
        const release = limits.admit(presentedToken(request, { allowQueryToken: true })!, request.ip);
        if (release === undefined) {
          reply.header('retry-after', String(STREAM_CAP_RETRY_AFTER_S));
          throw new HttpError(
            429,
            'too_many_streams',
            'Too many live-update streams open for this game token or address; close one first.',
          );
        }
        reply.raw.once('close', release);
        const lastEventId = request.headers['last-event-id'];
        reply.hijack();
        streams.open(request.params.gameId, reply.raw, typeof lastEventId === 'string' ? lastEventId : undefined);
      }),
  );
};
