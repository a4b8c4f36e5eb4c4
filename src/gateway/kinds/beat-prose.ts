import { z } from 'zod';
import type { ConflictSnapshot } from './story-context.js';
import { defineTaskKind } from './task-kind.js';
import { paragraph, type BeatType } from './vocabulary.js';

export interface BeatProseInput {
  conflict: ConflictSnapshot;
  beat: { id: string; type: BeatType /** −1–1 */; impact?: number };
  stakeholders: string[];
  location?: string;
}

const output = z.object({ text: paragraph() });
export type BeatProseOutput = z.infer<typeof output>;

export const beatProse = defineTaskKind<BeatProseInput, typeof output>({
  output,
  instructions: [
    'You write a dramatic beat in a story conflict: a revelation, betrayal, twist or quiet turning point, as the beat type says.',
    'text: two to four sentences of prose using the named characters.',
  ].join('\n'),
  timeoutMs: 20_000,
  maxOutputChars: 1_200,
});
