import { z } from 'zod';
import { defineTaskKind } from './task-kind.js';
import { listItem, sentence, type TensionLevel } from './vocabulary.js';

export interface TensionManifestationsInput {
  level: TensionLevel;
  /** 0–1 */
  score: number;
  location: string;
  npcs: string[];
  conflicts: string[];
}

const output = z.object({
  manifestations: z.array(listItem()).min(1).max(4),
  atmosphere: sentence(),
});
export type TensionManifestationsOutput = z.infer<typeof output>;

export const tensionManifestations = defineTaskKind<TensionManifestationsInput, typeof output>({
  output,
  instructions: [
    'You describe how unspoken tension shows in a scene, in small visible details.',
    'manifestations: one to four short observations using the characters present. atmosphere: one sentence.',
  ].join('\n'),
  timeoutMs: 15_000,
  maxOutputChars: 1_200,
});
