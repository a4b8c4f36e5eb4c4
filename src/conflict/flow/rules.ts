import type { ActionType } from '../../story/vocabulary.js';
import { isDeEscalatingChoice, isEscalatingChoice } from '../domain/choice.js';
import type { BeatMeta, BeatType, FlowState, Phase, PhaseTransition, RuleBeatType } from '../domain/flow.js';
import { PHASES } from '../domain/flow.js';
import { clamp, clampMomentum, clampUnit } from '../domain/math.js';

/** Pure flow rules: a conflict's phase, pacing, intensity, momentum and beats. */

/** How a new conflict starts, by its type; the conflict type is matched as a lower-case substring. */
export function initialFlow(conflictType: string): FlowState {
  const type = conflictType.toLowerCase();
  if (type.includes('interpersonal')) {
    return { phase: 'emerging', pacing: 'slow_burn', intensity: 0.3, momentum: 0.2, phaseProgress: 0 };
  }
  if (type.includes('crisis') || type.includes('urgent')) {
    return { phase: 'rising', pacing: 'rapid_escalation', intensity: 0.6, momentum: 0.5, phaseProgress: 0 };
  }
  return { phase: 'seeds', pacing: 'steady', intensity: 0.2, momentum: 0.1, phaseProgress: 0 };
}

/** The flow a conflict is given when nothing better is known. */
export const DEFAULT_FLOW: Readonly<FlowState> = {
  phase: 'emerging',
  pacing: 'steady',
  intensity: 0.3,
  momentum: 0.2,
  phaseProgress: 0,
};

export interface FlowEventDeltas {
  intensityDelta?: number;
  progressDelta?: number;
}

/**
 * CONFLICT_UPDATED arithmetic, on `phaseProgress` (a flow has no `progress` field), each value
 * clamped to [0, 1].
 */
export function applyEventMath<F extends FlowState>(flow: F, deltas: FlowEventDeltas): F {
  return {
    ...flow,
    intensity: clampUnit(flow.intensity + (deltas.intensityDelta ?? 0)),
    phaseProgress: clampUnit(flow.phaseProgress + (deltas.progressDelta ?? 0)),
  };
}

/** The natural next phase; aftermath is terminal and stays. */
export function nextPhase(phase: Phase): Phase {
  return PHASES[PHASES.indexOf(phase) + 1] ?? phase;
}

const REVERSALS: Partial<Record<Phase, Phase>> = {
  rising: 'emerging',
  confrontation: 'rising',
  climax: 'confrontation',
};

/** Where a collapsing conflict falls back to, or undefined where the phase cannot reverse. */
export function reversedPhase(phase: Phase): Phase | undefined {
  return REVERSALS[phase];
}

/** Below this momentum a due transition goes backwards instead of forwards. */
export const REVERSAL_MOMENTUM = -0.5;

export interface FlowAdvance<F extends FlowState> {
  flow: F;
  transition?: PhaseTransition;
}

/**
 * Moves a flow whose phase progress reached 1 into its next phase, resetting progress.
 * Momentum below −0.5 turns the transition into a reversal where the
 * phase has one. Aftermath has nowhere to go, so it makes no transition.
 */
export function advanceFlow<F extends FlowState>(flow: F): FlowAdvance<F> {
  if (flow.phaseProgress < 1 || flow.phase === 'aftermath') return { flow };
  const reversed = flow.momentum < REVERSAL_MOMENTUM ? reversedPhase(flow.phase) : undefined;
  const toPhase = reversed ?? nextPhase(flow.phase);
  return {
    flow: { ...flow, phase: toPhase, phaseProgress: 0 },
    transition: { fromPhase: flow.phase, toPhase, transitionType: reversed ? 'reversed' : 'natural' },
  };
}

/** The rule-based beat table, first match wins; intensity defaults to 0.5 and progress to 0. */
export function beatForFlow(flow: Partial<Pick<FlowState, 'intensity' | 'phaseProgress'>>): RuleBeatType | undefined {
  const intensity = flow.intensity ?? 0.5;
  const progress = flow.phaseProgress ?? 0;
  if (intensity > 0.8 && progress > 0.4 && progress < 0.7) return 'climax';
  if (progress > 0.9) return 'resolution';
  if (intensity < 0.3 && progress < 0.3) return 'exposition';
  if (intensity > 0.4 && intensity < 0.7 && progress > 0.3 && progress < 0.6) return 'complication';
  return undefined;
}

/** Identifies a beat for its description task and cache key (`{conflictId}_{now}`). */
export function beatMeta(conflictId: number, type: BeatType, now: number): BeatMeta {
  return { type, id: `${conflictId}_${now}` };
}

export const DEFAULT_BEAT_IMPACT = 0.2;

/** A written beat moves the flow: momentum by half its impact, intensity by 0.3 of its size. */
export function applyBeat<F extends FlowState>(flow: F, impact = DEFAULT_BEAT_IMPACT): F {
  return {
    ...flow,
    momentum: clampMomentum(flow.momentum + impact * 0.5),
    intensity: clampUnit(flow.intensity + Math.abs(impact) * 0.3),
  };
}

/** What bends a flow: a stakeholder's action type, or the verb an NPC's reaction amounts to. */
export type FlowMove = ActionType | 'escalate' | 'withdraw' | 'de-escalate' | 'mediate';

const INTENSIFYING_ACTIONS: readonly FlowMove[] = ['aggressive', 'escalate'];
const RETREATING_ACTIONS: readonly FlowMove[] = ['withdraw', 'evasive', 'de-escalate'];
const CONCILIATORY_ACTIONS: readonly FlowMove[] = ['supportive', 'diplomatic', 'mediate'];

