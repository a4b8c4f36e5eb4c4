import { LRUCache } from 'lru-cache';
import type { PlannedAction } from '../store/planned-actions.js';
import { EVENT_PRIORITY } from '../domain/priorities.js';
import type { DecisionStyle, StakeholderDecision, StakeholderReaction, StakeholderRole } from '../domain/stakeholder.js';
import { CACHE_TTL, cacheKeys, type AnticipatedReaction } from '../domain/cache-contract.js';
import { metrics } from '../../observability/metrics.js';
import { isLockBusy } from '../../runtime/locks/locks.js';
import { offeredChoices } from '../engine/state-view.js';
import { systemEvent, type SystemEvent } from '../engine/events.js';
import { addReadyContent, dispatchContent } from '../engine/content-dispatch.js';
import { fallbackLine } from '../engine/fallback-lines.js';
import type { HandlerContext } from '../engine/handler-context.js';
import type { StakeholderRecord } from '../store/game-snapshot.js';
import type { EventHandlers } from '../engine/synthesizer.js';
import { stakeholderTasks } from './contracts.js';
import {
  CREATION_DEFAULTS,
  REACTION_PRIORITY,
  actionPriority,
  applyBreakingPoint,
  applyReaction,
  autonomyRested,
  decisionContextHash,
  initialRole,
  needsRoleAdaptation,
  passesAutonomyRoll,
  selectActingStakeholders,
  selectReactors,
  shouldDispatchActionGeneration,
  stressAfterChoice,
  stressAfterTension,
} from './rules.js';

/**
 * Stakeholders on the hot path: query-then-dispatch. Decisions and reactions are generated in the
 * background into `planned_stakeholder_actions`; a state sync claims the ready ones exactly once and
 * applies them, and dispatches generation for stakeholders that have nothing ready.
 */

function reactionFallbackText(ctx: HandlerContext, name: string): string {
  return fallbackLine(ctx, 'reaction', [
    `${name} watches you, weighing a reply.`,
    `${name} takes your measure in silence.`,
    `For now, ${name} only looks at you, and says nothing yet.`,
    `You feel the eyes of ${name} on you; an answer is coming.`,
  ]);
}

/**
 * Stakeholders whose missing profile this process asked for lately, so a sync asks again at most
 * once per PROFILE_ASK_EVERY_MS (its first ask may have been shed under load; asking again is how
 * it lands once the slow path has room). In memory: a restart only makes it ask sooner.
 */
const PROFILE_ASK_EVERY_MS = 10_000;
const profileAsked = new LRUCache<string, true>({ max: 50_000, ttl: PROFILE_ASK_EVERY_MS });

function askForProfile(ctx: HandlerContext, stakeholder: StakeholderRecord): void {
  const key = `${ctx.snapshot.game.id}:${stakeholder.id}`;
  if (profileAsked.has(key)) return;
  profileAsked.set(key, true);
  ctx.scope.dispatch(stakeholderTasks.populateDetails, {
    gameId: ctx.snapshot.game.id,
    stateVersion: ctx.snapshot.version,
    stakeholderId: stakeholder.id,
  });
}

/** Planned moves claimed per state sync: enough for a crowded scene, small enough to stay one quick query. */
const CLAIM_BATCH = 10;

function dispatchDecision(ctx: HandlerContext, stakeholder: StakeholderRecord): boolean {
  const flow = ctx.snapshot.flows.get(stakeholder.conflictId);
  return ctx.scope.dispatch(
    stakeholderTasks.generateAction,
    {
      gameId: ctx.snapshot.game.id,
      stateVersion: ctx.snapshot.version,
      stakeholderId: stakeholder.id,
      contextHash: decisionContextHash(stakeholder, flow?.phase ?? 'emerging'),
      priority: actionPriority(stakeholder),
    },
    { priority: actionPriority(stakeholder) },
  );
}

/** Several wordings, so a game where many break does not read the same line each time. */
function breakingPointLine(ctx: HandlerContext, name: string): string {
  return fallbackLine(ctx, 'role', [
    `${name} has reached a breaking point and steps back from the quarrel.`,
    `${name} has had enough, and walks away from all of it.`,
    `Something in ${name} gives way; they want no more part in this.`,
    `${name} falls silent, spent, and leaves the quarrel to others.`,
    `It is too much for ${name}, who steps aside before it breaks them.`,
  ]);
}

