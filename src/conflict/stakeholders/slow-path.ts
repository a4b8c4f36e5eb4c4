import type { RoleAdaptationTrigger, SceneSnapshot, StakeholderReactionOutput, StakeholderSnapshot } from '../../gateway/index.js';
import { PermanentTaskError } from '../../runtime/queue/task-errors.js';
import { PHASES, type ConflictFlow, type Phase } from '../domain/flow.js';
import type { StakeholderRecord } from '../store/game-snapshot.js';
import type { PlannedMove, TaskContext } from '../slow-path/task-context.js';
import { logger } from '../../observability/logger.js';
import { metrics } from '../../observability/metrics.js';
import { CACHE_TTL, cacheKeys, type AnticipatedReaction } from '../domain/cache-contract.js';
import type { ChoiceType } from '../domain/choice.js';
import type { PlannedActionKind } from '../store/schema/index.js';
import type { ParsedPayloadOf } from '../tasks/task-contract.js';
import { implement, type FinalFailure, type TaskImplementation } from '../slow-path/task-implementation.js';
import { stakeholderTasks } from './contracts.js';
import { BREAKING_POINT_STRESS, REACTION_PRIORITY, decisionContextHash, needsRoleAdaptation } from './rules.js';

/**
 * Stakeholder tasks: decisions, reactions and role changes are generated into
 * `planned_stakeholder_actions` for the hot path to claim; profiles enrich the stakeholder row.
 */

const log = logger.child({ module: 'stakeholder-workers' });

/** A plan not served within ten minutes no longer reads as what they do next. */
const ACTION_LIFETIME_MS = 10 * 60 * 1000;
const RECENT_EVENTS = 5;
/** Reactions kept per choice written ahead: a conflict's cast, with room for a rewrite. */
const REACTIONS_AHEAD_KEPT = 16;
const SCENE_CAST = 6;

export function stakeholderOf(ctx: TaskContext, stakeholderId: number): StakeholderRecord {
  const stakeholder = ctx.snapshot.stakeholders.get(stakeholderId);
  if (!stakeholder) throw new PermanentTaskError(`stakeholder ${stakeholderId} is not in game ${ctx.gameId}`);
  return stakeholder;
}

/** A stakeholder as a model is told about them. */
export function describe(ctx: TaskContext, stakeholder: StakeholderRecord): StakeholderSnapshot {
  const npc = ctx.npc(stakeholder.npcId);
  return {
    name: npc.name,
    role: stakeholder.role,
    decisionStyle: stakeholder.decisionStyle,
    stress: stakeholder.stress,
    commitment: stakeholder.commitment,
    traits: npc.traits,
  };
}

/** Where a stakeholder stands, and who else is there. */
export function sceneAround(ctx: TaskContext, stakeholder: StakeholderRecord): SceneSnapshot {
  const others = [...ctx.snapshot.npcs.values()].filter((npc) => npc.id !== stakeholder.npcId).map((npc) => npc.name);
  return {
    location: ctx.placeName(ctx.snapshot.npc(stakeholder.npcId)?.location) ?? ctx.locationOf(stakeholder.conflictId),
    others: others.slice(0, SCENE_CAST),
  };
}

/** The last lines of the story a player has read, for a model not to repeat them. */
export async function recentEvents(ctx: TaskContext): Promise<string[]> {
  const items = await ctx.recentItems(RECENT_EVENTS * 2);
  return items
    .filter((item) => item.status === 'ready')
    .map((item) => item.text)
    .slice(0, RECENT_EVENTS);
}

/** A stakeholder's reaction to a player's choice, as the model writes it: for the choice made, or ahead of it. */
async function generateReaction(ctx: TaskContext, stakeholder: StakeholderRecord, choice: { label: string; type: ChoiceType }) {
  return ctx.generate('stakeholder_reaction', {
    stakeholder: describe(ctx, stakeholder),
    conflict: ctx.conflictSnapshot(stakeholder.conflictId),
    scene: sceneAround(ctx, stakeholder),
    playerChoice: { label: choice.label, type: choice.type },
    recentEvents: await recentEvents(ctx),
  });
}

