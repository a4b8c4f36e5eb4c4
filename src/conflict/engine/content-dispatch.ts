import { metrics } from '../../observability/metrics.js';
import type { AnyTaskContract, PayloadOf } from '../tasks/task-contract.js';
import { contentRow, type ContentSubject } from './content-feed.js';
import type { ContentKind } from './game-state.js';
import type { HandlerContext } from './handler-context.js';

/**
 * Query-then-dispatch for player-visible content: open a feed item with its rule fallback and ask
 * for the task that will write it, both with the request — the item is inserted when the request
 * commits and the job is sent only after that. A task the slow path will not take now (over its
 * capacity for this value, a failing model) leaves the fallback settled at once, never a spinner
 * nothing will fill; the item keeps its task, so the slow path can still write it once it has room
 * (`ShedRecovery`). Returns whether a job was asked for.
 */
export function dispatchContent<C extends AnyTaskContract>(
  ctx: HandlerContext,
  item: { kind: ContentKind; fallbackText: string; subject?: ContentSubject },
  task: C,
  payload: Omit<PayloadOf<C>, 'gameId' | 'stateVersion' | 'contentId'>,
  options: { priority?: number } = {},
): boolean {
  const gameId = ctx.snapshot.game.id;
  const stateVersion = ctx.snapshot.version;
  const fallback = { origin: 'fallback', text: null, fallbackText: item.fallbackText } as const;
  const refused = ctx.scope.admit(task);
  const opened = contentRow(gameId, { ...item, stateVersion }, { status: refused ? 'failed' : 'generating', ...fallback });
  // The caller's fields plus the three this function owns: the contract's payload, whole.
  const fullPayload = { ...payload, gameId, stateVersion, contentId: opened.id } as PayloadOf<C>;
  // A game that spent its budget will not be written later either: its items keep no task.
  const keepsTask = refused !== 'budget_spent';
  ctx.snapshot.addContent(keepsTask ? { ...opened, task: { name: task.name, payload: fullPayload } } : opened);
  if (refused === 'shed') metrics.feedItemsShed.inc({ kind: item.kind });
  if (refused) return false;
  ctx.scope.sendOnCommit(task, fullPayload, options, opened.id);
  return true;
}

/** Content the hot path already has in hand (a claimed move, a rule's line), ready at once. */
export function addReadyContent(
  ctx: HandlerContext,
  item: { kind: ContentKind; text: string; subject?: ContentSubject; origin?: 'generated' | 'fallback' },
): void {
  ctx.snapshot.addContent(
    contentRow(
      ctx.snapshot.game.id,
      { kind: item.kind, stateVersion: ctx.snapshot.version, ...(item.subject ? { subject: item.subject } : {}) },
      { status: 'ready', origin: item.origin ?? 'generated', text: item.text, fallbackText: item.text },
    ),
  );
}
