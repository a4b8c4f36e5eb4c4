import { randomUUID } from 'node:crypto';
import type { ActionType, DecisionStyle, Phase, ReactionType, StakeholderRole, TransitionType } from '../../story/vocabulary.js';
import type { ChoiceType } from '../domain/choice.js';

/**
 * The synthesizer's events: what happened in a game, routed to the subsystems that care. A handler's
 * side effects are follow-up events, processed by priority (lower number first, as in the seed:
 * breaking point 2, canon established 3, phase transition 4, everything else 5).
 */
export type EventType =
  | 'conflict_created'
  | 'conflict_updated'
  | 'conflict_resolved'
  | 'player_choice'
  | 'state_sync'
  | 'stakeholder_action'
  | 'phase_transition'
  | 'tension_changed'
  | 'npc_reaction'
  | 'canon_established'
  | 'edge_case_detected';

export interface EventPayloads {
  conflict_created: {
    conflictId: number;
    /** Who takes part; unset fields come from the rules (initial role by conflict type, defaults). */
    stakeholders: Array<{ npcId: number; role?: StakeholderRole; decisionStyle?: DecisionStyle; stress?: number; commitment?: number }>;
  };
  conflict_updated: { conflictId: number; intensityDelta?: number; progressDelta?: number };
  conflict_resolved: { conflictId: number; outcome: string; winnerNpcIds: number[]; intensity: number; playerInvolved: boolean };
  player_choice: {
    choiceId: string;
    label: string;
    choiceType: ChoiceType;
    conflictId?: number;
    targetNpcId?: number;
  };
  state_sync: Record<string, never>;
  stakeholder_action: { conflictId: number; stakeholderId: number; actionType: ActionType; targetNpcId?: number; description: string };
  phase_transition: { conflictId: number; fromPhase: Phase; toPhase: Phase; transitionType: TransitionType };
  tension_changed: { score: number; previousScore: number };
  npc_reaction: { conflictId?: number; npcId: number; reactionType: ReactionType };
  canon_established: { conflictId: number; name: string; significance: number };
  edge_case_detected: { kind: 'stakeholder_breaking_point'; stakeholderId: number; conflictId: number };
}

/** One event of type `T`, as a subsystem's handler for `T` receives it. */
export interface EventOf<T extends EventType> {
  id: string;
  type: T;
  gameId: string;
  payload: EventPayloads[T];
  /** Lower runs sooner among side effects. */
  priority: number;
  source: string;
}

/** Any event (or any of the types `T`): a union discriminated by `type`, so narrowing on it types the payload. */
export type SystemEvent<T extends EventType = EventType> = { [K in T]: EventOf<K> }[T];

export function systemEvent<T extends EventType>(
  type: T,
  gameId: string,
  payload: EventPayloads[T],
  options: { priority?: number; source?: string } = {},
): EventOf<T> {
  return { id: randomUUID(), type, gameId, payload, priority: options.priority ?? 5, source: options.source ?? 'engine' };
}

/** What a handler answers: facts for the record (logged, read by tests) and follow-up events. */
export interface SubsystemResponse {
  data?: Record<string, unknown>;
  sideEffects?: SystemEvent[];
  /** NPC reactions the handler asked the slow path for: a player choice's outcome reports the sum. */
  reactionsDispatched?: number;
}
