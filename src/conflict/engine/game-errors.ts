/**
 * Errors the game API raises for bad requests. Each carries the HTTP-ish code the server maps it
 * to and, for validation problems, the field at fault. Anything else is a bug (a 500).
 */
export type GameErrorCode = 'invalid' | 'not_found' | 'stale' | 'forbidden' | 'contended';

export class GameError extends Error {
  constructor(
    readonly code: GameErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'GameError';
  }
}

export const invalid = (field: string, message: string) => new GameError('invalid', message, field);
export const notFound = (what: string) => new GameError('not_found', `${what} not found`);
export const stale = (field: string, message: string) => new GameError('stale', message, field);
/** Other writers kept saving the game while this request ran: nothing was applied; send it again. */
export const contended = () =>
  new GameError('contended', 'the game kept changing while this request ran; nothing was applied, send it again');
