import { z } from 'zod';
import type { ConflictSnapshot, SceneSnapshot, StakeholderSnapshot } from './story-context.js';
import { defineTaskKind } from './task-kind.js';
import { emotionalResponses, paragraph, reactionTypes } from './vocabulary.js';

export interface PlayerChoice {
  label: string;
  /** e.g. aggressive, confrontational, escalating, diplomatic, supportive. */
  type: string;
  /** What the player typed, if anything: untrusted. */
  text?: string;
}

export interface StakeholderReactionInput {
  stakeholder: StakeholderSnapshot;
  conflict: ConflictSnapshot;
  scene: SceneSnapshot;
  playerChoice: PlayerChoice;
  recentEvents: string[];
}

const output = z.object({
  reaction_type: z.enum(reactionTypes),
  emotional_response: z.enum(emotionalResponses),
  description: paragraph(),
  relationship_impact: z.number().min(-1).max(1),
  stress_impact: z.number().min(-0.3).max(0.3),
});
export type StakeholderReactionOutput = z.infer<typeof output>;

export const stakeholderReaction = defineTaskKind<StakeholderReactionInput, typeof output>({
  output,
  instructions: [
    "You decide how one character reacts to the player's choice in a story conflict.",
    'reaction_type and emotional_response must fit the character and the choice.',
    'description: one or two sentences of the visible reaction, naming the character.',
    "relationship_impact: -1 to 1, the change in the character's regard for the player. stress_impact: -0.3 to 0.3.",
  ].join('\n'),
  timeoutMs: 15_000,
  maxOutputChars: 1_500,
});
