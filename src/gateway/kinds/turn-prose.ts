import { z } from 'zod';
import type { BeatProseInput } from './beat-prose.js';
import type { PhaseNarrationInput } from './phase-narration.js';
import type { PlayerChoice } from './stakeholder-reaction.js';
import type { ConflictSnapshot, SceneSnapshot, StakeholderSnapshot } from './story-context.js';
import { defineTaskKind } from './task-kind.js';
import { TURN_MAX_REACTORS } from '../../story/vocabulary.js';
import { emotionalResponses, name, paragraph, reactionTypes } from './vocabulary.js';

/**
 * Everything one player turn asks the model to write, in one call: the reaction of each character
 * who reacts to the choice and, when the choice moved the conflict into a new phase or set off a
 * dramatic beat, that narration too. The conflict, scene and recent lines are sent once instead of
 * once per piece.
 */
export interface TurnProseInput {
  conflict: ConflictSnapshot;
  scene: SceneSnapshot;
  playerChoice: PlayerChoice;
  recentEvents: string[];
  /** The characters who react, each answered by name in `reactions`. */
  reactors: StakeholderSnapshot[];
  /** The phase the conflict just entered; absent when it did not change. */
  phaseChange?: Pick<PhaseNarrationInput, 'fromPhase' | 'toPhase' | 'transitionType'>;
  /** The beat the choice set off; absent when there is none. */
  beat?: BeatProseInput['beat'];
}

const reaction = z.object({
  name: name(),
  reaction_type: z.enum(reactionTypes),
  emotional_response: z.enum(emotionalResponses),
  description: paragraph(),
  relationship_impact: z.number().min(-1).max(1),
  stress_impact: z.number().min(-0.3).max(0.3),
});

// Plain fields with null for "not asked", never optional ones: a JSON-schema grammar for a small
// model then always writes the same keys in the same order.
const output = z.object({
  reactions: z.array(reaction).max(TURN_MAX_REACTORS),
  phase_narration: paragraph().nullable(),
  beat: paragraph().nullable(),
});
export type TurnProseOutput = z.infer<typeof output>;

export const turnProse = defineTaskKind<TurnProseInput, typeof output>({
  output,
  instructions: [
    "You write what follows one player's choice in a story conflict.",
    'reactions: one entry for each character in reactors, in that order, with their name as given.',
    'For each: reaction_type and emotional_response fit the character and the choice; description is one or two sentences of the visible reaction, naming the character;',
    "relationship_impact: -1 to 1, the change in the character's regard for the player; stress_impact: -0.3 to 0.3.",
    'phase_narration: when phaseChange is given, two to four sentences showing the conflict move into its new phase through the named characters and the place; otherwise null.',
    'beat: when beat is given, two to four sentences of that dramatic beat (a revelation, betrayal, twist or quiet turning point, as its type says); otherwise null.',
  ].join('\n'),
  timeoutMs: 30_000,
  maxOutputChars: 6_000,
});
