import { z } from 'zod';
import type { ConflictSnapshot, StakeholderSnapshot } from './story-context.js';
import { defineTaskKind } from './task-kind.js';
import { sentence, stakeholderRoles } from './vocabulary.js';

/** Why the conflict engine asks for a new role. */
export type RoleAdaptationTrigger = 'high_stress' | 'bystander_at_climax' | 'escalator_at_resolution' | 'breaking_point';

export interface RoleAdaptationInput {
  stakeholder: StakeholderSnapshot;
  conflict: ConflictSnapshot;
  trigger: RoleAdaptationTrigger;
}

const output = z.object({
  new_role: z.enum(stakeholderRoles),
  reason: sentence(),
});
export type RoleAdaptationOutput = z.infer<typeof output>;

export const roleAdaptation = defineTaskKind<RoleAdaptationInput, typeof output>({
  output,
  instructions: [
    "You decide how a character's role in a story conflict shifts under pressure.",
    'new_role: one of the stakeholder roles (it may stay the same). reason: one in-world sentence naming the character.',
  ].join('\n'),
  timeoutMs: 15_000,
  maxOutputChars: 600,
});
