import { randomUUID } from 'node:crypto';
import { CACHE_TTL, cacheKeys, type CachedCanonRecord, type CanonReference } from '../domain/cache-contract.js';
import { contentHash } from '../domain/hash.js';
import { EVENT_PRIORITY } from '../domain/priorities.js';
import type { LoreCheckResult } from '../domain/canon.js';
import { systemEvent, type SystemEvent } from '../engine/events.js';
import { dispatchContent } from '../engine/content-dispatch.js';
import type { HandlerContext } from '../engine/handler-context.js';
import type { EventHandlers } from '../engine/synthesizer.js';
import { canonTasks } from './contracts.js';
import { loreCheckContent, lorePlaceholder, resolutionCanonCheck, shouldCanonize, significanceScore } from './rules.js';

/**
 * Canon on the hot path: whether a resolved conflict becomes part of the world's history is a rule;
 * the record, its legend and what NPCs later say about it are written in the background. Reads go
 * cache → database → cache.
 */

export function canonFallbackText(title: string): string {
  return `The tale of “${title}” is still being told in the taverns; its final shape is not yet settled.`;
}

/** The latest canon record of a conflict: cache, then database (written back to the cache). */
export async function cachedCanonRecord(ctx: HandlerContext, conflictId: number): Promise<CachedCanonRecord | undefined> {
  const key = cacheKeys.canonRecord(ctx.snapshot.game.id, conflictId);
  const cached = await ctx.cache.getJson<CachedCanonRecord>(key);
  if (cached) return cached;
  const record = await ctx.store.latestCanonRecord(conflictId);
  if (!record) return undefined;
  await ctx.cache.setJson(key, record, CACHE_TTL.canonRecord);
  return record;
}

/** Cached references, or a dispatch to write them to the key read here. */
async function references(ctx: HandlerContext, conflictId: number): Promise<{ references: CanonReference[]; pending: boolean }> {
  const list = await ctx.cache.getJson<CanonReference[]>(cacheKeys.canonReferences(ctx.snapshot.game.id, conflictId), []);
  if (list.length > 0) return { references: list, pending: false };
  ctx.scope.dispatch(canonTasks.generateReferences, { gameId: ctx.snapshot.game.id, stateVersion: ctx.snapshot.version, conflictId });
  return { references: [], pending: true };
}

/** The fast lore check: a cached verdict, or an optimistic placeholder for 60 s while a worker checks. */
export async function checkLoreFast(ctx: HandlerContext, content: string, category = 'general'): Promise<LoreCheckResult> {
  const hash = contentHash(content);
  const key = cacheKeys.loreCheck(ctx.snapshot.game.id, category, hash);
  const cached = await ctx.cache.getJson<LoreCheckResult>(key);
  if (cached) return cached;
  const placeholder = lorePlaceholder();
  await ctx.cache.setJson(key, placeholder, CACHE_TTL.lorePlaceholder);
  ctx.scope.dispatch(canonTasks.checkLore, {
    gameId: ctx.snapshot.game.id,
    stateVersion: ctx.snapshot.version,
    content,
    category,
    contentHash: hash,
  });
  return placeholder;
}

export const canonHandlers: EventHandlers<HandlerContext> = {
  async conflict_created(event, ctx) {
    const conflict = ctx.snapshot.conflicts.get(event.payload.conflictId);
    if (!conflict) return;
    const location = ctx.snapshot.npc(event.payload.stakeholders[0]?.npcId ?? -1)?.location ?? 'the town';
    const verdict = await checkLoreFast(ctx, loreCheckContent({ type: conflict.type, location, participants: event.payload.stakeholders }));
    return { data: { isCompliant: verdict.is_compliant, suggestionsPending: verdict.needs_review ?? false } };
  },

  async conflict_resolved(event, ctx) {
    const { conflictId, intensity, playerInvolved, outcome, winnerNpcIds } = event.payload;
    const conflict = ctx.snapshot.conflicts.get(conflictId);
    if (!conflict) return;
    const flow = ctx.snapshot.flows.get(conflictId);
    const significance = significanceScore({
      conflictType: conflict.type,
      stakeholderCount: ctx.snapshot.stakeholdersOf(conflictId).length,
      progress: Math.round((flow?.phaseProgress ?? 0) * 100),
      alreadyReferenced: false,
    });
    if (!shouldCanonize({ intensity, significance, playerInvolved })) {
      return { data: { becameCanonical: false, reason: 'Not significant enough', significance } };
    }
    const existing = await cachedCanonRecord(ctx, conflictId);
    if (existing) {
      return {
        data: { becameCanonical: true, canonicalEvent: existing.name, significance },
        sideEffects: [
          systemEvent(
            'canon_established',
            event.gameId,
            { conflictId, name: existing.name || 'Unnamed Event', significance: existing.significanceScore ?? 0.5 },
            { priority: EVENT_PRIORITY.canonEstablished, source: 'canon' },
          ),
        ],
      };
    }
    dispatchContent(
      ctx,
      { kind: 'canon', fallbackText: canonFallbackText(conflict.title), subject: { conflictId } },
      canonTasks.canonizeConflict,
      { conflictId, requestId: randomUUID(), resolution: { outcome, winnerNpcIds, intensity }, significance },
    );
    return { data: { becameCanonical: false, pending: true, reason: 'Canonization queued', significance } };
  },

  /** Keyed on `toPhase`, the field the flow subsystem sends when a conflict enters resolution. */
  async phase_transition(event, ctx) {
    const flow = ctx.snapshot.flows.get(event.payload.conflictId);
    const check = resolutionCanonCheck({ toPhase: event.payload.toPhase, intensity: flow?.intensity ?? 0.5 });
    if (!check) return;
    return { data: { potentialCanon: check.potentialCanon, significance: check.significance } };
  },

  async state_sync(_event: SystemEvent<'state_sync'>, ctx) {
    let pending = 0;
    for (const conflict of ctx.snapshot.conflicts.values()) {
      if (conflict.status !== 'resolved' || !(await cachedCanonRecord(ctx, conflict.id))) continue;
      if ((await references(ctx, conflict.id)).pending) pending++;
    }
    return { data: { referencesPending: pending } };
  },
};
