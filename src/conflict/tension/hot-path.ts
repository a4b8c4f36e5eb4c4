import { BUNDLE_LOCK_TTL_MS, CACHE_TTL, cacheKeys } from '../domain/cache-contract.js';
import { tensionSceneHash } from '../domain/hash.js';
import type { TensionBundle } from '../domain/tension.js';
import { isLockBusy } from '../../runtime/locks/locks.js';
import { systemEvent, type SystemEvent } from '../engine/events.js';
import { dispatchContent } from '../engine/content-dispatch.js';
import type { HandlerContext } from '../engine/handler-context.js';
import type { StateContributions } from '../engine/game-state.js';
import type { EventHandlers } from '../engine/synthesizer.js';
import { tensionTasks } from './contracts.js';
import { TENSION_FALLBACK, atmosphereFor, shouldEscalate, tensionLevel, tensionScore } from './rules.js';

/**
 * Tension on the hot path: the score and level are arithmetic over the flows, computed on every
 * read; the bundle's prose (atmosphere, manifestations) and escalation narration are written in the
 * background under cache-first-with-lock.
 */

/** A change of this much in the scene's tension is an event the other subsystems react to. */
const TENSION_CHANGE_STEP = 0.1;
const MOMENTUM_OF_AN_ESCALATION = 0.5;

export function sceneTension(ctx: Pick<HandlerContext, 'snapshot'>): { score: number; level: TensionBundle['tension_level'] } {
  const active = ctx.snapshot.activeConflicts();
  const flows = active.map((c) => ctx.snapshot.flows.get(c.id)).filter((f) => f !== undefined);
  const avgIntensity = flows.length === 0 ? 0 : flows.reduce((sum, f) => sum + f.intensity, 0) / flows.length;
  const escalations = flows.filter((f) => f.momentum > MOMENTUM_OF_AN_ESCALATION).length;
  const score = tensionScore({ avgIntensity, activeConflicts: active.length, escalations });
  return { score, level: tensionLevel(score) };
}

function tensionScene(ctx: HandlerContext) {
  return tensionSceneHash({
    scene_id: ctx.snapshot.game.id,
    npcs_present: [...ctx.snapshot.npcs.keys()],
    conflict_ids: ctx.snapshot.activeConflicts().map((c) => c.id),
  });
}

/**
 * The cached bundle, else the rule numbers with the fallback prose and, unless `dispatchOnMiss` is
 * false (a plain read for the state view), one dispatch per scene.
 */
/**
 * What the cache held for a scene, per request: a state sync's tension handler and the state view
 * both ask, and the second ask would cost two more cache round trips for the same answer.
 */
const readInRequest = new WeakMap<HandlerContext, Map<string, { version: number; cached: TensionBundle | undefined }>>();

async function readBundle(ctx: HandlerContext, hash: string): Promise<{ version: number; cached: TensionBundle | undefined }> {
  let reads = readInRequest.get(ctx);
  if (!reads) readInRequest.set(ctx, (reads = new Map()));
  const earlier = reads.get(hash);
  if (earlier) return earlier;
  const gameId = ctx.snapshot.game.id;
  const version = await ctx.cache.version(cacheKeys.tensionBundleLabel(gameId));
  const read = { version, cached: await ctx.cache.getJson<TensionBundle>(cacheKeys.tensionBundle(gameId, hash, version)) };
  reads.set(hash, read);
  return read;
}

export async function tensionBundle(ctx: HandlerContext, { dispatchOnMiss = true } = {}): Promise<TensionBundle> {
  const gameId = ctx.snapshot.game.id;
  const hash = tensionScene(ctx);
  const { version, cached } = await readBundle(ctx, hash);
  const { score, level } = sceneTension(ctx);
  if (cached) return { ...cached, tension_score: score, tension_level: level };
  const fallback = { ...TENSION_FALLBACK, tension_score: score, tension_level: level, atmosphere: atmosphereFor(level) };
  if (!dispatchOnMiss) return fallback;
  const lock = await ctx.locks.tryLock(cacheKeys.tensionBundleLock(gameId, hash), BUNDLE_LOCK_TTL_MS);
  if (!isLockBusy(lock)) {
    ctx.scope.dispatch(tensionTasks.updateBundle, { gameId, stateVersion: ctx.snapshot.version, sceneHash: hash, cacheVersion: version });
  }
  return fallback;
}

