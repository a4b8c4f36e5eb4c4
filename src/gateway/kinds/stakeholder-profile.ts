import { z } from 'zod';
import type { ConflictSnapshot, StakeholderSnapshot } from './story-context.js';
import { defineTaskKind } from './task-kind.js';
import { listItem, sentence } from './vocabulary.js';

export interface StakeholderProfileInput {
  stakeholder: StakeholderSnapshot & { description?: string };
  conflict: ConflictSnapshot;
}

const output = z.object({
  motivations: z.array(listItem()).min(1).max(4),
  // Always present, possibly empty: strict structured outputs require every property.
  secrets: z.array(listItem()).max(3),
  speech_style: sentence(),
  goals: z.array(listItem()).min(1).max(4),
});
export type StakeholderProfileOutput = z.infer<typeof output>;

export const stakeholderProfile = defineTaskKind<StakeholderProfileInput, typeof output>({
  output,
  instructions: [
    'You enrich the profile of one character who has a stake in a story conflict.',
    'motivations: what drives them in this conflict. secrets: what they hide, or an empty list.',
    'speech_style: one sentence on how they talk. goals: concrete things they want to achieve.',
  ].join('\n'),
  timeoutMs: 30_000,
  maxOutputChars: 2_500,
});
