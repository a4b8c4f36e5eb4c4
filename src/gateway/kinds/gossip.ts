import { z } from 'zod';
import type { NamedCharacter } from './story-context.js';
import { defineTaskKind } from './task-kind.js';
import { gossipTypes, name, paragraph, ratio } from './vocabulary.js';

export type GossipTopic = 'conflict_start' | 'conflict_resolved' | 'npc_reaction' | 'scene';

export interface GossipInput {
  /** Who passes it on, if known. */
  speaker?: string;
  about: NamedCharacter[];
  topic: GossipTopic;
  conflictTitle?: string;
  /** For conflict_resolved: how it ended, e.g. "the guild won the harbour tolls". */
  outcome?: string;
  location?: string;
}

const output = z.object({
  gossip_type: z.enum(gossipTypes),
  text: paragraph(),
  about: z.array(name()).min(1).max(5),
  spread: ratio(),
  truth: ratio(),
});
export type GossipOutput = z.infer<typeof output>;

export const gossip = defineTaskKind<GossipInput, typeof output>({
  output,
  instructions: [
    'You write one piece of gossip that passes between townsfolk about the named characters.',
    'text: one or two sentences as it is whispered. about: the names it concerns (from the data).',
    'spread: 0 to 1, how fast it will travel. truth: 0 to 1, how much of it is true.',
  ].join('\n'),
  timeoutMs: 15_000,
  maxOutputChars: 1_200,
});
