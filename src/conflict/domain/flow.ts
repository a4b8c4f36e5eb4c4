/** Flow: the dramatic shape of a conflict over time. */
import type { Phase, PacingStyle, TransitionType, BeatType } from '../../story/vocabulary.js';
export {
  PHASES,
  PACING_STYLES,
  TRANSITION_TYPES,
  LLM_BEAT_TYPES,
  RULE_BEAT_TYPES,
  BEAT_TYPES,
  type Phase,
  type PacingStyle,
  type TransitionType,
  type RuleBeatType,
  type BeatType,
} from '../../story/vocabulary.js';

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
