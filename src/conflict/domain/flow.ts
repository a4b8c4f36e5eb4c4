/** Flow: the dramatic shape of a conflict over time. */

/** In order; a natural transition moves one step right, aftermath is terminal. */
export const PHASES = [
  'seeds',
  'emerging',
  'rising',
  'confrontation',
  'climax',
  'falling',
  'resolution',
  'aftermath',
] as const;
export type Phase = (typeof PHASES)[number];

export const PACING_STYLES = ['slow_burn', 'rapid_escalation', 'waves', 'steady', 'erratic'] as const;
export type PacingStyle = (typeof PACING_STYLES)[number];

export const TRANSITION_TYPES = ['natural', 'triggered', 'forced', 'stalled', 'reversed'] as const;
export type TransitionType = (typeof TRANSITION_TYPES)[number];

/** Beats a model writes (carrying an impact on the flow). */
export const LLM_BEAT_TYPES = ['revelation', 'betrayal', 'escalation', 'reconciliation', 'twist', 'moment'] as const;
/** Beats the rules detect from intensity and progress. */
export const RULE_BEAT_TYPES = ['climax', 'resolution', 'exposition', 'complication'] as const;
export const BEAT_TYPES = [...LLM_BEAT_TYPES, ...RULE_BEAT_TYPES] as const;
export type RuleBeatType = (typeof RULE_BEAT_TYPES)[number];
export type BeatType = (typeof BEAT_TYPES)[number];

/** The numbers and labels of a flow, without the conflict it belongs to. */
export interface FlowState {
  phase: Phase;
  pacing: PacingStyle;
  /** 0–1 */
  intensity: number;
  /** −1–1 */
  momentum: number;
  /** Progress through the current phase; a transition is due at ≥ 1. */
  phaseProgress: number;
  lastBeatType?: BeatType;
  /** epoch ms */
  lastBeatAt?: number;
}

export interface ConflictFlow extends FlowState {
  conflictId: number;
}

export interface PhaseTransition {
  /** null for the opening narration of a new conflict. */
  fromPhase: Phase | null;
  toPhase: Phase;
  transitionType: TransitionType;
}

/** What a beat-description task is asked to write about. */
export interface BeatMeta {
  type: BeatType;
  id: string;
}
