import { z } from 'zod';

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

const conflict = z.strictObject({
  id,
  title: text(120),
  // Free text on purpose: the rules look for words in it ("power", "social", "crisis", …).
  type: text(80),
  description: text(1500),
  stakeholders: z.array(stakeholder).min(2),
  location: id.optional(),
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
