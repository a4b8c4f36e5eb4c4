import { z } from 'zod';
import { BEAT_TYPES, PHASES } from '../../story/vocabulary.js';
import { defineTask } from '../tasks/task-contract.js';
import { id, made } from '../tasks/payload-fields.js';

/** The flow subsystem's slow-path tasks: what its handlers dispatch and its workers run. */
export const flowTasks = {
  narratePhaseTransition: defineTask({
    name: 'flow.narrate_phase_transition',
    payload: z.object({ ...made, conflictId: id, fromPhase: z.enum(PHASES).nullable(), toPhase: z.enum(PHASES) }),
    priority: 5,
    dedupe: (p) => `${p.gameId}:flow_transition:${p.conflictId}:${p.fromPhase}:${p.toPhase}`,
    dedupeMode: 'first',
    value: 'narration',
    supersedable: true,
  }),
  describeBeat: defineTask({
    name: 'flow.describe_beat',
    payload: z.object({
      ...made,
      conflictId: id,
      beat: z.object({ id: z.string().min(1).max(80), type: z.enum(BEAT_TYPES), impact: z.number().min(-1).max(1).optional() }),
    }),
    priority: 5,
    dedupe: (p) => `${p.gameId}:flow_beat:${p.conflictId}:${p.beat.type}:${p.beat.id}`,
    dedupeMode: 'first',
    value: 'narration',
  }),
};
