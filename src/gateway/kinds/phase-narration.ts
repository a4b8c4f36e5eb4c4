import { z } from 'zod';
import type { ConflictSnapshot } from './story-context.js';
import { defineTaskKind } from './task-kind.js';
import { paragraph, type ConflictPhase, type TransitionType } from './vocabulary.js';

export interface PhaseNarrationInput {
  conflict: Omit<ConflictSnapshot, 'phase'>;
  /** null for the opening narration of a new conflict. */
  fromPhase: ConflictPhase | null;
  toPhase: ConflictPhase;
  transitionType: TransitionType;
  stakeholders: string[];
  location?: string;
}

const output = z.object({ text: paragraph() });
export type PhaseNarrationOutput = z.infer<typeof output>;

export const phaseNarration = defineTaskKind<PhaseNarrationInput, typeof output>({
  output,
  instructions: [
    'You narrate the moment a story conflict moves into a new phase.',
    'text: two to four sentences of prose that show the change through the named characters and the place.',
  ].join('\n'),
  timeoutMs: 20_000,
  maxOutputChars: 1_200,
});
