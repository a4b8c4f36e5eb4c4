import { z } from 'zod';

import { CHOICE_TYPES } from '../domain/choice.js';
import { PHASES } from '../domain/flow.js';
import { REPUTATION_TYPES, SOCIAL_ROLES } from '../domain/social.js';
import { DECISION_STYLES, STAKEHOLDER_ROLES } from '../domain/stakeholder.js';

export { DECISION_STYLES, REPUTATION_TYPES, SOCIAL_ROLES, STAKEHOLDER_ROLES };

export const RELATION_KINDS = ['ally', 'rival', 'kin', 'debtor', 'lover', 'mentor', 'enemy'] as const;

/** A new stakeholder's defaults, minus the role (which comes from the conflict type). */
export const STAKEHOLDER_DEFAULTS = { decisionStyle: 'reactive', stress: 0.3, commitment: 0.5 } as const;

export const DEFAULT_GOSSIP_TENDENCY = 0.5;

// Messages here and in the loader's error map name only what was expected; the loader appends
// what the file actually held, so every issue reads "expected …; got …".
const id = z
  .string()
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, { error: 'a kebab-case id (lowercase letters and digits joined by single hyphens)' });

const text = (maxLength: number) => z.string().trim().min(1).max(maxLength);

/** A setting's words for one slot of the prose (see SettingVocabulary): a few short phrases. */
const phrases = z.array(text(120)).min(1).max(40).optional();

const numberBetween = (min: number, max: number) => {
  const expected = `a number from ${min} to ${max}`;
  return z.number().min(min, { error: expected }).max(max, { error: expected });
};

const unitInterval = numberBetween(0, 1);

const location = z.strictObject({
  id,
  name: text(80),
  description: text(1000),
});

const npc = z.strictObject({
  id,
  name: text(80),
  description: text(1000),
  traits: z.array(text(30)).min(1).max(6),
  socialRole: z.enum(SOCIAL_ROLES),
  location: id,
  gossipTendency: unitInterval.default(DEFAULT_GOSSIP_TENDENCY),
  reputation: z.partialRecord(z.enum(REPUTATION_TYPES), unitInterval).default({}),
});

const relation = z.strictObject({
  from: id,
  to: id,
  kind: z.enum(RELATION_KINDS),
  strength: numberBetween(-1, 1),
});

const stakeholder = z.strictObject({
  npc: id,
  // Left unset, the stakeholder rules pick the opening role from the conflict type at game start.
  role: z.enum(STAKEHOLDER_ROLES).optional(),
  decisionStyle: z.enum(DECISION_STYLES).default(STAKEHOLDER_DEFAULTS.decisionStyle),
  stress: unitInterval.default(STAKEHOLDER_DEFAULTS.stress),
  commitment: unitInterval.default(STAKEHOLDER_DEFAULTS.commitment),
});

/** The flow phases a conflict's own choices may be offered in (resolution and after, it is over). */
export const CHOICE_PHASES = PHASES.filter((phase) => phase !== 'resolution' && phase !== 'aftermath');

/** A choice the scenario offers the player in one conflict, besides the ones the rules derive. */
const scenarioChoice = z.strictObject({
  label: text(160),
  /** How the rules read it: whether it raises stress, pushes the flow, starts gossip. */
  type: z.enum(CHOICE_TYPES),
  /** The npc it is about, a declared npc id. */
  target: id.optional(),
  /** Offered only while the conflict is in one of these phases; left out, in every phase. */
  phases: z.array(z.enum(CHOICE_PHASES)).min(1).optional(),
  /** What the player reads at once after choosing it; left out, the rules' line for its type. */
  outcome: text(400).optional(),
});

/** How a conflict ends when its flow runs its course: which ending fits the way it went. */
export const ENDING_WHEN = ['settled', 'escalated', 'any'] as const;

const ending = z.strictObject({
  /**
   * settled: it cooled before the end (momentum at or below zero); escalated: it was still
   * heating; any: either. The first matching ending in the list is used.
   */
  when: z.enum(ENDING_WHEN).default('any'),
  outcome: text(600),
  /** The npcs who come out on top, declared npc ids; none: nobody wins outright. */
  winners: z.array(id).max(8).default([]),
});

const conflict = z.strictObject({
  id,
  title: text(120),
  // Free text on purpose: the rules look for words in it ("power", "social", "crisis", …).
  type: text(80),
  description: text(1500),
  stakeholders: z.array(stakeholder).min(2),
  location: id.optional(),
  choices: z.array(scenarioChoice).max(12).default([]),
  endings: z.array(ending).max(8).default([]),
});

export const scenarioSchema = z.strictObject({
  id,
  title: text(120),
  summary: text(400),
  setting: z.strictObject({
    name: text(80),
    description: text(2000),
    era: text(80).optional(),
    vocabulary: z
      .strictObject({
        places: phrases,
        hours: phrases,
        weather: phrases,
        crowds: phrases,
        authorities: phrases,
        signs: phrases,
        landmarks: phrases,
        town: phrases,
      })
      .optional(),
  }),
  locations: z.array(location).min(1),
  npcs: z.array(npc).min(2),
  relations: z.array(relation).default([]),
  conflicts: z.array(conflict).min(1),
  player: z.strictObject({
    name: text(80).optional(),
    role: text(160).optional(),
    intro: text(3000),
  }),
});

/** A validated scenario with every default applied. */
export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioLocation = Scenario['locations'][number];
export type ScenarioNpc = Scenario['npcs'][number];
export type ScenarioRelation = Scenario['relations'][number];
export type ScenarioConflict = Scenario['conflicts'][number];
export type ScenarioStakeholder = ScenarioConflict['stakeholders'][number];
export type ScenarioChoice = ScenarioConflict['choices'][number];
export type ScenarioEnding = ScenarioConflict['endings'][number];
