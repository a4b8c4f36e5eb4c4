import { z } from 'zod';
import { TURN_MAX_REACTORS } from '../../story/vocabulary.js';
import { playerChoice } from '../stakeholders/contracts.js';
import { REACTION_PRIORITY } from '../stakeholders/rules.js';
import { defineTask } from '../tasks/task-contract.js';
import { id, made, part } from '../tasks/payload-fields.js';

/** The turn's slow-path task: what `oneCallPerTurn` joins a turn's tasks into, and its worker runs. */
export const turnTasks = {
  /**
   * A player turn's reactions and narration, written by one model call (`turn_prose`). Each part is
   * the task that would write one item alone (`stakeholders.generate_reaction`,
   * `flow.narrate_phase_transition`, `flow.describe_beat`); each item keeps that task, so recovery
   * writes it alone. Worth what its most valuable part is worth: a reaction to the last choice.
   */
  writeTurn: defineTask({
    name: 'turn.write_turn',
    payload: z.object({
      ...made,
      /** The player's choice event the turn answers. */
      eventId: z.string().min(1).max(80),
      conflictId: id,
      choice: playerChoice,
      parts: z
        .array(part)
        .min(1)
        .max(TURN_MAX_REACTORS + 2),
    }),
    priority: REACTION_PRIORITY,
    dedupe: (p) => `${p.gameId}:turn:${p.eventId}`,
    dedupeMode: 'first',
    value: 'reaction',
  }),
};