/**
 * A reaction to the player's choice, once written: the move the next state sync applies (its stress
 * and regard) and the line shown in the item the hot path opened. A reaction is keyed by the event
 * it answers, so each event gets one reaction per stakeholder.
 */
export function reactionResult(
  ctx: TaskContext,
  payload: ParsedPayloadOf<typeof stakeholderTasks.generateReaction>,
  reaction: StakeholderReactionOutput,
): { move: PlannedMove; line: { contentId: string | undefined; text: string } } {
  const stakeholder = stakeholderOf(ctx, payload.stakeholderId);
  return {
    move: {
      stakeholderId: stakeholder.id,
      conflictId: payload.choice.conflictId ?? stakeholder.conflictId,
      kind: 'reaction',
      payload: reaction,
      priority: REACTION_PRIORITY,
      contextHash: payload.eventId,
      stateVersion: payload.stateVersion,
    },
    line: { contentId: payload.contentId, text: namedLine(ctx.snapshot.npcName(stakeholder.npcId), reaction.description) },
  };
}

/** The hot path hashes a conflict without a flow as emerging; so must we. */
function phaseOf(flow: ConflictFlow | undefined): Phase {
  return flow?.phase ?? 'emerging';
}

/** A feed line must stand alone: models usually name the character, and when they do not, we do. */
function namedLine(name: string, description: string): string {
  return description.includes(name) ? description : `${name}: ${description}`;
}

function adaptationTrigger(stakeholder: StakeholderRecord, phase: Phase): RoleAdaptationTrigger {
  if (stakeholder.stress >= BREAKING_POINT_STRESS) return 'breaking_point';
  if (stakeholder.role === 'bystander' && phase === 'climax') return 'bystander_at_climax';
  if (stakeholder.role === 'escalator' && phase === 'resolution') return 'escalator_at_resolution';
  return 'high_stress';
}

/**
 * A generation that failed for good leaves a failed planned row, so the failure is on record next
 * to the successes. The stakeholder may be gone with its game; there is then nothing to record.
 */
async function recordFailedPlan(
  { deps, error }: FinalFailure,
  payload: { gameId: string; stakeholderId: number; stateVersion: number },
  kind: PlannedActionKind,
  contextHash: string,
): Promise<{ visible: boolean }> {
  await deps.planned
    .recordFailure({
      gameId: payload.gameId,
      stakeholderId: payload.stakeholderId,
      kind,
      error,
      contextHash,
      stateVersion: payload.stateVersion,
    })
    .catch((insertError: unknown) => log.warn({ err: insertError, kind }, 'failed plan not recorded'));
  return { visible: false };
}

