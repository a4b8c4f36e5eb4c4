import type { TensionManifestationsOutput } from '../../gateway/index.js';
import { CACHE_TTL, cacheKeys } from '../domain/cache-contract.js';
import { TENSION_LEVELS, type TensionBundle, type TensionLevel } from '../domain/tension.js';
import type { TaskContext } from '../slow-path/task-context.js';
import { implement, type TaskImplementation } from '../slow-path/task-implementation.js';
import { tensionTasks } from './contracts.js';
import { sceneTension } from './hot-path.js';
import { TENSION_FALLBACK, atmosphereFor } from './rules.js';

/**
 * Tension tasks: the prose of a scene's tension (atmosphere, small visible signs) around the numbers
 * the rules compute, and the narration of an escalation.
 */

const SCENE_CAST = 6;

/** The scene's tension by the same rules the hot path reads it with. */
function currentTension(ctx: TaskContext) {
  return sceneTension(ctx);
}

function describeTension(ctx: TaskContext, level: TensionLevel, score: number): Promise<TensionManifestationsOutput> {
  const conflicts = ctx.snapshot.activeConflicts();
  return ctx.generate('tension_manifestations', {
    level,
    score,
    location: conflicts[0] ? ctx.locationOf(conflicts[0].id) : 'the town',
    npcs: [...ctx.snapshot.npcs.values()].map((npc) => npc.name).slice(0, SCENE_CAST),
    conflicts: conflicts.map((conflict) => conflict.title),
  });
}

export const tensionSlowPath: readonly TaskImplementation[] = [
  implement(
    tensionTasks.updateBundle,
    async (payload, ctx) => {
      const { score, level } = currentTension(ctx);
      const prose = await describeTension(ctx, level, score);
      const bundle: TensionBundle = {
        tension_level: level,
        tension_score: score,
        manifestations: prose.manifestations,
        atmosphere: prose.atmosphere,
        status: 'ready',
      };
      // Under the version the request was made for: after an invalidation nobody reads it there.
      await ctx.deps.cache.setJson(
        cacheKeys.tensionBundle(ctx.gameId, payload.sceneHash, payload.cacheVersion),
        bundle,
        CACHE_TTL.tensionBundle,
      );
      return { status: 'written' };
    },
    {
      /** The rule numbers and the level's one-word mood, settled: the scene stops reading as `generating`. */
      async onFinalFailure(payload, { snapshot, deps }) {
        if (!snapshot) return { visible: false };
        const { score, level } = sceneTension({ snapshot });
        const bundle: TensionBundle = {
          ...TENSION_FALLBACK,
          tension_level: level,
          tension_score: score,
          atmosphere: atmosphereFor(level),
          status: 'ready',
        };
        await deps.cache.setJson(
          cacheKeys.tensionBundle(payload.gameId, payload.sceneHash, payload.cacheVersion),
          bundle,
          CACHE_TTL.fallbackBundle,
        );
        return { visible: true };
      },
    },
  ),

  implement(tensionTasks.generateManifestations, async (payload, ctx) => {
    const level = payload.level;
    const { manifestations } = await describeTension(ctx, level, currentTension(ctx).score);
    await ctx.deps.cache.setJson(cacheKeys.manifestations(ctx.gameId, payload.sceneHash), manifestations, CACHE_TTL.manifestations);
    return { status: 'written' };
  }),

  implement(tensionTasks.narrateEscalation, async (payload, ctx) => {
    const { text } = await ctx.generate('escalation_narration', {
      conflict: ctx.conflictSnapshot(payload.conflictId),
      event: { type: payload.event.type },
      tensionScore: payload.event.score,
      stakeholders: ctx.stakeholderNames(payload.conflictId),
      location: ctx.locationOf(payload.conflictId),
    });
    await ctx.complete(payload.contentId, text);
    return { status: 'written' };
  }),
];
