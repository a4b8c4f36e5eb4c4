import { z } from 'zod';

/**
 * The domain words a model may answer with (system.md §9). They are spelled here as zod enums so a
 * kind's output schema rejects anything else; the conflict domain uses the same literals.
 */

export const stakeholderRoles = ['instigator', 'defender', 'mediator', 'opportunist', 'victim', 'bystander', 'escalator', 'peacemaker'] as const;
export type StakeholderRole = (typeof stakeholderRoles)[number];

export const decisionStyles = ['emotional', 'rational', 'instinctive', 'calculating', 'reactive', 'principled'] as const;
export type DecisionStyle = (typeof decisionStyles)[number];

export const actionTypes = ['aggressive', 'defensive', 'diplomatic', 'manipulative', 'supportive', 'evasive', 'observant', 'strategic'] as const;
export type ActionType = (typeof actionTypes)[number];

export const reactionTypes = ['counter', 'support', 'ignore', 'escalate', 'de-escalate'] as const;
export type ReactionType = (typeof reactionTypes)[number];

export const emotionalResponses = ['neutral', 'angry', 'fearful', 'surprised', 'relieved'] as const;
export type EmotionalResponse = (typeof emotionalResponses)[number];

export const conflictPhases = ['seeds', 'emerging', 'rising', 'confrontation', 'climax', 'falling', 'resolution', 'aftermath'] as const;
export type ConflictPhase = (typeof conflictPhases)[number];

export const transitionTypes = ['natural', 'triggered', 'forced', 'stalled', 'reversed'] as const;
export type TransitionType = (typeof transitionTypes)[number];

export const beatTypes = ['revelation', 'betrayal', 'escalation', 'reconciliation', 'twist', 'moment', 'climax', 'resolution', 'exposition', 'complication'] as const;
export type BeatType = (typeof beatTypes)[number];

export const gossipTypes = ['rumor', 'secret', 'scandal', 'praise', 'warning', 'speculation'] as const;
export type GossipType = (typeof gossipTypes)[number];

export const reputationTypes = ['trustworthy', 'submissive', 'rebellious', 'mysterious', 'influential', 'scandalous', 'nurturing', 'dangerous'] as const;
export type ReputationType = (typeof reputationTypes)[number];

export const canonEventTypes = [
  'historical_precedent',
  'cultural_shift',
  'relationship_milestone',
  'power_restructuring',
  'social_evolution',
  'legendary_moment',
  'tradition_born',
  'taboo_broken',
] as const;
export type CanonEventType = (typeof canonEventTypes)[number];

export const tensionLevels = ['baseline', 'simmering', 'rising', 'high', 'critical'] as const;
export type TensionLevel = (typeof tensionLevels)[number];

/** Caps shared by the output schemas: what a cache entry or a UI line can hold. */
export const limits = {
  name: 80,
  label: 120,
  sentence: 300,
  paragraph: 900,
  listItem: 200,
} as const;

export const name = () => z.string().min(1).max(limits.name);
export const sentence = () => z.string().min(1).max(limits.sentence);
export const paragraph = () => z.string().min(1).max(limits.paragraph);
export const listItem = () => z.string().min(1).max(limits.listItem);
export const ratio = () => z.number().min(0).max(1);
