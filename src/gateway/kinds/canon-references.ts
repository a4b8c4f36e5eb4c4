import { z } from 'zod';
import type { NamedCharacter } from './story-context.js';
import { defineTaskKind } from './task-kind.js';
import { name, sentence, type CanonEventType } from './vocabulary.js';

export interface CanonReferencesInput {
  event: { name: string; canonText: string; eventType?: CanonEventType };
  /** Who might mention it; references name these characters. */
  npcs: NamedCharacter[];
  context: 'casual' | 'formal';
}

const output = z.object({
  references: z
    .array(z.object({ npc: name(), text: sentence() }))
    .min(1)
    .max(5),
});
export type CanonReferencesOutput = z.infer<typeof output>;

export const canonReferences = defineTaskKind<CanonReferencesInput, typeof output>({
  output,
  instructions: [
    'You write lines of dialogue in which characters mention a canonical event of the town.',
    'references: one to five entries; npc is a name from the data, text is what they say aloud.',
  ].join('\n'),
  timeoutMs: 20_000,
  maxOutputChars: 2_000,
});
