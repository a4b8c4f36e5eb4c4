import { z } from 'zod';
import { CACHE_TTL } from '../domain/cache-contract.js';

/**
 * The slow-path tasks, by name, with their payload schemas, priorities and dedupe keys. The hot path
 * dispatches them by name from here; workers attach the implementations (src/conflict/<subsystem>/
 * slow-path.ts). Keeping the contract in one module is what lets a web process dispatch without
 * importing any slow-path code.
 *
 * Every payload carries the game id and the state version it was made for, and a task that fills
 * a feed item carries the item's id. Decisions carry the context hash they were made for (a plan for
 * a superseded context is dropped, never served), and bundle tasks the cache version their key was
 * built on (a result that lands after an invalidation is written where no reader looks).
 */

const id = z.number().int().positive();
const gameId = z.string().min(1).max(64);
const made = {
  gameId,
  stateVersion: z.number().int().nonnegative(),
  contentId: z.string().min(1).max(80).optional(),
  /** Epoch ms of the dispatch, set by the dispatcher: the job timeline's queue time. */
  dispatchedAt: z.number().int().nonnegative().optional(),
};

export const taskContracts = {
  'stakeholders.generate_action': {
    payload: z.object({
      ...made,
      stakeholderId: id,
      contextHash: z.string().length(16),
      sceneHash: z.string().max(64).optional(),
      priority: z.number().int().min(1).max(10).default(5),
    }),
    priority: 5,
    dedupe: (p: { gameId: string; stakeholderId: number }) => `${p.gameId}:stakeholder_action:${p.stakeholderId}`,
    /** Latest wins per stakeholder: a newer decision request replaces a queued one. */
    dedupeMode: 'latest' as const,
  },
  'stakeholders.generate_reaction': {
    payload: z.object({
      ...made,
      stakeholderId: id,
      eventId: z.string().min(1).max(80),
      choice: z.object({
        label: z.string().max(200),
        type: z.string().max(40),
        targetNpcId: id.optional(),
        conflictId: id.optional(),
      }),
    }),
    priority: 8,
    dedupe: (p: { gameId: string; stakeholderId: number; eventId: string }) =>
      `${p.gameId}:stakeholder_reaction:${p.stakeholderId}:${p.eventId}`,
    dedupeMode: 'first' as const,
  },
  'stakeholders.populate_details': {
    payload: z.object({ ...made, stakeholderId: id }),
    priority: 3,
    dedupe: (p: { gameId: string; stakeholderId: number }) => `${p.gameId}:stakeholder_populate:${p.stakeholderId}`,
    dedupeMode: 'first' as const,
  },
  'stakeholders.adapt_role': {
    payload: z.object({ ...made, stakeholderId: id, phase: z.string().max(32), contextHash: z.string().length(16) }),
    priority: 5,
    dedupe: (p: { gameId: string; stakeholderId: number; contextHash: string }) =>
      `${p.gameId}:stakeholder_role:${p.stakeholderId}:${p.contextHash}`,
    dedupeMode: 'first' as const,
  },
  'flow.narrate_phase_transition': {
    payload: z.object({ ...made, conflictId: id, fromPhase: z.string().max(32).nullable(), toPhase: z.string().max(32) }),
    priority: 5,
    dedupe: (p: { gameId: string; conflictId: number; fromPhase: string | null; toPhase: string }) =>
      `${p.gameId}:flow_transition:${p.conflictId}:${p.fromPhase}:${p.toPhase}`,
    dedupeMode: 'first' as const,
  },
  'flow.describe_beat': {
    payload: z.object({
      ...made,
      conflictId: id,
      beat: z.object({ id: z.string().min(1).max(80), type: z.string().max(32), impact: z.number().min(-1).max(1).optional() }),
    }),
    priority: 5,
    dedupe: (p: { gameId: string; conflictId: number; beat: { id: string; type: string } }) =>
      `${p.gameId}:flow_beat:${p.conflictId}:${p.beat.type}:${p.beat.id}`,
    dedupeMode: 'first' as const,
  },
  'social.generate_bundle': {
    payload: z.object({ ...made, sceneHash: z.string().min(1).max(64), cacheVersion: z.number().int().nonnegative(), npcIds: z.array(id).max(20) }),
    priority: 4,
    dedupe: (p: { gameId: string; sceneHash: string }) => `${p.gameId}:social_bundle:${p.sceneHash}`,
    dedupeMode: 'first' as const,
    /** Seconds its result lives in the cache; a finished run is not repeated for longer than that. */
    resultTtlSeconds: CACHE_TTL.socialBundle,
  },
  'social.generate_gossip': {
    payload: z.object({
      ...made,
      sceneHash: z.string().min(1).max(64),
      targetNpcIds: z.array(id).min(1).max(6),
      topic: z.enum(['conflict_start', 'conflict_resolved', 'npc_reaction', 'scene']),
      conflictId: id.optional(),
      outcome: z.string().max(300).optional(),
    }),
    priority: 4,
    dedupe: (p: { gameId: string; sceneHash: string; targetNpcIds: number[]; topic: string }) =>
      `${p.gameId}:generate_gossip:${p.sceneHash}:${p.topic}:${[...p.targetNpcIds].sort((a, b) => a - b).join(',')}`,
    dedupeMode: 'first' as const,
  },
  'social.narrate_reputation': {
    payload: z.object({
      ...made,
      npcId: id,
      reputationType: z.string().max(32),
      oldScore: z.number().min(0).max(1),
      newScore: z.number().min(0).max(1),
      timestamp: z.string().max(40),
    }),
    priority: 3,
    dedupe: (p: { gameId: string; npcId: number; timestamp: string }) => `${p.gameId}:reputation_narration:${p.npcId}:${p.timestamp}`,
    dedupeMode: 'first' as const,
  },
  'social.form_alliance': {
    payload: z.object({ ...made, initiatorId: id, targetId: id, reason: z.string().max(80) }),
    priority: 4,
    dedupe: (p: { gameId: string; initiatorId: number; targetId: number }) => `${p.gameId}:form_alliance:${p.initiatorId}:${p.targetId}`,
    dedupeMode: 'first' as const,
  },
  'canon.canonize_conflict': {
    payload: z.object({
      ...made,
      conflictId: id,
      requestId: z.string().uuid(),
      resolution: z.object({ outcome: z.string().max(500), winnerNpcIds: z.array(id).max(20), intensity: z.number().min(0).max(1) }),
      significance: z.number().min(0).max(1),
    }),
    priority: 5,
    dedupe: (p: { gameId: string; conflictId: number; requestId: string }) => `${p.gameId}:canonize:${p.conflictId}:${p.requestId}`,
    dedupeMode: 'first' as const,
  },
  'canon.generate_references': {
    payload: z.object({ ...made, conflictId: id }),
    priority: 3,
    dedupe: (p: { gameId: string; conflictId: number }) => `${p.gameId}:canon_refs:${p.conflictId}`,
    dedupeMode: 'first' as const,
  },
  'canon.check_lore': {
    payload: z.object({ ...made, content: z.string().min(1).max(1000), category: z.string().max(40), contentHash: z.string().length(16) }),
    priority: 2,
    dedupe: (p: { gameId: string; category: string; contentHash: string }) => `${p.gameId}:lore_check:${p.category}:${p.contentHash}`,
    dedupeMode: 'first' as const,
  },
  'tension.update_bundle': {
    payload: z.object({ ...made, sceneHash: z.string().min(1).max(64), cacheVersion: z.number().int().nonnegative() }),
    priority: 3,
    dedupe: (p: { gameId: string; sceneHash: string }) => `${p.gameId}:tension_bundle:${p.sceneHash}`,
    dedupeMode: 'first' as const,
    /** Seconds its result lives in the cache; a finished run is not repeated for longer than that. */
    resultTtlSeconds: CACHE_TTL.tensionBundle,
  },
  'tension.generate_manifestations': {
    payload: z.object({ ...made, sceneHash: z.string().min(1).max(64), level: z.string().max(20) }),
    priority: 3,
    dedupe: (p: { gameId: string; sceneHash: string; level: string }) => `${p.gameId}:tension_manifestation:${p.sceneHash}:${p.level}`,
    dedupeMode: 'first' as const,
    /** Seconds its result lives in the cache; a finished run is not repeated for longer than that. */
    resultTtlSeconds: CACHE_TTL.manifestations,
  },
  'tension.narrate_escalation': {
    payload: z.object({ ...made, conflictId: id, event: z.object({ type: z.string().max(40), score: z.number().min(0).max(1) }) }),
    priority: 5,
    dedupe: (p: { gameId: string; conflictId: number; event: { type: string } }) =>
      `${p.gameId}:tension_escalation:${p.conflictId}:${p.event.type}`,
    dedupeMode: 'first' as const,
  },
} as const;

export type TaskName = keyof typeof taskContracts;
export type TaskPayload<N extends TaskName> = z.input<(typeof taskContracts)[N]['payload']>;
export type ParsedTaskPayload<N extends TaskName> = z.output<(typeof taskContracts)[N]['payload']>;

/** Kinds the engine may defer or skip in degraded mode; reactions and actions keep flowing. */
export const NON_CRITICAL_TASKS: ReadonlySet<TaskName> = new Set<TaskName>([
  'flow.narrate_phase_transition',
  'flow.describe_beat',
  'social.generate_bundle',
  'social.generate_gossip',
  'social.narrate_reputation',
  'tension.update_bundle',
  'tension.generate_manifestations',
  'tension.narrate_escalation',
  'stakeholders.populate_details',
  'canon.check_lore',
]);
