import { BEAT_TYPES, PHASES, type Phase, type TransitionType } from '../domain/flow.js';
import { implement, type TaskImplementation } from '../slow-path/task-implementation.js';
import { flowTasks } from './contracts.js';

/** Flow tasks: the prose of phase transitions and dramatic beats, written into the feed items the hot path opened. */

/** The payload does not carry the transition type, but the two phases imply it. */
export function transitionTypeOf(from: Phase | null, to: Phase): TransitionType {
  if (from === null) return 'triggered';
  const step = PHASES.indexOf(to) - PHASES.indexOf(from);
  if (step < 0) return 'reversed';
  return step === 1 ? 'natural' : 'forced';
}

export const flowSlowPath: readonly TaskImplementation[] = [
  implement(flowTasks.narratePhaseTransition, async (payload, ctx) => {
    const from = payload.fromPhase;
    const to = payload.toPhase;
    const { phase: _current, ...conflict } = ctx.conflictSnapshot(payload.conflictId);
    const { text } = await ctx.generate('phase_narration', {
      conflict,
      fromPhase: from,
      toPhase: to,
      transitionType: transitionTypeOf(from, to),
      stakeholders: ctx.stakeholderNames(payload.conflictId),
      location: ctx.locationOf(payload.conflictId),
    });
    await ctx.complete(payload.contentId, text);
    return { status: 'written' };
  }),

  implement(flowTasks.describeBeat, async (payload, ctx) => {
    const beat = { id: payload.beat.id, type: payload.beat.type };
    const { text } = await ctx.generate('beat_prose', {
      conflict: ctx.conflictSnapshot(payload.conflictId),
      beat: { ...beat, ...(payload.beat.impact !== undefined ? { impact: payload.beat.impact } : {}) },
      stakeholders: ctx.stakeholderNames(payload.conflictId),
      location: ctx.locationOf(payload.conflictId),
    });
    await ctx.complete(payload.contentId, text);
    return { status: 'written' };
  }),
];