/** Compares the scene's tension with the last reading and reports a real change as an event. */
async function tensionChange(ctx: HandlerContext): Promise<SystemEvent[]> {
  const gameId = ctx.snapshot.game.id;
  const key = cacheKeys.tensionLastScore(gameId);
  const previous = await ctx.cache.getJson<number>(key, 0);
  const { score } = sceneTension(ctx);
  if (Math.abs(score - previous) < TENSION_CHANGE_STEP) return [];
  await ctx.cache.setJson(key, score, CACHE_TTL.tensionBundle);
  return [systemEvent('tension_changed', gameId, { score, previousScore: previous }, { source: 'tension' })];
}

async function maybeEscalate(ctx: HandlerContext): Promise<boolean> {
  const gameId = ctx.snapshot.game.id;
  const { score } = sceneTension(ctx);
  const key = cacheKeys.tensionLastEscalation(gameId);
  const last = await ctx.cache.getJson<number | null>(key, null);
  if (!shouldEscalate(score, last, ctx.now())) return false;
  const hottest = ctx.snapshot
    .activeConflicts()
    .map((c) => ({ conflict: c, intensity: ctx.snapshot.flows.get(c.id)?.intensity ?? 0 }))
    .sort((a, b) => b.intensity - a.intensity)[0];
  if (!hottest) return false;
  await ctx.cache.setJson(key, ctx.now(), 24 * 3600);
  dispatchContent(
    ctx,
    {
      kind: 'escalation',
      fallbackText: `Tempers flare over ${hottest.conflict.title}; the whole town holds its breath.`,
      subject: { conflictId: hottest.conflict.id },
    },
    tensionTasks.narrateEscalation,
    { conflictId: hottest.conflict.id, event: { type: score > 0.9 ? 'boiling_over' : 'escalation', score } },
  );
  return true;
}

async function afterChange(ctx: HandlerContext) {
  const sideEffects = await tensionChange(ctx);
  const escalated = await maybeEscalate(ctx);
  return { data: { escalated }, sideEffects };
}

/** The tension part of the player's state: the cached bundle, or the rule numbers while it is written. */
export async function tensionView(ctx: HandlerContext): Promise<Pick<StateContributions, 'tension'>> {
  const bundle = await tensionBundle(ctx, { dispatchOnMiss: false });
  return { tension: { level: bundle.tension_level, score: bundle.tension_score, atmosphere: bundle.atmosphere, status: bundle.status } };
}

export const tensionHandlers: EventHandlers<HandlerContext> = {
  async state_sync(_event: SystemEvent<'state_sync'>, ctx) {
    const bundle = await tensionBundle(ctx);
    const gameId = ctx.snapshot.game.id;
    const hash = tensionScene(ctx);
    const manifestations = await ctx.cache.getJson<string[]>(cacheKeys.manifestations(gameId, hash), []);
    if (manifestations.length === 0 && bundle.tension_score >= 0.4) {
      ctx.scope.dispatch(tensionTasks.generateManifestations, {
        gameId,
        stateVersion: ctx.snapshot.version,
        sceneHash: hash,
        level: bundle.tension_level,
      });
    }
    return { data: { tensionLevel: bundle.tension_level, status: bundle.status } };
  },
  player_choice: (_event, ctx) => afterChange(ctx),
  conflict_updated: (_event, ctx) => afterChange(ctx),
  conflict_created: (_event, ctx) => afterChange(ctx),
  conflict_resolved: (_event, ctx) => afterChange(ctx),
};