/**
 * How a stakeholder's action bends the flow (STAKEHOLDER_ACTION). Events carry an
 * ActionType or one of the verbs escalate, withdraw, de-escalate and mediate; anything else leaves
 * the flow as it is.
 */
export function applyStakeholderAction<F extends FlowState>(flow: F, actionType: FlowMove): F {
  if (INTENSIFYING_ACTIONS.includes(actionType)) {
    return { ...flow, intensity: clampUnit(flow.intensity + 0.1), momentum: clampMomentum(flow.momentum + 0.15) };
  }
  if (RETREATING_ACTIONS.includes(actionType)) return { ...flow, momentum: clampMomentum(flow.momentum - 0.3) };
  if (CONCILIATORY_ACTIONS.includes(actionType)) return { ...flow, momentum: clampMomentum(flow.momentum + 0.05) };
  return flow;
}

/** A player can calm a conflict only this far; deeper collapse comes from stakeholders. */
const PLAYER_MOMENTUM_FLOOR = -0.5;
/** Progress may overshoot 1 after a player push; the transition then resets it. */
const PLAYER_PROGRESS_CEILING = 1.5;

export interface PlayerChoiceOutcome<F extends FlowState> {
  flow: F;
  transitionDue: boolean;
}

/**
 * Escalating choices push momentum (+0.2) and progress (+0.15); de-escalating ones pull momentum
 * down by 0.2 but not below −0.5. A momentum already under the floor is left there: a plain
 * max(−0.5, m − 0.2) would have *raised* it, so calming a collapse would have revived it.
 */
export function applyPlayerChoice<F extends FlowState>(flow: F, choiceType: string): PlayerChoiceOutcome<F> {
  let next = flow;
  if (isEscalatingChoice(choiceType)) {
    next = {
      ...flow,
      momentum: clampMomentum(flow.momentum + 0.2),
      phaseProgress: clamp(flow.phaseProgress + 0.15, 0, PLAYER_PROGRESS_CEILING),
    };
  } else if (isDeEscalatingChoice(choiceType)) {
    next = { ...flow, momentum: Math.min(flow.momentum, Math.max(PLAYER_MOMENTUM_FLOOR, flow.momentum - 0.2)) };
  }
  return { flow: next, transitionDue: next.phaseProgress >= 1 };
}

/**
 * The smallest momentum shift from a tension change that earns a beat. A threshold of
 * |Δ| > 0.3 could never fire: Δ = (tension − 0.5) × 0.3 never exceeds 0.15.
 * 0.12 fires at the extremes, tension ≥ 0.9 or ≤ 0.1, where a beat is dramatically earned.
 */
export const TENSION_BEAT_SHIFT = 0.12;

export function tensionBeatDue(momentumShift: number): boolean {
  return Math.abs(momentumShift) >= TENSION_BEAT_SHIFT;
}

export interface TensionChangeOutcome<F extends FlowState> {
  flow: F;
  /** The shift the tension asked for, before clamping: a shock earns its beat even at the bound. */
  momentumShift: number;
  beatDue: boolean;
}

/** Scene tension above 0.5 drives a conflict forward, below 0.5 lets it settle (on TENSION_CHANGED). */
export function applyTensionChange<F extends FlowState>(flow: F, tensionScore: number): TensionChangeOutcome<F> {
  const momentumShift = (tensionScore - 0.5) * 0.3;
  return {
    flow: { ...flow, momentum: clampMomentum(flow.momentum + momentumShift) },
    momentumShift,
    beatDue: tensionBeatDue(momentumShift),
  };
}

/** One way a conflict may end, as a scenario declares it (npcs by their scenario ids). */
export interface DeclaredEnding {
  when: 'settled' | 'escalated' | 'any';
  outcome: string;
  winners: readonly string[];
}

export interface ClosingStakeholder {
  npcId: number;
  /** The npc's id in the scenario file. */
  npcKey: string;
  name: string;
  role: string;
  stress: number;
  commitment: number;
}

export interface Closing {
  outcome: string;
  winnerNpcIds: number[];
  way: 'settled' | 'escalated';
}

/**
 * How a conflict ends when its flow reaches resolution by itself. It settled if its momentum had
 * fallen to zero or below, else it escalated to the end; the first declared ending for that way (or
 * for `any`) is used. With none, the rules write one: the stakeholder who held on hardest (most
 * committed, least strained, bystanders last) has the better of it.
 */
export function closingOf(
  flow: Pick<FlowState, 'momentum'>,
  title: string,
  stakeholders: readonly ClosingStakeholder[],
  endings: readonly DeclaredEnding[],
): Closing {
  const way = flow.momentum > 0 ? 'escalated' : 'settled';
  const declared = endings.find((ending) => ending.when === way || ending.when === 'any');
  if (declared) {
    const idByKey = new Map(stakeholders.map((s) => [s.npcKey, s.npcId]));
    const winnerNpcIds = declared.winners.flatMap((key) => (idByKey.has(key) ? [idByKey.get(key)!] : []));
    return { outcome: declared.outcome, winnerNpcIds, way };
  }
  const holdOn = (s: ClosingStakeholder) => s.commitment - s.stress - (s.role === 'bystander' ? 1 : 0);
  const winner = [...stakeholders].sort((a, b) => holdOn(b) - holdOn(a))[0];
  if (!winner) return { outcome: `${title} burns itself out, and nobody can say who won.`, winnerNpcIds: [], way };
  const outcome =
    way === 'settled'
      ? `${title} is settled at last: ${winner.name} has the better of it, and the rest let it lie.`
      : `${title} ends the hard way: ${winner.name} comes out on top, and not everyone will forgive it.`;
  return { outcome, winnerNpcIds: [winner.npcId], way };
}
