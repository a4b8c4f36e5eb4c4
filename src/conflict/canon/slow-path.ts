import type { CanonRecordOutput } from '../../gateway/index.js';
import { PermanentTaskError } from '../../runtime/queue/task-errors.js';
import { CACHE_TTL, cacheKeys, type CanonReference } from '../domain/cache-contract.js';
import { CANON_EVENT_TYPES, type LoreCheckResult } from '../domain/canon.js';
import type { TaskContext } from '../slow-path/task-context.js';
import { implement, type TaskImplementation } from '../slow-path/task-implementation.js';
import { canonTasks } from './contracts.js';
import { canonTags } from './rules.js';

/**
 * Canon tasks: a resolved conflict's chronicle (record, ledger event, cache), what NPCs later say
 * about it (written to the key the hot path reads), and lore checks.
 */

/** Who may mention an event: its stakeholders first, then whoever else is about. */
const REFERENCE_SPEAKERS = 5;
/** Canon texts a lore check compares against; the newest first. */
const KNOWN_CANON = 8;

async function chronicle(ctx: TaskContext, conflictId: number, resolution: { outcome: string; winnerNpcIds: number[]; intensity: number }) {
  const conflict = ctx.snapshot.conflicts.get(conflictId);
  if (!conflict) throw new PermanentTaskError(`conflict ${conflictId} is not in game ${ctx.gameId}`);
  const stakeholders = ctx.snapshot.stakeholdersOf(conflictId);
  const winners = new Set(resolution.winnerNpcIds);
  return ctx.generate('canon_record', {
    conflict: {
      title: conflict.title,
      type: conflict.type,
      intensity: resolution.intensity,
      stakeholders: stakeholders.map((s) => ({ name: ctx.snapshot.npcName(s.npcId), role: s.role })),
    },
    resolution: {
      outcome: resolution.outcome,
      winners: resolution.winnerNpcIds.map((id) => ctx.snapshot.npcName(id)),
      losers: winners.size === 0 ? [] : stakeholders.filter((s) => !winners.has(s.npcId)).map((s) => ctx.snapshot.npcName(s.npcId)),
    },
    location: ctx.locationOf(conflictId),
  });
}

function speakersOf(ctx: TaskContext, conflictId: number) {
  const involved = ctx.snapshot.stakeholdersOf(conflictId).map((s) => s.npcId);
  const others = [...ctx.snapshot.npcs.keys()].filter((id) => !involved.includes(id));
  return [...involved, ...others].slice(0, REFERENCE_SPEAKERS).map((id) => ({ name: ctx.npc(id).name }));
}

export const canonSlowPath: readonly TaskImplementation[] = [
  implement(canonTasks.canonizeConflict, async (payload, ctx) => {
    const { conflictId } = payload;
    const generated = await chronicle(ctx, conflictId, payload.resolution);
    // The ledger is idempotent on the request id, so a retry after a partial run reuses what the
    // first attempt recorded instead of writing a second canon.
    const entry = await ctx.deps.canon.apply(ctx.gameId, payload.requestId, {
      conflictId,
      resolution: payload.resolution,
      record: generated,
    });
    const record = entry.replayed ? (entry.payload.record as CanonRecordOutput) : generated;
    const existing = entry.replayed ? await ctx.deps.store.latestCanonRecord(conflictId) : undefined;
    if (!existing) {
      const eventType = record.event_type;
      const conflictType = ctx.snapshot.conflicts.get(conflictId)!.type;
      await ctx.insertCanonRecord({
        conflictId,
        eventType,
        name: record.name,
        canonText: record.canon_text,
        // The rule's score decides canon; the model's opinion of its own story does not.
        significanceScore: payload.significance,
        culturalImpact: record.cultural_impact,
        tags: canonTags({ eventType, conflictType, conflictId, createsPrecedent: eventType === 'historical_precedent' }),
      });
    }
    const row = existing ?? (await ctx.deps.store.latestCanonRecord(conflictId))!;
    await ctx.deps.cache.setJson(cacheKeys.canonRecord(ctx.gameId, conflictId), row, CACHE_TTL.canonRecord);
    await ctx.complete(payload.contentId, row.canonText ?? record.canon_text);
    await ctx.dispatcher.dispatch(canonTasks.generateReferences, { gameId: ctx.gameId, stateVersion: payload.stateVersion, conflictId });
    return { status: 'written' };
  }),

  implement(canonTasks.generateReferences, async (payload, ctx) => {
    const cacheKey = cacheKeys.canonReferences(ctx.gameId, payload.conflictId);
    // The feed is the record of what was said; the cache only mirrors it. After a cache loss the
    // references are read back, not spoken (and paid for) a second time.
    const spokenBefore = await ctx.deps.feed.ofConflict(ctx.gameId, 'reference', payload.conflictId);
    if (spokenBefore.length > 0) {
      const restored: CanonReference[] = spokenBefore.map((item) => ({
        npcId: Number(item.subject.npcId),
        npcName: String(item.subject.npcName),
        text: String(item.subject.quote ?? item.text),
      }));
      await ctx.deps.cache.setJson(cacheKey, restored, CACHE_TTL.canonReferences);
      return { status: 'stale', reason: 'references were already spoken; the cache was restored from the feed' };
    }
    const row = await ctx.deps.store.latestCanonRecord(payload.conflictId);
    if (!row) throw new PermanentTaskError(`conflict ${payload.conflictId} has no canon record to refer to`);
    const { references } = await ctx.generate('canon_references', {
      event: { name: row.name, canonText: row.canonText ?? row.name, eventType: row.eventType },
      npcs: speakersOf(ctx, payload.conflictId),
      context: 'casual',
    });
    const spoken: CanonReference[] = references.flatMap((reference) => {
      const npcId = ctx.npcIdByName(reference.npc);
      return npcId === undefined ? [] : [{ npcId, npcName: reference.npc, text: reference.text }];
    });
    // Retryable: another answer may name characters of this game.
    if (spoken.length === 0) throw new Error('no reference was spoken by a character of this game');
    await ctx.deps.cache.setJson(cacheKey, spoken, CACHE_TTL.canonReferences);
    for (const reference of spoken) {
      // One reference per speaker and conflict, whatever runs this task again.
      ctx.addReady(
        'reference',
        `${reference.npcName}: “${reference.text}”`,
        { npcId: reference.npcId, npcName: reference.npcName, conflictId: payload.conflictId, quote: reference.text },
        `${ctx.gameId}:reference:${payload.conflictId}:${reference.npcId}`,
      );
    }
    return { status: 'written' };
  }),

  implement(canonTasks.checkLore, async (payload, ctx) => {
    const records = await ctx.deps.store.canonRecordsOf(ctx.gameId);
    const knownCanon = records.flatMap((record) => (record.canonText ? [record.canonText] : [])).slice(0, KNOWN_CANON);
    const verdict = await ctx.generate('lore_check', { content: payload.content, category: payload.category, knownCanon });
    const result: LoreCheckResult = {
      is_compliant: verdict.is_compliant,
      conflicts: verdict.conflicts,
      needs_review: !verdict.is_compliant,
      status: 'checked',
    };
    // Replaces the hot path's optimistic 60 s placeholder.
    await ctx.deps.cache.setJson(cacheKeys.loreCheck(ctx.gameId, payload.category, payload.contentHash), result, CACHE_TTL.loreResult);
    return { status: 'written' };
  }),
];
