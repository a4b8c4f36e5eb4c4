import { cacheKeys, BUNDLE_LOCK_TTL_MS } from '../domain/cache-contract.js';
import { sceneHash } from '../domain/hash.js';
import type { ReputationType, SocialBundle } from '../domain/social.js';
import { isLockBusy } from '../../runtime/locks/locks.js';
import type { SystemEvent } from '../engine/events.js';
import { dispatchContent } from '../engine/content-dispatch.js';
import { fallbackLine } from '../engine/fallback-lines.js';
import type { HandlerContext } from '../engine/handler-context.js';
import type { EventHandlers } from '../engine/synthesizer.js';
import { socialTasks } from './contracts.js';
import type { PayloadOf } from '../tasks/task-contract.js';
import {
  FALLBACK_GOSSIP,
  REPUTATION_DEFAULT,
  SOCIAL_BUNDLE_FALLBACK,
  actionReputationKind,
  applyReputationDelta,
  applyReputationTableA,
  reputationDeltasTableB,
  shouldNarrateReputationChange,
  shouldQueueSceneGossip,
  shouldSpreadGossip,
} from './rules.js';

/**
 * The social circle on the hot path. Reputation numbers change now, by the tables; gossip, the
 * scene's social bundle and reputation narration are written in the background. The bundle uses
 * cache-first-with-lock: on a miss one request takes the lock and dispatches, and the lock is kept
 * for its TTL (released right after dispatching, every miss while the worker was still running
 * would dispatch again).
 *
 * Reputation: the rules have two tables, A (in memory) and B (cached), for the same actions. Nyx has
 * one durable store (reputation_scores, mirrored to the `reputation:{npc}:{type}` keys): table B
 * drives stakeholder actions (it was the persisted one), table A's victory and defeat rows drive
 * resolutions (B has none).
 */

/** The scene a game shows: who is present and what they are caught up in. */
export function socialSceneHash(ctx: HandlerContext): string {
  const snapshot = ctx.snapshot;
  return sceneHash({
    game: snapshot.game.id,
    npcs: [...snapshot.npcs.keys()],
    conflicts: snapshot.activeConflicts().map((c) => [c.id, snapshot.flows.get(c.id)?.phase]),
  });
}

async function queueGossip(
  ctx: HandlerContext,
  payload: Omit<PayloadOf<typeof socialTasks.generateGossip>, 'gameId' | 'stateVersion' | 'contentId' | 'sceneHash'>,
): Promise<boolean> {
  const about = payload.targetNpcIds.map((id) => ctx.snapshot.npcName(id)).join(' and ');
  return dispatchContent(
    ctx,
    {
      kind: 'gossip',
      fallbackText: fallbackLine(ctx, 'gossip', [
        `${FALLBACK_GOSSIP.content} about ${about}.`,
        `Voices drop whenever talk turns to ${about}.`,
        `There is talk about ${about}, though nobody will say what.`,
        `A name or two goes round in whispers: ${about}.`,
      ]),
      subject: { npcId: payload.targetNpcIds[0]!, ...(payload.conflictId ? { conflictId: payload.conflictId } : {}) },
    },
    socialTasks.generateGossip,
    { ...payload, sceneHash: socialSceneHash(ctx) },
  );
}

/**
 * Scene gossip while the bundle is being written, at most once per scene per lock TTL (never
 * released, like the bundle's): every sync that asked would otherwise open an item, move the game's
 * version on for every player, and then drop the item as a duplicate of the job already queued.
 */
async function sceneGossipIsDue(ctx: HandlerContext): Promise<boolean> {
  const lock = await ctx.locks.tryLock(cacheKeys.sceneGossipLock(ctx.snapshot.game.id, socialSceneHash(ctx)), BUNDLE_LOCK_TTL_MS);
  return !isLockBusy(lock);
}

/** Moves one reputation score and says how far it moved. */
async function changeReputation(ctx: HandlerContext, npcId: number, type: ReputationType, next: number) {
  const old = ctx.snapshot.reputations.get(npcId)?.[type] ?? REPUTATION_DEFAULT;
  ctx.snapshot.setReputation(npcId, type, next);
  return { type, old, next };
}

async function narrateBiggestChange(
  ctx: HandlerContext,
  npcId: number,
  changes: Array<{ type: ReputationType; old: number; next: number }>,
) {
  const biggest = changes.sort((a, b) => Math.abs(b.next - b.old) - Math.abs(a.next - a.old))[0];
  if (!biggest || !shouldNarrateReputationChange(biggest.old, biggest.next)) return;
  const name = ctx.snapshot.npcName(npcId);
  const direction = biggest.next > biggest.old ? 'more' : 'less';
  dispatchContent(
    ctx,
    {
      kind: 'reputation',
      fallbackText: fallbackLine(ctx, 'reputation', [
        `People begin to think of ${name} as ${direction} ${biggest.type}.`,
        `Talk of ${name} shifts: ${direction} ${biggest.type} than before, some say.`,
        `Word goes round that ${name} is ${direction} ${biggest.type} than anyone supposed.`,
        `In more than one mouth, ${name} now sounds ${direction} ${biggest.type}.`,
      ]),
      subject: { npcId },
    },
    socialTasks.narrateReputation,
    {
      npcId,
      reputationType: biggest.type,
      oldScore: biggest.old,
      newScore: biggest.next,
      timestamp: new Date(ctx.now()).toISOString(),
    },
  );
}

