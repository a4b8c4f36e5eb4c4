import type { GossipTopic } from '../../gateway/index.js';
import { contentHash } from '../domain/hash.js';
import { CACHE_TTL, cacheKeys } from '../domain/cache-contract.js';
import { REPUTATION_TYPES, type Alliance, type GossipItem, type SocialBundle } from '../domain/social.js';
import type { TaskContext } from '../slow-path/task-context.js';
import { implement, type TaskImplementation } from '../slow-path/task-implementation.js';
import { socialTasks } from './contracts.js';
import { SOCIAL_BUNDLE_FALLBACK } from './rules.js';

/**
 * Social tasks: gossip, the scene's social bundle, reputation narration and alliances. Gossip goes
 * to the scene's list (newest ten) whichever task wrote it.
 */

interface GossipRequest {
  sceneHash: string;
  about: number[];
  topic: GossipTopic;
  conflictId?: number;
  outcome?: string;
}

/**
 * Who carries it: anyone present who is not its subject, the keener gossips more often (chance in
 * proportion to the square of gossipTendency), so a town's talk has several voices. The draw is a
 * hash of the request, so the same request names the same speaker.
 */
function speakerFor(ctx: TaskContext, request: GossipRequest): string | undefined {
  const candidates = [...ctx.snapshot.npcs.values()].filter((npc) => !request.about.includes(npc.id)).sort((a, b) => a.id - b.id);
  const weights = candidates.map((npc) => Math.max(0.05, npc.gossipTendency) ** 2);
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  let draw = (parseInt(contentHash(JSON.stringify(request)).slice(0, 8), 16) / 0x1_0000_0000) * total;
  for (const [i, npc] of candidates.entries()) {
    draw -= weights[i]!;
    if (draw < 0) return npc.name;
  }
  return candidates.at(-1)?.name;
}

async function spreadGossip(ctx: TaskContext, request: GossipRequest): Promise<GossipItem> {
  const subjects = request.about.map((id) => ctx.npc(id));
  const speaker = speakerFor(ctx, request);
  const location = ctx.placeName(subjects.find((npc) => npc.location)?.location);
  const gossip = await ctx.generate('gossip', {
    about: subjects.map((npc) => ({ name: npc.name, role: npc.socialRole })),
    topic: request.topic,
    ...(speaker ? { speaker } : {}),
    ...(request.conflictId !== undefined ? { conflictTitle: ctx.conflictTitle(request.conflictId) } : {}),
    ...(request.outcome ? { outcome: request.outcome } : {}),
    ...(location ? { location } : {}),
  });
  const named = gossip.about.map((name) => ctx.npcIdByName(name)).filter((id) => id !== undefined);
  const item: GossipItem = {
    gossip_type: gossip.gossip_type,
    content: gossip.text,
    about: named.length > 0 ? named : request.about,
    spread_rate: gossip.spread,
    truthfulness: gossip.truth,
  };
  return item;
}

async function alliancesAmong(ctx: TaskContext, npcIds: number[]): Promise<Alliance[]> {
  const rows = await ctx.deps.store.activeAlliances(ctx.gameId, npcIds);
  return rows.map((row) => ({
    alliance_id: row.id,
    party1_id: row.party1Id,
    party2_id: row.party2Id,
    alliance_type: row.allianceType,
    ...(row.terms ? { terms: row.terms } : {}),
    is_secret: row.isSecret,
  }));
}

/** The first conflict both parties have a stake in: what their pact is about. */
function sharedConflictTitle(ctx: TaskContext, a: number, b: number): string | undefined {
  const conflictsOf = (npcId: number) => [...ctx.snapshot.stakeholders.values()].filter((s) => s.npcId === npcId).map((s) => s.conflictId);
  const shared = conflictsOf(a).find((conflictId) => conflictsOf(b).includes(conflictId));
  return shared === undefined ? undefined : ctx.conflictTitle(shared);
}

export const socialSlowPath: readonly TaskImplementation[] = [
  implement(
    socialTasks.generateBundle,
    async (payload, ctx) => {
      const present = payload.npcIds.filter((id) => ctx.snapshot.npcs.has(id));
      const gossip =
        present.length === 0 ? [] : [await spreadGossip(ctx, { sceneHash: payload.sceneHash, about: present.slice(0, 2), topic: 'scene' })];
      const bundle: SocialBundle = { gossip, reputation_status: 'ready', alliances: await alliancesAmong(ctx, present), status: 'ready' };
      // Under the version the request was made for: after an invalidation nobody reads it there.
      await ctx.deps.cache.setJson(
        cacheKeys.socialBundle(ctx.gameId, payload.sceneHash, payload.cacheVersion),
        bundle,
        CACHE_TTL.socialBundle,
      );
      for (const item of gossip) ctx.addReady('gossip', item.content, { npcId: item.about[0]! });
      return { status: 'written' };
    },
    {
      /** No gossip and no alliances, settled: the scene stops reading as `generating`. */
      async onFinalFailure(payload, { deps }) {
        const bundle: SocialBundle = { ...SOCIAL_BUNDLE_FALLBACK, status: 'ready' };
        await deps.cache.setJson(
          cacheKeys.socialBundle(payload.gameId, payload.sceneHash, payload.cacheVersion),
          bundle,
          CACHE_TTL.fallbackBundle,
        );
        return { visible: true };
      },
    },
  ),

  implement(socialTasks.generateGossip, async (payload, ctx) => {
    const item = await spreadGossip(ctx, {
      sceneHash: payload.sceneHash,
      about: payload.targetNpcIds,
      topic: payload.topic,
      ...(payload.conflictId !== undefined ? { conflictId: payload.conflictId } : {}),
      ...(payload.outcome ? { outcome: payload.outcome } : {}),
    });
    await ctx.complete(payload.contentId, item.content);
    return { status: 'written' };
  }),

  implement(socialTasks.narrateReputation, async (payload, ctx) => {
    const npc = ctx.npc(payload.npcId);
    const { text } = await ctx.generate('reputation_narration', {
      npc: { name: npc.name, role: npc.socialRole },
      reputationType: payload.reputationType,
      oldScore: payload.oldScore,
      newScore: payload.newScore,
    });
    await ctx.complete(payload.contentId, text);
    return { status: 'written' };
  }),

  implement(socialTasks.formAlliance, async (payload, ctx) => {
    const initiator = ctx.npc(payload.initiatorId);
    const target = ctx.npc(payload.targetId);
    const conflictTitle = sharedConflictTitle(ctx, initiator.id, target.id);
    const pact = await ctx.generate('alliance_terms', {
      initiator: { name: initiator.name, role: initiator.socialRole },
      target: { name: target.name, role: target.socialRole },
      reason: payload.reason,
      ...(conflictTitle ? { conflictTitle } : {}),
    });
    ctx.stage(
      ctx.deps.store.allianceInsert(ctx.gameId, {
        party1Id: initiator.id,
        party2Id: target.id,
        allianceType: pact.alliance_type,
        terms: { clauses: pact.terms, reason: payload.reason },
        isSecret: pact.is_secret,
      }),
    );
    const kind = pact.alliance_type.replaceAll('_', ' ');
    ctx.addReady(
      'alliance',
      `${initiator.name} and ${target.name} ${pact.is_secret ? 'quietly ' : ''}seal a ${kind}: ${pact.terms.join('; ')}.`,
      { npcId: initiator.id, npcName: initiator.name },
    );
    return { status: 'written' };
  }),
];
