import { z } from 'zod';
import { defineTaskKind } from './task-kind.js';
import { listItem } from './vocabulary.js';

export interface LoreCheckInput {
  /** The proposed content to check, e.g. "power struggle at the harbour with 3 participants". */
  content: string;
  category: string;
  /** Canon texts it must agree with. */
  knownCanon: string[];
}

const output = z.object({
  is_compliant: z.boolean(),
  conflicts: z.array(listItem()).max(5),
  suggestions: z.array(listItem()).max(5),
});
export type LoreCheckOutput = z.infer<typeof output>;

export const loreCheck = defineTaskKind<LoreCheckInput, typeof output>({
  output,
  instructions: [
    "You check proposed story content against the town's established canon.",
    'conflicts: each contradiction with canon, empty if none. suggestions: how to make the content fit.',
  ].join('\n'),
  timeoutMs: 20_000,
  maxOutputChars: 1_500,
});