export const stakeholdersSlowPath: readonly TaskImplementation[] = [
  implement(
    stakeholderTasks.generateAction,
    async (payload, ctx) => {
      const stakeholder = stakeholderOf(ctx, payload.stakeholderId);
      // Checked before the model call: a decision for a context that already passed is never served.
      if (decisionContextHash(stakeholder, phaseOf(ctx.snapshot.flows.get(stakeholder.conflictId))) !== payload.contextHash) {
        return { status: 'stale', reason: 'decision context changed before generation' };
      }
      const decision = await ctx.generate('stakeholder_action', {
        stakeholder: describe(ctx, stakeholder),
        conflict: ctx.conflictSnapshot(stakeholder.conflictId),
        scene: sceneAround(ctx, stakeholder),
        recentEvents: await recentEvents(ctx),
      });
      // The game moves on while the model thinks; a plan for a context that passed is kept as expired.
      const flow = await ctx.currentFlow(stakeholder.conflictId);
      const current = decisionContextHash(stakeholder, phaseOf(flow)) === payload.contextHash;
      ctx.plan({
        stakeholderId: stakeholder.id,
        sceneHash: payload.sceneHash ?? null,
        conflictId: stakeholder.conflictId,
        kind: 'action',
        payload: {
          ...decision,
          // The hot path reads a numeric target as the NPC acted upon.
          target: (decision.target !== null ? ctx.npcIdByName(decision.target) : undefined) ?? decision.target,
          text: namedLine(ctx.snapshot.npcName(stakeholder.npcId), decision.description),
        },
        status: current ? 'ready' : 'expired',
        priority: payload.priority,
        contextHash: payload.contextHash,
        stateVersion: payload.stateVersion,
        expiresAt: new Date(Date.now() + ACTION_LIFETIME_MS),
      });
      return current ? { status: 'written' } : { status: 'stale', reason: 'decision context changed during generation' };
    },
    {
      onFinalFailure: (payload, failure) => recordFailedPlan(failure, payload, 'action', payload.contextHash),
    },
  ),

  implement(
    stakeholderTasks.generateReaction,
    async (payload, ctx) => {
      const reaction = await generateReaction(ctx, stakeholderOf(ctx, payload.stakeholderId), payload.choice);
      const { move, line } = reactionResult(ctx, payload, reaction);
      ctx.plan(move);
      await ctx.complete(line.contentId, line.text);
      return { status: 'written' };
    },
    {
      onFinalFailure: (payload, failure) => recordFailedPlan(failure, payload, 'reaction', payload.eventId),
    },
  ),

  implement(stakeholderTasks.anticipateReaction, async (payload, ctx) => {
    const stakeholder = stakeholderOf(ctx, payload.stakeholderId);
    // Checked before the model call: the choice is offered for this turn and phase, to this role.
    const moved =
      ctx.snapshot.turn !== payload.turn ||
      phaseOf(ctx.snapshot.flows.get(stakeholder.conflictId)) !== payload.phase ||
      stakeholder.role !== payload.role;
    if (moved) {
      metrics.reactionsAhead.inc({ outcome: 'stale' });
      return { status: 'stale', reason: 'the turn, phase or role moved on before the reaction was written ahead' };
    }
    const reaction = await generateReaction(ctx, stakeholder, payload.choice);
    const ahead: AnticipatedReaction = {
      stakeholderId: stakeholder.id,
      role: payload.role,
      reaction,
      text: namedLine(ctx.snapshot.npcName(stakeholder.npcId), reaction.description),
    };
    const key = cacheKeys.reactionsAhead(ctx.gameId, payload.turn, payload.choiceId);
    await ctx.deps.cache.pushToList(key, ahead, REACTIONS_AHEAD_KEPT, CACHE_TTL.reactionsAhead);
    metrics.reactionsAhead.inc({ outcome: 'written' });
    return { status: 'kept' };
  }),

  implement(stakeholderTasks.populateDetails, async (payload, ctx) => {
    const stakeholder = stakeholderOf(ctx, payload.stakeholderId);
    const profile = await ctx.generate('stakeholder_profile', {
      stakeholder: { ...describe(ctx, stakeholder), description: ctx.npc(stakeholder.npcId).description },
      conflict: ctx.conflictSnapshot(stakeholder.conflictId),
    });
    ctx.stage(ctx.deps.store.stakeholderProfileUpdate(stakeholder.id, profile));
    return { status: 'written' };
  }),

  implement(
    stakeholderTasks.adaptRole,
    async (payload, ctx) => {
      const stakeholder = stakeholderOf(ctx, payload.stakeholderId);
      const phase = payload.phase;
      if (!needsRoleAdaptation(stakeholder, phase)) return { status: 'stale', reason: 'the role fits again' };
      const adaptation = await ctx.generate('role_adaptation', {
        stakeholder: describe(ctx, stakeholder),
        conflict: { ...ctx.conflictSnapshot(stakeholder.conflictId), phase },
        trigger: adaptationTrigger(stakeholder, phase),
      });
      ctx.plan({
        stakeholderId: stakeholder.id,
        conflictId: stakeholder.conflictId,
        kind: 'role_adaptation',
        payload: { new_role: adaptation.new_role, reason: adaptation.reason },
        contextHash: payload.contextHash,
        stateVersion: payload.stateVersion,
      });
      return { status: 'written' };
    },
    {
      onFinalFailure: (payload, failure) => recordFailedPlan(failure, payload, 'role_adaptation', payload.contextHash),
    },
  ),
];
