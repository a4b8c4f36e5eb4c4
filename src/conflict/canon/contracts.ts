import { z } from 'zod';
import { defineTask } from '../tasks/task-contract.js';
import { id, made } from '../tasks/payload-fields.js';

/** The canon subsystem's slow-path tasks: what its handlers dispatch and its workers run. */
export const canonTasks = {
  canonizeConflict: defineTask({
    name: 'canon.canonize_conflict',
    payload: z.object({
      ...made,
      conflictId: id,
      requestId: z.string().uuid(),
      resolution: z.object({ outcome: z.string().max(500), winnerNpcIds: z.array(id).max(20), intensity: z.number().min(0).max(1) }),
      significance: z.number().min(0).max(1),
    }),
    priority: 5,
    dedupe: (p) => `${p.gameId}:canonize:${p.conflictId}:${p.requestId}`,
    dedupeMode: 'first',
    value: 'essential',
  }),
  generateReferences: defineTask({
    name: 'canon.generate_references',
    payload: z.object({ ...made, conflictId: id }),
    priority: 3,
    dedupe: (p) => `${p.gameId}:canon_refs:${p.conflictId}`,
    dedupeMode: 'first',
    value: 'narration',
  }),
  checkLore: defineTask({
    name: 'canon.check_lore',
    payload: z.object({ ...made, content: z.string().min(1).max(1000), category: z.string().max(40), contentHash: z.string().length(16) }),
    priority: 2,
    dedupe: (p) => `${p.gameId}:lore_check:${p.category}:${p.contentHash}`,
    dedupeMode: 'first',
    value: 'lore',
  }),
};
