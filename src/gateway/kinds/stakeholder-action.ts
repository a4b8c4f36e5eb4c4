import { z } from 'zod';
import type { ConflictSnapshot, SceneSnapshot, StakeholderSnapshot } from './story-context.js';
import { defineTaskKind } from './task-kind.js';
import { actionTypes, listItem, name, paragraph, ratio } from './vocabulary.js';

export interface StakeholderActionInput {
  stakeholder: StakeholderSnapshot;
  conflict: ConflictSnapshot;
  scene: SceneSnapshot;
  recentEvents: string[];
}

const output = z.object({
  action_type: z.enum(actionTypes),
  description: paragraph(),
  target: name().nullable(),
  resources: z.array(listItem()).max(5),
  success_probability: ratio(),
  consequences: z.array(listItem()).max(5),
});
export type StakeholderActionOutput = z.infer<typeof output>;

export const stakeholderAction = defineTaskKind<StakeholderActionInput, typeof output>({
  output,
  instructions: [
    'You decide the next autonomous move of one character in a story conflict.',
    'Choose an action_type that fits the character role, decision style, stress and commitment.',
    'description: one or two sentences of what they do, naming them. target: the name of another character present, or null.',
    'resources: what they spend or use. success_probability: 0 to 1. consequences: short likely outcomes.',
  ].join('\n'),
  timeoutMs: 20_000,
  maxOutputChars: 2_500,
});
