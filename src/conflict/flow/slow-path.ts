import { BEAT_TYPES, PHASES, type Phase, type TransitionType } from '../domain/flow.js';
import { knownValue, type SlowPathTasks } from '../workers.js';

/** Flow tasks: the prose of phase transitions and dramatic beats, written into the feed items the hot path opened. */

/** The payload does not carry the transition type, but the two phases imply it. */
function transitionTypeOf(from: Phase | null, to: Phase): TransitionType {
  if (from === null) return 'triggered';
  const step = PHASES.indexOf(to) - PHASES.indexOf(from);
  if (step < 0) return 'reversed';
  return step === 1 ? 'natural' : 'forced';
}

export const flowTasks: SlowPathTasks<'flow.narrate_phase_transition' | 'flow.describe_beat'> = {
  async 'flow.narrate_phase_transition'(payload, ctx) {
    const from = payload.fromPhase === null ? null : knownValue(PHASES, payload.fromPhase, 'fromPhase');
    const to = knownValue(PHASES, payload.toPhase, 'toPhase');
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
  },

  async 'flow.describe_beat'(payload, ctx) {
    const beat = { id: payload.beat.id, type: knownValue(BEAT_TYPES, payload.beat.type, 'beat.type') };
    const { text } = await ctx.generate('beat_prose', {
      conflict: ctx.conflictSnapshot(payload.conflictId),
      beat: { ...beat, ...(payload.beat.impact !== undefined ? { impact: payload.beat.impact } : {}) },
      stakeholders: ctx.stakeholderNames(payload.conflictId),
      location: ctx.locationOf(payload.conflictId),
    });
    await ctx.complete(payload.contentId, text);
    return { status: 'written' };
  },
};