/** Applies a stress change, and the breaking point when it is reached (an edge-case side effect). */
function setStress(ctx: HandlerContext, stakeholder: StakeholderRecord, stress: number, effects: SystemEvent[]): void {
  const { stakeholder: next, broke } = applyBreakingPoint({ ...stakeholder, stress });
  ctx.snapshot.updateStakeholder(stakeholder.id, { stress: next.stress, role: next.role, commitment: next.commitment });
  if (broke) {
    effects.push(
      systemEvent(
        'edge_case_detected',
        ctx.snapshot.game.id,
        { kind: 'stakeholder_breaking_point', stakeholderId: stakeholder.id, conflictId: stakeholder.conflictId },
        { priority: EVENT_PRIORITY.breakingPoint, source: 'stakeholders' },
      ),
    );
  }
}

/** What a stakeholder's reaction does to the game: their stress moves, and other subsystems hear of it. */
function applyReactionEffects(
  ctx: HandlerContext,
  stakeholder: StakeholderRecord,
  reaction: StakeholderReaction,
  effects: SystemEvent[],
): void {
  setStress(ctx, stakeholder, applyReaction(stakeholder, reaction).stress, effects);
  effects.push(
    systemEvent(
      'npc_reaction',
      ctx.snapshot.game.id,
      { conflictId: stakeholder.conflictId, npcId: stakeholder.npcId, reactionType: reaction.reaction_type },
      { source: 'stakeholders' },
    ),
  );
}

/** Reactions of a game's turn (choice and stakeholder) this process asked to have written ahead: each is asked for once. */
const anticipated = new LRUCache<string, true>({ max: 100_000, ttl: CACHE_TTL.reactionsAhead * 1_000 });

/**
 * While workers stand idle, a request that moved the game on (a choice, a new conflict) asks for
 * reactions to the choices it leaves on offer to be written ahead, as many as there are idle
 * workers: for each choice in the order offered, every stakeholder of its conflict (who reacts is
 * rolled only when the choice is made). A player who is thinking finds them the moment they choose.
 * A lock makes each asked for once across processes.
 */
export async function anticipateReactions(ctx: HandlerContext): Promise<void> {
  const { snapshot } = ctx;
  const gameId = snapshot.game.id;
  for (const choice of offeredChoices(ctx, ctx.scenario)) {
    if (choice.conflictId === undefined) continue;
    const phase = snapshot.flows.get(choice.conflictId)?.phase ?? 'emerging';
    for (const stakeholder of snapshot.stakeholdersOf(choice.conflictId)) {
      if (!ctx.scope.spare) return;
      const asked = `${gameId}:${snapshot.turn}:${choice.id}:${stakeholder.id}`;
      if (anticipated.has(asked)) continue;
      anticipated.set(asked, true);
      const lock = await ctx.locks.tryLock(
        cacheKeys.reactionsAheadLock(gameId, snapshot.turn, choice.id, stakeholder.id),
        CACHE_TTL.reactionsAhead * 1_000,
      );
      if (isLockBusy(lock)) continue;
      ctx.scope.dispatch(stakeholderTasks.anticipateReaction, {
        gameId,
        stateVersion: snapshot.version,
        stakeholderId: stakeholder.id,
        role: stakeholder.role,
        phase,
        turn: snapshot.turn,
        choiceId: choice.id,
        choice: {
          label: choice.label,
          type: choice.type,
          conflictId: choice.conflictId,
          ...(choice.targetNpcId !== undefined ? { targetNpcId: choice.targetNpcId } : {}),
        },
      });
    }
  }
}

function applyClaimed(ctx: HandlerContext, row: PlannedAction, effects: SystemEvent[]): 'applied' | 'stale' {
  const stakeholder = ctx.snapshot.stakeholders.get(row.stakeholderId);
  if (!stakeholder) return 'stale';
  const npc = ctx.snapshot.npc(stakeholder.npcId);
  const gameId = ctx.snapshot.game.id;
  const flow = ctx.snapshot.flows.get(stakeholder.conflictId);
  if (row.kind === 'action' || row.kind === 'decision') {
    // A decision made for a phase or cast that no longer holds is never shown as current.
    if (row.contextHash !== decisionContextHash(stakeholder, flow?.phase ?? 'emerging')) return 'stale';
    const decision = row.payload;
    addReadyContent(ctx, {
      kind: 'action',
      text: decision.text ?? `${npc?.name ?? 'Someone'}: ${decision.description}`,
      subject: { npcId: stakeholder.npcId, conflictId: stakeholder.conflictId, ...(npc ? { npcName: npc.name } : {}) },
    });
    effects.push(
      systemEvent(
        'stakeholder_action',
        gameId,
        {
          conflictId: stakeholder.conflictId,
          stakeholderId: stakeholder.id,
          actionType: decision.action_type,
          description: decision.description,
          ...(typeof decision.target === 'number' ? { targetNpcId: decision.target } : {}),
        },
        { source: 'stakeholders' },
      ),
    );
    return 'applied';
  }
  if (row.kind === 'reaction') {
    applyReactionEffects(ctx, stakeholder, row.payload, effects);
    return 'applied';
  }
  // role_adaptation
  const adaptation = row.payload;
  if (adaptation.new_role === stakeholder.role) return 'applied';
  ctx.snapshot.updateStakeholder(stakeholder.id, { role: adaptation.new_role });
  addReadyContent(ctx, {
    kind: 'role',
    // The reason is already prose about the person; a fixed "X is now acting as Y:" before it read as a form.
    text: adaptation.reason ?? `${npc?.name ?? 'Someone'} takes on a new part in the quarrel, as ${adaptation.new_role}.`,
    subject: { npcId: stakeholder.npcId, conflictId: stakeholder.conflictId },
  });
  return 'applied';
}

