import { z } from 'zod';

/**
 * The domain words a model may answer with (roles, action and reaction types, phases…), from the story's vocabulary, which the
 * conflict rules store, so a kind's output schema accepts exactly what the game stores. A reaction from a model is never the
 * `observe` fallback, which only the rules use.
 */
import {
  ACTION_TYPES,
  CANON_EVENT_TYPES,
  EMOTIONAL_RESPONSES,
  GOSSIP_TYPES,
  type PHASES,
  REACTION_TYPES,
  STAKEHOLDER_ROLES,
} from '../../story/vocabulary.js';

export type {
  ActionType,
  BeatType,
  CanonEventType,
  DecisionStyle,
  EmotionalResponse,
  GossipType,
  ReputationType,
  StakeholderRole,
  TensionLevel,
  TransitionType,
} from '../../story/vocabulary.js';

export const stakeholderRoles = STAKEHOLDER_ROLES;
export const actionTypes = ACTION_TYPES;
export const reactionTypes = REACTION_TYPES.filter((type) => type !== 'observe') as [
  Exclude<(typeof REACTION_TYPES)[number], 'observe'>,
  ...Array<Exclude<(typeof REACTION_TYPES)[number], 'observe'>>,
];
export type ReactionType = (typeof reactionTypes)[number];
export const emotionalResponses = EMOTIONAL_RESPONSES;
export type ConflictPhase = (typeof PHASES)[number];
export const gossipTypes = GOSSIP_TYPES;
export const canonEventTypes = CANON_EVENT_TYPES;

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
