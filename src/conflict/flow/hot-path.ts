import type { BeatType, ConflictFlow, Phase, PhaseTransition } from '../domain/flow.js';
import { EVENT_PRIORITY } from '../domain/priorities.js';
import { cacheKeys } from '../domain/cache-contract.js';
import { systemEvent, type SystemEvent } from '../engine/events.js';
import { addReadyContent, dispatchContent } from '../engine/content-dispatch.js';
import type { HandlerContext } from '../engine/handler-context.js';
import type { EventHandlers } from '../engine/synthesizer.js';
import { flowTasks } from './contracts.js';
import type { ReactionType } from '../../story/vocabulary.js';
import {
  applyBeat,
  applyEventMath,
  applyPlayerChoice,
  applyStakeholderAction,
  applyTensionChange,
  advanceFlow,
  beatForFlow,
  beatMeta,
  closingOf,
  DEFAULT_FLOW,
  initialFlow,
  type FlowMove,
} from './rules.js';

/**
 * Flow on the hot path: numeric-then-prose. The numbers (intensity, momentum, phase progress) move
 * now, by rule; the prose of a phase transition or a dramatic beat is dispatched and lands later,
 * with a rule-written line standing in meanwhile.
 */

const PHASE_LINES: Record<Phase, string> = {
  seeds: 'Small grievances take root where few are looking.',
  emerging: 'What was muttered is now said aloud.',
  rising: 'Positions harden and voices rise.',
  confrontation: 'The quarrel comes out into the open.',
  climax: 'Everything hangs on what happens next.',
  falling: 'The heat drains away, leaving wreckage to sort through.',
  resolution: 'A settlement of sorts is reached.',
  aftermath: 'Life goes on, but nobody forgets.',
};

/** Nyx's pacing rule: every choice and action moves the story a little, so a
 * peaceable player still sees a conflict unfold rather than stall in its first phase. */
const STORY_PACE = 0.1;

export function phaseFallbackText(title: string, toPhase: Phase): string {
  return `${title} — ${PHASE_LINES[toPhase]}`;
}

function flowOf(ctx: HandlerContext, conflictId: number): ConflictFlow {
  return ctx.snapshot.flows.get(conflictId) ?? { ...DEFAULT_FLOW, conflictId };
}

async function narrateTransition(ctx: HandlerContext, conflictId: number, transition: PhaseTransition): Promise<void> {
  const title = ctx.snapshot.conflicts.get(conflictId)?.title ?? 'The conflict';
  dispatchContent(
    ctx,
    { kind: 'narration', fallbackText: phaseFallbackText(title, transition.toPhase), subject: { conflictId } },
    flowTasks.narratePhaseTransition,
    { conflictId, fromPhase: transition.fromPhase, toPhase: transition.toPhase },
  );
}

/** Records a transition, invalidates scene bundles built for the old phase, and announces it. */
async function transition(
  ctx: HandlerContext,
  conflictId: number,
  change: PhaseTransition,
  trigger: string,
  effects: SystemEvent[],
): Promise<void> {
  ctx.snapshot.recordTransition(conflictId, { ...change, trigger });
  for (const label of cacheKeys.sceneVersionLabels(ctx.snapshot.game.id)) await ctx.cache.bump(label);
  await narrateTransition(ctx, conflictId, change);
  if (change.toPhase === 'resolution' && trigger !== 'conflict_resolved') closeByItself(ctx, conflictId, effects);
  effects.push(
    systemEvent(
      'phase_transition',
      ctx.snapshot.game.id,
      { conflictId, fromPhase: change.fromPhase ?? 'seeds', toPhase: change.toPhase, transitionType: change.transitionType },
      { priority: EVENT_PRIORITY.phaseTransition, source: 'flow' },
    ),
  );
}

/**
 * A conflict whose flow ran into resolution on its own ends there: the scenario's ending for the
 * way it went (or the rules'), in the feed at once, and resolved as if the player had resolved it,
 * so it becomes canon. The player saw its whole course, so it counts as one they took part in.
 */
function closeByItself(ctx: HandlerContext, conflictId: number, effects: SystemEvent[]): void {
  const conflict = ctx.snapshot.conflicts.get(conflictId);
  if (!conflict || conflict.status !== 'active') return;
  const flow = flowOf(ctx, conflictId);
  const stakeholders = ctx.snapshot.stakeholdersOf(conflictId).map((s) => ({
    npcId: s.npcId,
    npcKey: ctx.snapshot.npcs.get(s.npcId)?.key ?? '',
    name: ctx.snapshot.npcName(s.npcId),
    role: s.role,
    stress: s.stress,
    commitment: s.commitment,
  }));
  const endings = ctx.scenario?.conflicts.find((declared) => declared.title === conflict.title)?.endings ?? [];
  const { outcome, winnerNpcIds, way } = closingOf(flow, conflict.title, stakeholders, endings);
  ctx.snapshot.resolveConflict(conflictId, { outcome, winnerNpcIds, by: 'flow', way });
  addReadyContent(ctx, { kind: 'narration', text: outcome, subject: { conflictId }, origin: 'fallback' });
  effects.push(
    systemEvent(
      'conflict_resolved',
      ctx.snapshot.game.id,
      { conflictId, outcome, winnerNpcIds, intensity: flow.intensity, playerInvolved: true },
      { priority: EVENT_PRIORITY.phaseTransition, source: 'flow' },
    ),
  );
}

