/** Stakeholders: the NPCs taking part in a conflict. */

export const STAKEHOLDER_ROLES = [
  'instigator',
  'defender',
  'mediator',
  'opportunist',
  'victim',
  'bystander',
  'escalator',
  'peacemaker',
] as const;
export type StakeholderRole = (typeof STAKEHOLDER_ROLES)[number];

/** What an LLM decision may choose (its `action_type`). */
export const ACTION_TYPES = [
  'aggressive',
  'defensive',
  'diplomatic',
  'manipulative',
  'supportive',
  'evasive',
  'observant',
  'strategic',
] as const;
export type ActionType = (typeof ACTION_TYPES)[number];


export const DECISION_STYLES = ['emotional', 'rational', 'instinctive', 'calculating', 'reactive', 'principled'] as const;
export type DecisionStyle = (typeof DECISION_STYLES)[number];

/** `observe` is not offered to the model; it is the fallback when no reaction is ready. */
export const REACTION_TYPES = ['counter', 'support', 'ignore', 'escalate', 'de-escalate', 'observe'] as const;
export type ReactionType = (typeof REACTION_TYPES)[number];

export const EMOTIONAL_RESPONSES = ['neutral', 'angry', 'fearful', 'surprised', 'relieved'] as const;
export type EmotionalResponse = (typeof EMOTIONAL_RESPONSES)[number];

/** Rule-based hint of how an NPC carries itself in a scene. */
export const SCENE_BEHAVIORS = [
  'agitated',
  'tense',
  'diplomatic',
  'provocative',
  'protective',
  'calculating',
  'observant',
] as const;
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
  resources?: Record<string, unknown>;
  success_probability: number;
  consequences?: Record<string, unknown>;
}

export interface StakeholderReaction {
  reaction_type: ReactionType;
  emotional_response: EmotionalResponse;
  relationship_impact: number;
  /** Added to the reactor's stress. */
  stress_impact: number;
  description?: string;
}
