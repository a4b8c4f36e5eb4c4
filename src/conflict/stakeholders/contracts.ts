import { z } from 'zod';
import { PHASES } from '../../story/vocabulary.js';
import { CHOICE_TYPES } from '../domain/choice.js';
import { defineTask } from '../tasks/task-contract.js';
import { id, made } from '../tasks/payload-fields.js';

/** The stakeholders subsystem's slow-path tasks: what its handlers dispatch and its workers run. */
export const playerChoice = z.object({
  label: z.string().max(200),
  type: z.enum(CHOICE_TYPES),
  targetNpcId: id.optional(),
  conflictId: id.optional(),
});

export const stakeholderTasks = {
  generateAction: defineTask({
    name: 'stakeholders.generate_action',
    payload: z.object({
      ...made,
      stakeholderId: id,
      contextHash: z.string().length(16),
      sceneHash: z.string().max(64).optional(),
      priority: z.number().int().min(1).max(10).default(5),
    }),
    priority: 5,
    dedupe: (p) => `${p.gameId}:stakeholder_action:${p.stakeholderId}`,
    /** Latest wins per stakeholder: a newer decision request replaces a queued one. */
    dedupeMode: 'latest',
    value: 'action',
  }),
  generateReaction: defineTask({
    name: 'stakeholders.generate_reaction',
    payload: z.object({
      ...made,
      stakeholderId: id,
      eventId: z.string().min(1).max(80),
      choice: playerChoice,
    }),
    priority: 8,
    dedupe: (p) => `${p.gameId}:stakeholder_reaction:${p.stakeholderId}:${p.eventId}`,
    dedupeMode: 'first',
    value: 'reaction',
    supersedable: true,
  }),
  /**
   * A reaction written ahead, on idle workers, to a choice the player has not made yet: kept for the
   * game's current turn (`turn`, the player's choices so far) while the stakeholder's role holds.
   * The lowest priority, so it never runs ahead of work a player asked for.
   */
  anticipateReaction: defineTask({
    name: 'stakeholders.anticipate_reaction',
    payload: z.object({
      ...made,
      stakeholderId: id,
      role: z.string().max(40),
      phase: z.enum(PHASES),
      turn: z.number().int().nonnegative(),
      choiceId: z.string().min(1).max(40),
      choice: playerChoice,
    }),
    priority: 1,
    dedupe: (p) => `${p.gameId}:anticipate_reaction:${p.turn}:${p.choiceId}:${p.stakeholderId}`,
    dedupeMode: 'first',
    value: 'speculative',
  }),
  populateDetails: defineTask({
    name: 'stakeholders.populate_details',
    payload: z.object({ ...made, stakeholderId: id }),
    priority: 3,
    dedupe: (p) => `${p.gameId}:stakeholder_populate:${p.stakeholderId}`,
    dedupeMode: 'first',
    value: 'reputation',
  }),
  adaptRole: defineTask({
    name: 'stakeholders.adapt_role',
    payload: z.object({ ...made, stakeholderId: id, phase: z.enum(PHASES), contextHash: z.string().length(16) }),
    priority: 5,
    dedupe: (p) => `${p.gameId}:stakeholder_role:${p.stakeholderId}:${p.contextHash}`,
    dedupeMode: 'first',
    value: 'essential',
  }),
};
