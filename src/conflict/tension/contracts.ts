import { z } from 'zod';
import { TENSION_LEVELS } from '../../story/vocabulary.js';
import { CACHE_TTL } from '../domain/cache-contract.js';
import { defineTask } from '../tasks/task-contract.js';
import { id, made } from '../tasks/payload-fields.js';

/** The tension subsystem's slow-path tasks: what its handlers dispatch and its workers run. */
export const tensionTasks = {
  updateBundle: defineTask({
    name: 'tension.update_bundle',
    payload: z.object({ ...made, sceneHash: z.string().min(1).max(64), cacheVersion: z.number().int().nonnegative() }),
    priority: 3,
    dedupe: (p) => `${p.gameId}:tension_bundle:${p.sceneHash}`,
    dedupeMode: 'first',
    value: 'reputation',
    /** Seconds its result lives in the cache; a finished run is not repeated for longer than that. */
    resultTtlSeconds: CACHE_TTL.tensionBundle,
  }),
  generateManifestations: defineTask({
    name: 'tension.generate_manifestations',
    payload: z.object({ ...made, sceneHash: z.string().min(1).max(64), level: z.enum(TENSION_LEVELS) }),
    priority: 3,
    dedupe: (p) => `${p.gameId}:tension_manifestation:${p.sceneHash}:${p.level}`,
    dedupeMode: 'first',
    value: 'reputation',
    /** Seconds its result lives in the cache; a finished run is not repeated for longer than that. */
    resultTtlSeconds: CACHE_TTL.manifestations,
  }),
  narrateEscalation: defineTask({
    name: 'tension.narrate_escalation',
    payload: z.object({ ...made, conflictId: id, event: z.object({ type: z.string().max(40), score: z.number().min(0).max(1) }) }),
    priority: 5,
    dedupe: (p) => `${p.gameId}:tension_escalation:${p.conflictId}:${p.event.type}`,
    dedupeMode: 'first',
    value: 'narration',
    supersedable: true,
  }),
};
