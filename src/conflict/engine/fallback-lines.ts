import type { ContentKind } from './game-state.js';
import type { HandlerContext } from './handler-context.js';

/**
 * One of several phrasings of a rule line, for content the model has not written yet (or will not:
 * refused under load), or that the rules write themselves. One choice can move three reputations
 * or start three rumours at once, and a player who reads the same sentence three times in a row
 * reads a template: each game takes the phrasings of a kind in turn, so `n` phrasings never show
 * one twice in `n` lines of that kind.
 */
export function fallbackLine(ctx: HandlerContext, kind: ContentKind, phrasings: readonly string[]): string {
  return phrasings[ctx.snapshot.takeRuleLine(kind) % phrasings.length]!;
}
