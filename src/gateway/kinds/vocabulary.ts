import { z } from 'zod';

/**
 * The domain words a model may answer with (roles, action and reaction types, phases…), from the conflict domain itself so a
 * kind's output schema accepts exactly what the game stores. A reaction from a model is never the
 * `observe` fallback, which only the rules use.
 */
import { CANON_EVENT_TYPES } from '../../conflict/domain/canon.js';
import { PHASES } from '../../conflict/domain/flow.js';
import { GOSSIP_TYPES } from '../../conflict/domain/social.js';
import { ACTION_TYPES, EMOTIONAL_RESPONSES, REACTION_TYPES, STAKEHOLDER_ROLES } from '../../conflict/domain/stakeholder.js';

export type {
  ActionType,
  DecisionStyle,
  EmotionalResponse,
  StakeholderRole,
} from '../../conflict/domain/stakeholder.js';
export type { BeatType, TransitionType } from '../../conflict/domain/flow.js';
export type { GossipType, ReputationType } from '../../conflict/domain/social.js';
export type { CanonEventType } from '../../conflict/domain/canon.js';
export type { TensionLevel } from '../../conflict/domain/tension.js';

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
