import type { z } from 'zod';
import { allianceTerms } from './alliance-terms.js';
import { beatProse } from './beat-prose.js';
import { canonRecord } from './canon-record.js';
import { canonReferences } from './canon-references.js';
import { escalationNarration } from './escalation-narration.js';
import { gossip } from './gossip.js';
import { loreCheck } from './lore-check.js';
import { phaseNarration } from './phase-narration.js';
import { reputationNarration } from './reputation-narration.js';
import { roleAdaptation } from './role-adaptation.js';
import { stakeholderAction } from './stakeholder-action.js';
import { stakeholderProfile } from './stakeholder-profile.js';
import { stakeholderReaction } from './stakeholder-reaction.js';
import type { TaskKind } from './task-kind.js';
import { tensionManifestations } from './tension-manifestations.js';
import { turnProse } from './turn-prose.js';

/** Every slow-path task kind, by its id. */
export const taskKinds = {
  stakeholder_action: stakeholderAction,
  stakeholder_reaction: stakeholderReaction,
  stakeholder_profile: stakeholderProfile,
  role_adaptation: roleAdaptation,
  phase_narration: phaseNarration,
  beat_prose: beatProse,
  gossip,
  reputation_narration: reputationNarration,
  alliance_terms: allianceTerms,
  canon_record: canonRecord,
  canon_references: canonReferences,
  lore_check: loreCheck,
  tension_manifestations: tensionManifestations,
  escalation_narration: escalationNarration,
  turn_prose: turnProse,
} as const;

export type Kind = keyof typeof taskKinds;
export const kinds = Object.keys(taskKinds) as Kind[];

type InputOf<T> = T extends TaskKind<infer Input, z.ZodType> ? Input : never;
export type KindInput<K extends Kind> = InputOf<(typeof taskKinds)[K]>;
export type KindOutput<K extends Kind> = z.output<(typeof taskKinds)[K]['output']>;
export type KindOutputSchema<K extends Kind> = z.ZodType<KindOutput<K>>;
