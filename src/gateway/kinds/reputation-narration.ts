import { z } from 'zod';
import type { NamedCharacter } from './story-context.js';
import { defineTaskKind } from './task-kind.js';
import { paragraph, type ReputationType } from './vocabulary.js';

export interface ReputationNarrationInput {
  npc: NamedCharacter;
  reputationType: ReputationType;
  /** 0–1 */
  oldScore: number;
  /** 0–1 */
  newScore: number;
  /** What changed it, e.g. "betrayed the harbourmaster". */
  cause?: string;
}

const output = z.object({ text: paragraph() });
export type ReputationNarrationOutput = z.infer<typeof output>;

export const reputationNarration = defineTaskKind<ReputationNarrationInput, typeof output>({
  output,
  instructions: [
    "You narrate how the town's opinion of a character has shifted.",
    'text: one to three sentences showing how people now speak of or treat them.',
  ].join('\n'),
  timeoutMs: 15_000,
  maxOutputChars: 1_200,
});
