import { TURN_MAX_REACTORS } from '../../story/vocabulary.js';
import type { PendingDispatch } from '../engine/task-dispatcher.js';
import { flowTasks } from '../flow/contracts.js';
import { stakeholderTasks } from '../stakeholders/contracts.js';
import type { ParsedPayloadOf } from '../tasks/task-contract.js';
import { turnTasks } from './contracts.js';

type ReactionPayload = ParsedPayloadOf<typeof stakeholderTasks.generateReaction>;

/** Whether a pending task writes narration of `conflictId` of the kind `contract` asks for. */
function narrates(pending: PendingDispatch, contract: { name: string }, conflictId: number): boolean {
  return pending.contract.name === contract.name && (pending.payload as { conflictId?: number }).conflictId === conflictId;
}

/**
 * One model call per player turn: the reactions a choice asked for (up to TURN_MAX_REACTORS) and,
 * when the same choice moved its conflict into a new phase or set off a beat, that narration, are
 * sent as one `turn.write_turn` job instead of one job each. Each was admitted on its own value, so
 * what the slow path refused stays refused; the joined job gives the others' room in the queue back.
 * A turn with a single piece is sent as it was asked.
 */
export function oneCallPerTurn(pending: readonly PendingDispatch[]): PendingDispatch[] {
  const reactions = pending.filter((p) => p.contract.name === stakeholderTasks.generateReaction.name);
  const first = reactions[0]?.payload as ReactionPayload | undefined;
  const conflictId = first?.choice.conflictId;
  if (!first || conflictId === undefined) return [...pending];
  const joined = [
    ...reactions.filter((p) => (p.payload as ReactionPayload).eventId === first.eventId).slice(0, TURN_MAX_REACTORS),
    ...[flowTasks.narratePhaseTransition, flowTasks.describeBeat].flatMap((contract) => {
      const narration = pending.find((p) => narrates(p, contract, conflictId));
      return narration ? [narration] : [];
    }),
  ];
  if (joined.length < 2) return [...pending];
  const payload: ParsedPayloadOf<typeof turnTasks.writeTurn> = {
    gameId: first.gameId,
    stateVersion: first.stateVersion,
    eventId: first.eventId,
    conflictId,
    choice: first.choice,
    parts: joined.map((p) => ({ name: p.contract.name, payload: { ...p.payload } })),
  };
  const turn: PendingDispatch = {
    contract: turnTasks.writeTurn,
    payload,
    options: { priority: Math.max(...joined.map((p) => p.options.priority ?? p.contract.priority)) },
    contentIds: joined.flatMap((p) => p.contentIds),
    admitted: joined.reduce((sum, p) => sum + (p.admitted ?? 1), 0),
  };
  return [turn, ...pending.filter((p) => !joined.includes(p))];
}
