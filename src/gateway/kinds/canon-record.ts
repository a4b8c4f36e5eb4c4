import { z } from 'zod';
import type { NamedCharacter } from './story-context.js';
import { defineTaskKind } from './task-kind.js';
import { canonEventTypes, paragraph, ratio, sentence } from './vocabulary.js';

export interface CanonRecordInput {
  conflict: { title: string; type: string; intensity: number; stakeholders: NamedCharacter[] };
  resolution: { outcome: string; winners?: string[]; losers?: string[] };
  location?: string;
}

const output = z.object({
  event_type: z.enum(canonEventTypes),
  name: z.string().min(1).max(120),
  canon_text: paragraph(),
  significance: ratio(),
  cultural_impact: sentence(),
});
export type CanonRecordOutput = z.infer<typeof output>;

export const canonRecord = defineTaskKind<CanonRecordInput, typeof output>({
  output,
  instructions: [
    "You record a resolved conflict in the town's canon, as chroniclers will tell it.",
    'name: a title the town will remember it by. canon_text: two to four sentences of chronicle.',
    'significance: 0 to 1. cultural_impact: one sentence on how customs or power changed.',
  ].join('\n'),
  timeoutMs: 30_000,
  maxOutputChars: 2_000,
});
