import type { FastifyRequest, preValidationAsyncHookHandler } from 'fastify';
import type { GameApi } from '../conflict/engine/game-state.js';
import { hotPath } from '../runtime/hot-path/hot-path.js';
import { HttpError } from './http-errors.js';
import type { VerifiedTokens } from './verified-tokens.js';

export function bearerToken(request: FastifyRequest): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return match?.[1];
}

function queryToken(request: FastifyRequest): string | undefined {
  const token = (request.query as { token?: unknown } | undefined)?.token;
  return typeof token === 'string' && token !== '' ? token : undefined;
}

/** The game token a request presents: the Bearer header, else (where allowed) `?token=`. */
export function presentedToken(request: FastifyRequest, options: { allowQueryToken?: boolean } = {}): string | undefined {
  return bearerToken(request) ?? (options.allowQueryToken ? queryToken(request) : undefined);
}

/**
 * A game's routes answer only to that game's token. Runs before validation, after the rate limiter,
 * so guessing tokens costs rate-limit budget and an unauthorised caller learns nothing from a 400.
 * A token that opens its game is recorded in `verified`: from then on it has its own rate budget.
 */
export function requireGameToken(
  api: GameApi,
  verified: VerifiedTokens,
  options: { allowQueryToken?: boolean } = {},
): preValidationAsyncHookHandler {
  return async (request) => {
    const token = presentedToken(request, options);
    if (token === undefined) {
      throw new HttpError(401, 'unauthorized', 'Send the game token as "Authorization: Bearer <token>".');
    }
    const { gameId } = request.params as { gameId: string };
    const verdict = await hotPath('http.authorize', () => api.authorize(gameId, token));
    if (verdict === 'unknown_game') throw new HttpError(404, 'not_found', `Game ${gameId} not found`);
    if (verdict === 'forbidden') throw new HttpError(403, 'forbidden', 'This token does not open that game.');
    verified.add(gameId, token);
  };
}
