import type { TaskName, TaskPayload } from '../tasks/contracts.js';
import type { ContentSubject } from './content-feed.js';
import type { ContentKind } from './game-state.js';
import type { HandlerContext } from './handler-context.js';

/**
 * Query-then-dispatch for player-visible content: open a feed item with its rule fallback, dispatch
 * the task that will write it, and settle the item at once if that cannot happen — failed (fallback
 * for good) when the dispatch is rejected or skipped in degraded mode, discarded when an identical
 * job is already writing the same content.
 */
export async function dispatchContent<N extends TaskName>(
  ctx: HandlerContext,
  item: { kind: ContentKind; fallbackText: string; subject?: ContentSubject },
  task: N,
  payload: Omit<TaskPayload<N>, 'gameId' | 'stateVersion' | 'contentId'>,
  options: { priority?: number } = {},
): Promise<boolean> {
  const gameId = ctx.snapshot.game.id;
  if (ctx.dispatcher.skips(task)) {
    // Known before dispatching: one statement for the settled fallback, not an open then a fail.
    await ctx.feed.addFallback(gameId, { ...item, stateVersion: ctx.snapshot.version });
    ctx.snapshot.markChanged();
    return false;
  }
  const opened = await ctx.feed.open(gameId, { ...item, stateVersion: ctx.snapshot.version });
  ctx.snapshot.markChanged();
  const result = await ctx.dispatcher.dispatch(
    task,
    { ...payload, gameId, stateVersion: ctx.snapshot.version, contentId: opened.id } as TaskPayload<N>,
    ctx.scope,
    options,
  );
  if (result.status === 'accepted') return true;
  if (result.status === 'deduplicated') {
    await ctx.feed.discard(opened.id);
    return true;
  }
  await ctx.feed.fail(opened.id);
  return false;
}
