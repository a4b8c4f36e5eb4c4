/**
 * The words of a conflict story: phases, roles, moves, beats, reputations, gossip and canon. The
 * conflict rules store them and the model kinds accept exactly them, so both import this list and
 * neither imports the other.
 */

export const CANON_EVENT_TYPES = [
  'historical_precedent',
  'cultural_shift',
  'relationship_milestone',
  'power_restructuring',
  'social_evolution',
  'legendary_moment',
  'tradition_born',
  'taboo_broken',
] as const;
export type CanonEventType = (typeof CANON_EVENT_TYPES)[number];

/** In order; a natural transition moves one step right, aftermath is terminal. */
export const PHASES = ['seeds', 'emerging', 'rising', 'confrontation', 'climax', 'falling', 'resolution', 'aftermath'] as const;
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

export const REPUTATION_TYPES = [
  'trustworthy',
  'submissive',
  'rebellious',
  'mysterious',
  'influential',
  'scandalous',
  'nurturing',
  'dangerous',
] as const;
export type ReputationType = (typeof REPUTATION_TYPES)[number];

export const GOSSIP_TYPES = ['rumor', 'secret', 'scandal', 'praise', 'warning', 'speculation'] as const;
export type GossipType = (typeof GOSSIP_TYPES)[number];

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

/** Ordered from calm to explosive. */
export const TENSION_LEVELS = ['baseline', 'simmering', 'rising', 'high', 'critical'] as const;
export type TensionLevel = (typeof TENSION_LEVELS)[number];

/** The most characters one answer writes reactions for (a player turn, `turn_prose`): a conflict's cast, with room to spare. */
export const TURN_MAX_REACTORS = 8;
