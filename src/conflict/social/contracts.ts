import { z } from 'zod';
import { REPUTATION_TYPES } from '../../story/vocabulary.js';
import { CACHE_TTL } from '../domain/cache-contract.js';
import { defineTask } from '../tasks/task-contract.js';
import { id, made } from '../tasks/payload-fields.js';

/** The social subsystem's slow-path tasks: what its handlers dispatch and its workers run. */
export const socialTasks = {
  generateBundle: defineTask({
    name: 'social.generate_bundle',
    payload: z.object({
      ...made,
      sceneHash: z.string().min(1).max(64),
      cacheVersion: z.number().int().nonnegative(),
      npcIds: z.array(id).max(20),
    }),
    priority: 4,
    dedupe: (p) => `${p.gameId}:social_bundle:${p.sceneHash}`,
    dedupeMode: 'first',
    value: 'gossip',
    /** Seconds its result lives in the cache; a finished run is not repeated for longer than that. */
    resultTtlSeconds: CACHE_TTL.socialBundle,
  }),
  generateGossip: defineTask({
    name: 'social.generate_gossip',
    payload: z.object({
      ...made,
      sceneHash: z.string().min(1).max(64),
      targetNpcIds: z.array(id).min(1).max(6),
      topic: z.enum(['conflict_start', 'conflict_resolved', 'npc_reaction', 'scene']),
      conflictId: id.optional(),
      outcome: z.string().max(300).optional(),
    }),
    priority: 4,
    dedupe: (p) => `${p.gameId}:generate_gossip:${p.sceneHash}:${p.topic}:${[...p.targetNpcIds].sort((a, b) => a - b).join(',')}`,
    dedupeMode: 'first',
    value: 'gossip',
  }),
  narrateReputation: defineTask({
    name: 'social.narrate_reputation',
    payload: z.object({
      ...made,
      npcId: id,
      reputationType: z.enum(REPUTATION_TYPES),
      oldScore: z.number().min(0).max(1),
      newScore: z.number().min(0).max(1),
      timestamp: z.string().max(40),
    }),
    priority: 3,
    dedupe: (p) => `${p.gameId}:reputation_narration:${p.npcId}:${p.timestamp}`,
    dedupeMode: 'first',
    value: 'reputation',
    supersedable: true,
  }),
  formAlliance: defineTask({
    name: 'social.form_alliance',
    payload: z.object({ ...made, initiatorId: id, targetId: id, reason: z.string().max(80) }),
    priority: 4,
    dedupe: (p) => `${p.gameId}:form_alliance:${p.initiatorId}:${p.targetId}`,
    dedupeMode: 'first',
    value: 'essential',
  }),
};