/** Cache-first with lock: the cached bundle, else one dispatch per scene and the fallback. */
export async function sceneBundle(ctx: HandlerContext): Promise<SocialBundle> {
  const gameId = ctx.snapshot.game.id;
  const hash = socialSceneHash(ctx);
  const version = await ctx.cache.version(cacheKeys.socialBundleLabel(gameId));
  const cached = await ctx.cache.getJson<SocialBundle>(cacheKeys.socialBundle(gameId, hash, version));
  if (cached) return cached;
  const lock = await ctx.locks.tryLock(cacheKeys.socialBundleLock(gameId, hash), BUNDLE_LOCK_TTL_MS);
  if (!isLockBusy(lock)) {
    ctx.scope.dispatch(socialTasks.generateBundle, {
      gameId,
      stateVersion: ctx.snapshot.version,
      sceneHash: hash,
      cacheVersion: version,
      npcIds: [...ctx.snapshot.npcs.keys()].slice(0, 20),
    });
  }
  return { ...SOCIAL_BUNDLE_FALLBACK };
}

export const socialHandlers: EventHandlers<HandlerContext> = {
  async state_sync(_event: SystemEvent<'state_sync'>, ctx) {
    const bundle = await sceneBundle(ctx);
    const npcIds = [...ctx.snapshot.npcs.keys()];
    let gossipQueued = false;
    if (shouldQueueSceneGossip(npcIds.length, bundle.status, ctx.random) && (await sceneGossipIsDue(ctx))) {
      gossipQueued = await queueGossip(ctx, { targetNpcIds: npcIds.slice(0, 2), topic: 'scene' });
    }
    return { data: { socialBundleStatus: bundle.status, gossipCount: bundle.gossip.length, gossipQueued } };
  },

  async stakeholder_action(event, ctx) {
    const actor = ctx.snapshot.stakeholders.get(event.payload.stakeholderId);
    if (!actor) return;
    const kind = actionReputationKind(event.payload.actionType);
    if (kind === 'betray' || kind === 'support' || kind === 'oppose') {
      const current = ctx.snapshot.reputations.get(actor.npcId) ?? {};
      const changes = [];
      for (const [type, delta] of Object.entries(reputationDeltasTableB(kind)) as Array<[ReputationType, number]>) {
        changes.push(await changeReputation(ctx, actor.npcId, type, applyReputationDelta(current[type], delta)));
      }
      await narrateBiggestChange(ctx, actor.npcId, changes);
      return { data: { reputationChanged: kind } };
    }
    if (kind === 'ally' && event.payload.targetNpcId !== undefined) {
      ctx.scope.dispatch(socialTasks.formAlliance, {
        gameId: event.gameId,
        stateVersion: ctx.snapshot.version,
        initiatorId: actor.npcId,
        targetId: event.payload.targetNpcId,
        reason: 'mutual_benefit',
      });
      return { data: { allianceQueued: true } };
    }
  },

  async conflict_created(event, ctx) {
    const participants = event.payload.stakeholders.map((s) => s.npcId).slice(0, 2);
    if (participants.length === 0) return;
    const queued = await queueGossip(ctx, { targetNpcIds: participants, topic: 'conflict_start', conflictId: event.payload.conflictId });
    return { data: { gossipQueued: queued } };
  },

  async conflict_resolved(event, ctx) {
    const { conflictId, winnerNpcIds, outcome } = event.payload;
    const participants = ctx.snapshot.stakeholdersOf(conflictId).map((s) => s.npcId);
    const winners = new Set(winnerNpcIds);
    for (const npcId of participants) {
      if (winners.size === 0) break;
      const scores = applyReputationTableA(ctx.snapshot.reputations.get(npcId) ?? {}, winners.has(npcId) ? 'victory' : 'defeat');
      for (const [type, score] of Object.entries(scores) as Array<[ReputationType, number]>) {
        if (score !== ctx.snapshot.reputations.get(npcId)?.[type]) await changeReputation(ctx, npcId, type, score);
      }
    }
    const about = winnerNpcIds.length > 0 ? winnerNpcIds.slice(0, 2) : participants.slice(0, 2);
    if (about.length > 0) await queueGossip(ctx, { targetNpcIds: about, topic: 'conflict_resolved', conflictId, outcome });
    return { data: { winners: winnerNpcIds.length } };
  },

  /** Word of a reaction travels as far as the reacting NPC's tongue carries it; the gossip is written in the background. */
  async npc_reaction(event, ctx) {
    const npc = ctx.snapshot.npc(event.payload.npcId);
    if (!npc || !shouldSpreadGossip(FALLBACK_GOSSIP.truthfulness, npc.gossipTendency, ctx.random)) return;
    const queued = await queueGossip(ctx, {
      targetNpcIds: [npc.id],
      topic: 'npc_reaction',
      ...(event.payload.conflictId ? { conflictId: event.payload.conflictId } : {}),
    });
    return { data: { gossipQueued: queued } };
  },

  async player_choice(event, ctx) {
    if (event.payload.choiceType !== 'investigate') return;
    const targets = event.payload.targetNpcId ? [event.payload.targetNpcId] : [...ctx.snapshot.npcs.keys()].slice(0, 2);
    const queued = await queueGossip(ctx, {
      targetNpcIds: targets,
      topic: 'scene',
      ...(event.payload.conflictId ? { conflictId: event.payload.conflictId } : {}),
    });
    return { data: { gossipQueued: queued } };
  },
};