export const stakeholdersHandlers: EventHandlers<HandlerContext> = {
  /** Creation by rules now; the profile is enriched in the background, so the player never waits for a model. */
  async conflict_created(event, ctx) {
    const conflict = ctx.snapshot.conflicts.get(event.payload.conflictId);
    if (!conflict) return { data: { created: 0 } };
    const specs = event.payload.stakeholders;
    const ids = await ctx.store.allocateIds('stakeholders', specs.length);
    const created: StakeholderRecord[] = specs.map((spec, i) => ({
      id: ids[i]!,
      profile: null,
      npcId: spec.npcId,
      conflictId: conflict.id,
      role: (spec.role as StakeholderRole | undefined) ?? initialRole(conflict.type, ctx.random) ?? CREATION_DEFAULTS.role,
      decisionStyle: (spec.decisionStyle as DecisionStyle | undefined) ?? CREATION_DEFAULTS.decisionStyle,
      stress: spec.stress ?? CREATION_DEFAULTS.stress,
      commitment: spec.commitment ?? CREATION_DEFAULTS.commitment,
    }));
    ctx.snapshot.addStakeholders(created);
    for (const stakeholder of created) askForProfile(ctx, stakeholder);
    return { data: { created: created.length } };
  },

  async conflict_updated(event, ctx) {
    const acting = selectActingStakeholders(ctx.snapshot.stakeholdersOf(event.payload.conflictId), ctx.random);
    let dispatched = 0;
    for (const stakeholder of acting) {
      if (shouldDispatchActionGeneration(stakeholder, ctx.random) && dispatchDecision(ctx, stakeholder)) dispatched++;
    }
    return { data: { actionsDispatched: dispatched } };
  },

  async player_choice(event, ctx) {
    const { conflictId, targetNpcId, choiceType, label } = event.payload;
    if (conflictId === undefined) return { reactionsDispatched: 0 };
    const involved = ctx.snapshot.stakeholdersOf(conflictId);
    const roleBefore = new Map(involved.map((s) => [s.id, s.role]));
    // One cache read, and only where reactions are written ahead at all.
    const written = ctx.scope.speculates
      ? await ctx.cache.getList<AnticipatedReaction>(
          cacheKeys.reactionsAhead(ctx.snapshot.game.id, ctx.snapshot.turn, event.payload.choiceId),
        )
      : [];
    const effects: SystemEvent[] = [];
    for (const stakeholder of involved) {
      setStress(ctx, stakeholder, stressAfterChoice(stakeholder.stress, choiceType, stakeholder.npcId === targetNpcId), effects);
    }
    const reactors = selectReactors(
      involved.map((s) => ctx.snapshot.stakeholders.get(s.id)!),
      { targetNpcId: targetNpcId ?? null },
      ctx.random,
    );
    let dispatched = 0;
    for (const reactor of reactors) {
      const name = ctx.snapshot.npcName(reactor.npcId);
      // Written ahead for this turn, to the role they held when choosing: shown at once, ready.
      const ahead = written.find((w) => w.stakeholderId === reactor.id && w.role === roleBefore.get(reactor.id));
      if (ahead) {
        addReadyContent(ctx, { kind: 'reaction', text: ahead.text, subject: { npcId: reactor.npcId, conflictId, npcName: name } });
        applyReactionEffects(ctx, ctx.snapshot.stakeholders.get(reactor.id)!, ahead.reaction, effects);
        metrics.reactionsAhead.inc({ outcome: 'used' });
        continue;
      }
      const queued = dispatchContent(
        ctx,
        { kind: 'reaction', fallbackText: reactionFallbackText(ctx, name), subject: { npcId: reactor.npcId, conflictId, npcName: name } },
        stakeholderTasks.generateReaction,
        {
          stakeholderId: reactor.id,
          eventId: event.id,
          choice: { label, type: choiceType, ...(targetNpcId ? { targetNpcId } : {}), conflictId },
        },
        { priority: REACTION_PRIORITY },
      );
      if (queued) dispatched++;
    }
    ctx.snapshot.markChanged();
    return { reactionsDispatched: dispatched, sideEffects: effects };
  },

  async state_sync(_event: SystemEvent<'state_sync'>, ctx) {
    const present = ctx.snapshot.activeStakeholders();
    const effects: SystemEvent[] = [];
    // The slow path bumps this counter after every ready move it writes: unchanged, nothing to claim.
    const planned = await ctx.cache.version(cacheKeys.plannedActionsLabel(ctx.snapshot.game.id));
    const claimable = planned !== ctx.snapshot.plannedActionsSeen;
    // Read now, consumed when this request commits: a request that loses its save applies nothing.
    const claimed = claimable
      ? await ctx.planned.peekReady({ gameId: ctx.snapshot.game.id, stakeholderIds: present.map((s) => s.id), limit: CLAIM_BATCH })
      : [];
    ctx.snapshot.consumePlanned(claimed.map((row) => row.id));
    // A full batch may have left more behind: claim again on the next sync.
    if (claimable && claimed.length < CLAIM_BATCH) ctx.snapshot.sawPlannedActions(planned);
    const served = new Set<number>();
    let stale = 0;
    for (const row of claimed) {
      if (applyClaimed(ctx, row, effects) === 'stale') stale++;
      else served.add(row.stakeholderId);
    }
    let dispatched = 0;
    const now = ctx.now();
    for (const stakeholder of present) {
      if (stakeholder.profile === null) askForProfile(ctx, stakeholder);
      if (served.has(stakeholder.id) || !autonomyRested(ctx.snapshot.autonomyRequestedAt(stakeholder.id), now)) continue;
      const current = ctx.snapshot.stakeholders.get(stakeholder.id)!;
      if (!passesAutonomyRoll(current, ctx.random) || !shouldDispatchActionGeneration(current, ctx.random)) continue;
      if (dispatchDecision(ctx, current)) {
        ctx.snapshot.requestedAutonomy(stakeholder.id, now);
        dispatched++;
      }
    }
    return {
      data: { readyActionsClaimed: claimed.length - stale, staleDropped: stale, actionsDispatched: dispatched },
      sideEffects: effects,
    };
  },

  async phase_transition(event, ctx) {
    let dispatched = 0;
    for (const stakeholder of ctx.snapshot.stakeholdersOf(event.payload.conflictId)) {
      if (!needsRoleAdaptation(stakeholder, event.payload.toPhase)) continue;
      ctx.scope.dispatch(stakeholderTasks.adaptRole, {
        gameId: event.gameId,
        stateVersion: ctx.snapshot.version,
        stakeholderId: stakeholder.id,
        phase: event.payload.toPhase,
        contextHash: decisionContextHash(stakeholder, event.payload.toPhase),
      });
      dispatched++;
    }
    return { data: { roleAdaptationsDispatched: dispatched } };
  },

  async tension_changed(event, ctx) {
    const effects: SystemEvent[] = [];
    for (const stakeholder of ctx.snapshot.activeStakeholders()) {
      const stress = stressAfterTension(stakeholder.stress, event.payload.score);
      if (stress !== stakeholder.stress) setStress(ctx, stakeholder, stress, effects);
    }
    return { sideEffects: effects };
  },

  /** A breaking point changes who the scene is about: nobody may be served bundles for the old one. */
  async edge_case_detected(event, ctx) {
    for (const label of cacheKeys.sceneVersionLabels(event.gameId)) await ctx.cache.bump(label);
    const stakeholder = ctx.snapshot.stakeholders.get(event.payload.stakeholderId);
    if (stakeholder) {
      addReadyContent(ctx, {
        kind: 'role',
        text: breakingPointLine(ctx, ctx.snapshot.npcName(stakeholder.npcId)),
        subject: { npcId: stakeholder.npcId, conflictId: stakeholder.conflictId },
        origin: 'fallback',
      });
    }
    return { data: { invalidated: true } };
  },
};
