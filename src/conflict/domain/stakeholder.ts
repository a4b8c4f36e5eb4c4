/** Stakeholders: the NPCs taking part in a conflict. */
import type { StakeholderRole, ActionType, DecisionStyle, ReactionType, EmotionalResponse } from '../../story/vocabulary.js';
export {
  STAKEHOLDER_ROLES,
  ACTION_TYPES,
  DECISION_STYLES,
  REACTION_TYPES,
  EMOTIONAL_RESPONSES,
  type StakeholderRole,
  type ActionType,
  type DecisionStyle,
  type ReactionType,
  type EmotionalResponse,
} from '../../story/vocabulary.js';

/** Rule-based hint of how an NPC carries itself in a scene. */
export const SCENE_BEHAVIORS = ['agitated', 'tense', 'diplomatic', 'provocative', 'protective', 'calculating', 'observant'] as const;
export type SceneBehavior = (typeof SCENE_BEHAVIORS)[number];

export interface Stakeholder {
  id: number;
  npcId: number;
  conflictId: number;
  role: StakeholderRole;
  decisionStyle: DecisionStyle;
  /** 0–1 */
  stress: number;
  /** 0–1; also the chance of acting or reacting when the role does not force it. */
  commitment: number;
}

/**
 * Payloads below keep snake_case names: they are what models return
 * and what rows and caches store.
 */
export interface StakeholderDecision {
  action_type: ActionType;
  description: string;
  target?: number | string | null;
  resources?: string[];
  success_probability: number;
  consequences?: string[];
}

/** A decision as planned: the model's decision, its target resolved to an NPC id where it names one, and its feed line. */
export interface PlannedDecision extends StakeholderDecision {
  text: string;
}

/** A role change as planned: the new role and why, the why being its feed line. */
export interface PlannedRoleChange {
  new_role: StakeholderRole;
  reason: string;
}

/**
 * What the slow path plans for a stakeholder and the hot path claims: one payload type per kind, so
 * writer and reader cannot disagree on a field. (`decision` is the older name of `action`.)
 */
export type PlannedMove =
  | { kind: 'action'; payload: PlannedDecision }
  | { kind: 'decision'; payload: PlannedDecision }
  | { kind: 'reaction'; payload: StakeholderReaction }
  | { kind: 'role_adaptation'; payload: PlannedRoleChange };

export interface StakeholderReaction {
  reaction_type: ReactionType;
  emotional_response: EmotionalResponse;
  relationship_impact: number;
  /** Added to the reactor's stress. */
  stress_impact: number;
  description?: string;
}