async function describeBeat(ctx: HandlerContext, flow: ConflictFlow, type: BeatType, impact?: number): Promise<ConflictFlow> {
  const meta = beatMeta(flow.conflictId, type, ctx.now());
  const gameId = ctx.snapshot.game.id;
  ctx.snapshot.recordBeat({
    id: `${gameId}:${meta.id}`,
    conflictId: flow.conflictId,
    beatType: meta.type,
    impact: impact ?? 0.2,
    source: impact === undefined ? 'rule' : 'generated',
  });
  const title = ctx.snapshot.conflicts.get(flow.conflictId)?.title ?? 'The conflict';
  dispatchContent(
    ctx,
    { kind: 'beat', fallbackText: `${title}: a moment of ${meta.type}.`, subject: { conflictId: flow.conflictId } },
    flowTasks.describeBeat,
    { conflictId: flow.conflictId, beat: { id: meta.id, type: meta.type, ...(impact !== undefined ? { impact } : {}) } },
  );
  return { ...flow, lastBeatType: meta.type, lastBeatAt: ctx.now() };
}

/** Shared tail of every flow change: a due transition, then a rule beat if the new shape calls for one. */
async function settle(ctx: HandlerContext, flow: ConflictFlow, trigger: string, effects: SystemEvent[]): Promise<ConflictFlow> {
  const advanced = advanceFlow(flow);
  let next = advanced.flow;
  if (advanced.transition) await transition(ctx, flow.conflictId, advanced.transition, trigger, effects);
  const beat = beatForFlow(next);
  if (beat && beat !== next.lastBeatType) next = await describeBeat(ctx, next, beat);
  ctx.snapshot.updateFlow(flow.conflictId, next);
  return next;
}

/** How an NPC's reaction moves the flow, read as the choice it resembles; ignoring or watching moves nothing. */
const FLOW_VERB_OF_REACTION: Partial<Record<ReactionType, FlowMove>> = {
  escalate: 'escalate',
  counter: 'aggressive',
  'de-escalate': 'de-escalate',
  support: 'supportive',
};

export const flowHandlers: EventHandlers<HandlerContext> = {
  async conflict_created(event, ctx) {
    const conflict = ctx.snapshot.conflicts.get(event.payload.conflictId);
    if (!conflict) return { data: { initialised: false } };
    const flow: ConflictFlow = { ...initialFlow(conflict.type), conflictId: conflict.id };
    ctx.snapshot.updateFlow(conflict.id, flow);
    ctx.snapshot.recordTransition(conflict.id, {
      fromPhase: null,
      toPhase: flow.phase,
      transitionType: 'triggered',
      trigger: 'conflict_created',
    });
    await narrateTransition(ctx, conflict.id, { fromPhase: null, toPhase: flow.phase, transitionType: 'triggered' });
    return { data: { phase: flow.phase, pacing: flow.pacing } };
  },

  async conflict_updated(event, ctx) {
    if (!ctx.snapshot.flows.has(event.payload.conflictId)) return { data: { success: false } };
    const effects: SystemEvent[] = [];
    const moved = applyEventMath(flowOf(ctx, event.payload.conflictId), event.payload);
    const next = await settle(ctx, moved, 'conflict_updated', effects);
    return { data: { phase: next.phase, phaseProgress: next.phaseProgress }, sideEffects: effects };
  },

  async stakeholder_action(event, ctx) {
    const effects: SystemEvent[] = [];
    const moved = applyEventMath(applyStakeholderAction(flowOf(ctx, event.payload.conflictId), event.payload.actionType), {
      progressDelta: STORY_PACE,
    });
    const next = await settle(ctx, moved, 'stakeholder_action', effects);
    return { data: { intensity: next.intensity, momentum: next.momentum }, sideEffects: effects };
  },

  async npc_reaction(event, ctx) {
    if (event.payload.conflictId === undefined) return;
    const verb = FLOW_VERB_OF_REACTION[event.payload.reactionType];
    if (!verb) return;
    ctx.snapshot.updateFlow(event.payload.conflictId, applyStakeholderAction(flowOf(ctx, event.payload.conflictId), verb));
  },

  async player_choice(event, ctx) {
    const { conflictId, choiceType } = event.payload;
    if (conflictId === undefined || !ctx.snapshot.flows.has(conflictId)) return;
    const effects: SystemEvent[] = [];
    const { flow } = applyPlayerChoice(flowOf(ctx, conflictId), choiceType);
    const paced = applyEventMath(flow, { progressDelta: STORY_PACE });
    // applyPlayerChoice lets progress overshoot to 1.5; the transition resets it either way.
    const next = await settle(
      ctx,
      { ...paced, phaseProgress: Math.max(paced.phaseProgress, flow.phaseProgress) },
      'player_choice',
      effects,
    );
    return { data: { phase: next.phase, momentum: next.momentum }, sideEffects: effects };
  },

  async tension_changed(event, ctx) {
    let beats = 0;
    for (const conflict of ctx.snapshot.activeConflicts()) {
      const outcome = applyTensionChange(flowOf(ctx, conflict.id), event.payload.score);
      let next = outcome.flow;
      if (outcome.beatDue) {
        const impact = outcome.momentumShift > 0 ? 0.2 : -0.2;
        next = await describeBeat(ctx, applyBeat(next, impact), outcome.momentumShift > 0 ? 'escalation' : 'reconciliation', impact);
        beats++;
      }
      ctx.snapshot.updateFlow(conflict.id, next);
    }
    return { data: { beats } };
  },

  async conflict_resolved(event, ctx) {
    const flow = flowOf(ctx, event.payload.conflictId);
    if (flow.phase === 'resolution' || flow.phase === 'aftermath') return;
    const effects: SystemEvent[] = [];
    const change: PhaseTransition = { fromPhase: flow.phase, toPhase: 'resolution', transitionType: 'forced' };
    ctx.snapshot.updateFlow(flow.conflictId, { ...flow, phase: 'resolution', phaseProgress: 0 });
    await transition(ctx, flow.conflictId, change, 'conflict_resolved', effects);
    return { sideEffects: effects };
  },
};
