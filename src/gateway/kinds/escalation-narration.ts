import { z } from 'zod';
import type { ConflictSnapshot } from './story-context.js';
import { defineTaskKind } from './task-kind.js';
import { paragraph } from './vocabulary.js';

export interface EscalationNarrationInput {
  conflict: ConflictSnapshot;
  event: { type: string; description?: string };
  /** 0–1 */
  tensionScore: number;
  stakeholders: string[];
  location?: string;
}

const output = z.object({ text: paragraph() });
export type EscalationNarrationOutput = z.infer<typeof output>;

export const escalationNarration = defineTaskKind<EscalationNarrationInput, typeof output>({
  output,
  instructions: [
    'You narrate the moment a simmering conflict boils over.',
    'text: two to four sentences of prose using the named characters and the place.',
  ].join('\n'),
  timeoutMs: 20_000,
  maxOutputChars: 1_200,
});
