import { describe, expect, it } from 'vitest';
import type { FlowState, Phase } from '../../../src/conflict/domain/flow.js';
import {
  DEFAULT_FLOW,
  TENSION_BEAT_SHIFT,
  advanceFlow,
  applyBeat,
  applyEventMath,
  applyPlayerChoice,
  applyStakeholderAction,
  applyTensionChange,
  beatForFlow,
  closingOf,
  beatMeta,
  initialFlow,
  nextPhase,
  reversedPhase,
  tensionBeatDue,
  type FlowMove,
} from '../../../src/conflict/flow/rules.js';

function flow(overrides: Partial<FlowState> = {}): FlowState {
  return { phase: 'rising', pacing: 'steady', intensity: 0.5, momentum: 0, phaseProgress: 0.5, ...overrides };
}

describe('initialFlow (by conflict type)', () => {
  it('starts interpersonal conflicts as a slow burn', () => {
    expect(initialFlow('Interpersonal_Dispute')).toEqual({
      phase: 'emerging',
      pacing: 'slow_burn',
      intensity: 0.3,
      momentum: 0.2,
      phaseProgress: 0,
    });
  });

  it.each(['crisis', 'urgent_supply'])('starts %s conflicts rising fast', (type) => {
    expect(initialFlow(type)).toEqual({ phase: 'rising', pacing: 'rapid_escalation', intensity: 0.6, momentum: 0.5, phaseProgress: 0 });
  });

  it('starts anything else as seeds', () => {
    expect(initialFlow('economic')).toEqual({ phase: 'seeds', pacing: 'steady', intensity: 0.2, momentum: 0.1, phaseProgress: 0 });
  });

  it('defaults to an emerging, steady flow', () => {
    expect(DEFAULT_FLOW).toEqual({ phase: 'emerging', pacing: 'steady', intensity: 0.3, momentum: 0.2, phaseProgress: 0 });
  });
});

describe('applyEventMath (on phaseProgress)', () => {
  it('adds the deltas', () => {
    const next = applyEventMath(flow({ intensity: 0.5, phaseProgress: 0.5 }), { intensityDelta: 0.2, progressDelta: 0.1 });
    expect(next.intensity).toBeCloseTo(0.7);
    expect(next.phaseProgress).toBeCloseTo(0.6);
  });

  it('clamps both to [0, 1] and treats missing deltas as 0', () => {
    expect(applyEventMath(flow({ intensity: 0.9, phaseProgress: 0.95 }), { intensityDelta: 0.5, progressDelta: 0.5 })).toMatchObject({
      intensity: 1,
      phaseProgress: 1,
    });
    expect(applyEventMath(flow({ intensity: 0.1, phaseProgress: 0.1 }), { intensityDelta: -0.5, progressDelta: -0.5 })).toMatchObject({
      intensity: 0,
      phaseProgress: 0,
    });
    expect(applyEventMath(flow({ intensity: 0.4, phaseProgress: 0.3 }), {})).toMatchObject({ intensity: 0.4, phaseProgress: 0.3 });
  });

  it('keeps the other fields, including a conflict id', () => {
    const next = applyEventMath({ ...flow({ momentum: 0.3 }), conflictId: 7 }, { intensityDelta: 0.1 });
    expect(next).toMatchObject({ conflictId: 7, momentum: 0.3, phase: 'rising' });
  });
});

describe('phase order', () => {
  it('walks seeds to aftermath in order, and aftermath stays', () => {
    const walked: Phase[] = ['seeds'];
    for (let i = 0; i < 8; i++) walked.push(nextPhase(walked[walked.length - 1]!));
    expect(walked).toEqual(['seeds', 'emerging', 'rising', 'confrontation', 'climax', 'falling', 'resolution', 'aftermath', 'aftermath']);
  });

  it('reverses only rising, confrontation and climax', () => {
    expect(reversedPhase('rising')).toBe('emerging');
    expect(reversedPhase('confrontation')).toBe('rising');
    expect(reversedPhase('climax')).toBe('confrontation');
    expect(reversedPhase('falling')).toBeUndefined();
    expect(reversedPhase('seeds')).toBeUndefined();
  });
});

describe('advanceFlow (progress ≥ 1 moves the phase)', () => {
  it('does nothing below progress 1', () => {
    const current = flow({ phaseProgress: 0.99 });
    expect(advanceFlow(current)).toEqual({ flow: current });
  });

  it('moves to the next phase at exactly 1 and resets progress', () => {
    const { flow: next, transition } = advanceFlow(flow({ phase: 'confrontation', phaseProgress: 1 }));
    expect(next).toMatchObject({ phase: 'climax', phaseProgress: 0 });
    expect(transition).toEqual({ fromPhase: 'confrontation', toPhase: 'climax', transitionType: 'natural' });
  });

  it('reverses when momentum is below −0.5', () => {
    const { flow: next, transition } = advanceFlow(flow({ phase: 'climax', phaseProgress: 1.2, momentum: -0.6 }));
    expect(next).toMatchObject({ phase: 'confrontation', phaseProgress: 0 });
    expect(transition).toEqual({ fromPhase: 'climax', toPhase: 'confrontation', transitionType: 'reversed' });
  });

  it('goes forward at exactly −0.5, and where a phase has no reversal', () => {
    expect(advanceFlow(flow({ phase: 'rising', phaseProgress: 1, momentum: -0.5 })).transition?.toPhase).toBe('confrontation');
    expect(advanceFlow(flow({ phase: 'falling', phaseProgress: 1, momentum: -0.9 })).transition).toEqual({
      fromPhase: 'falling',
      toPhase: 'resolution',
      transitionType: 'natural',
    });
  });

  it('makes no transition out of aftermath', () => {
    const ended = flow({ phase: 'aftermath', phaseProgress: 1 });
    expect(advanceFlow(ended)).toEqual({ flow: ended });
  });
});

describe('beatForFlow (first match wins)', () => {
  it.each<[number, number, string | undefined]>([
    [0.85, 0.5, 'climax'],
    [0.8, 0.5, undefined], // climax needs intensity above 0.8, and 0.8 is above the complication band
    [0.85, 0.4, undefined],
    [0.85, 0.7, undefined],
    [0.5, 0.95, 'resolution'],
    [0.9, 0.95, 'resolution'],
    [0.5, 0.9, undefined],
    [0.2, 0.2, 'exposition'],
    [0.3, 0.2, undefined],
    [0.2, 0.3, undefined],
    [0.5, 0.45, 'complication'],
    [0.4, 0.45, undefined],
    [0.7, 0.45, undefined],
    [0.5, 0.3, undefined],
    [0.5, 0.6, undefined],
  ])('intensity %s, progress %s → %s', (intensity, phaseProgress, beat) => {
    expect(beatForFlow({ intensity, phaseProgress })).toBe(beat);
  });

  it('defaults intensity to 0.5 and progress to 0', () => {
    expect(beatForFlow({})).toBeUndefined();
    expect(beatForFlow({ intensity: 0.1 })).toBe('exposition');
    expect(beatForFlow({ phaseProgress: 0.45 })).toBe('complication');
  });

  it('names a beat {conflictId}_{now}', () => {
    expect(beatMeta(12, 'climax', 1_700_000_000_000)).toEqual({ type: 'climax', id: '12_1700000000000' });
  });
});

describe('applyBeat', () => {
  it('applies the default impact 0.2: momentum +0.1, intensity +0.06', () => {
    const next = applyBeat(flow({ momentum: 0, intensity: 0.5 }));
    expect(next.momentum).toBeCloseTo(0.1);
    expect(next.intensity).toBeCloseTo(0.56);
  });

  it('lowers momentum for a negative impact but still raises intensity', () => {
    const next = applyBeat(flow({ momentum: 0, intensity: 0.5 }), -0.6);
    expect(next.momentum).toBeCloseTo(-0.3);
    expect(next.intensity).toBeCloseTo(0.68);
  });

  it('clamps momentum to [−1, 1] and intensity to [0, 1]', () => {
    expect(applyBeat(flow({ momentum: 0.9, intensity: 0.9 }), 1)).toMatchObject({ momentum: 1, intensity: 1 });
    expect(applyBeat(flow({ momentum: -0.9 }), -1).momentum).toBe(-1);
  });
});

describe('applyStakeholderAction', () => {
  it.each<FlowMove>(['aggressive', 'escalate'])('%s raises intensity 0.1 and momentum 0.15', (action) => {
    const next = applyStakeholderAction(flow({ intensity: 0.5, momentum: 0 }), action);
    expect(next.intensity).toBeCloseTo(0.6);
    expect(next.momentum).toBeCloseTo(0.15);
  });

  it.each<FlowMove>(['withdraw', 'evasive', 'de-escalate'])('%s drops momentum 0.3', (action) => {
    const next = applyStakeholderAction(flow({ intensity: 0.5, momentum: 0 }), action);
    expect(next).toMatchObject({ intensity: 0.5 });
    expect(next.momentum).toBeCloseTo(-0.3);
  });

  it.each<FlowMove>(['supportive', 'diplomatic', 'mediate'])('%s nudges momentum up 0.05', (action) => {
    expect(applyStakeholderAction(flow({ momentum: 0 }), action).momentum).toBeCloseTo(0.05);
  });

  it('clamps, and leaves the flow alone for other actions', () => {
    expect(applyStakeholderAction(flow({ intensity: 0.95, momentum: 0.9 }), 'escalate')).toMatchObject({ intensity: 1, momentum: 1 });
    expect(applyStakeholderAction(flow({ momentum: -0.9 }), 'withdraw').momentum).toBe(-1);
    const current = flow();
    expect(applyStakeholderAction(current, 'observant')).toBe(current);
  });
});

describe('applyPlayerChoice', () => {
  it('pushes momentum 0.2 and progress 0.15 on an escalating choice', () => {
    const { flow: next, transitionDue } = applyPlayerChoice(flow({ momentum: 0, phaseProgress: 0.5 }), 'confrontational');
    expect(next.momentum).toBeCloseTo(0.2);
    expect(next.phaseProgress).toBeCloseTo(0.65);
    expect(transitionDue).toBe(false);
  });

  it('reports a due transition once progress reaches 1, letting it overshoot to at most 1.5', () => {
    expect(applyPlayerChoice(flow({ phaseProgress: 0.85 }), 'aggressive').transitionDue).toBe(true);
    expect(applyPlayerChoice(flow({ phaseProgress: 1.45 }), 'escalating').flow.phaseProgress).toBe(1.5);
  });

  it('pulls momentum down 0.2 on a de-escalating choice, not below −0.5', () => {
    expect(applyPlayerChoice(flow({ momentum: 0 }), 'de-escalate').flow.momentum).toBeCloseTo(-0.2);
    expect(applyPlayerChoice(flow({ momentum: -0.4 }), 'diplomatic').flow.momentum).toBe(-0.5);
  });

  it('never raises a momentum already below the floor', () => {
    expect(applyPlayerChoice(flow({ momentum: -0.8 }), 'supportive').flow.momentum).toBe(-0.8);
  });

  it('ignores neutral choices', () => {
    const current = flow({ phaseProgress: 1 });
    expect(applyPlayerChoice(current, 'investigate')).toEqual({ flow: current, transitionDue: true });
  });
});

describe('applyTensionChange (TENSION_CHANGED, reachable beat threshold)', () => {
  it('moves momentum by (tension − 0.5) × 0.3', () => {
    expect(applyTensionChange(flow({ momentum: 0 }), 0.8).flow.momentum).toBeCloseTo(0.09);
    expect(applyTensionChange(flow({ momentum: 0 }), 0.2).flow.momentum).toBeCloseTo(-0.09);
  });

  it('earns a beat only at tension ≥ 0.9 or ≤ 0.1', () => {
    expect(applyTensionChange(flow(), 0.9).beatDue).toBe(true);
    expect(applyTensionChange(flow(), 0.1).beatDue).toBe(true);
    expect(applyTensionChange(flow(), 0.89).beatDue).toBe(false);
    expect(applyTensionChange(flow(), 0.11).beatDue).toBe(false);
  });

  it('sets a threshold the largest possible shift (0.15) can reach', () => {
    expect(TENSION_BEAT_SHIFT).toBeLessThanOrEqual(0.15);
    expect(tensionBeatDue(0.15)).toBe(true);
    expect(tensionBeatDue(-0.12)).toBe(true);
    expect(tensionBeatDue(0.11)).toBe(false);
  });

  it('clamps momentum but still reports the requested shift', () => {
    const outcome = applyTensionChange(flow({ momentum: 0.95 }), 1);
    expect(outcome.flow.momentum).toBe(1);
    expect(outcome.momentumShift).toBeCloseTo(0.15);
    expect(outcome.beatDue).toBe(true);
  });
});

describe('closingOf: how a conflict that ran its course ends', () => {
  const cast = [
    { npcId: 1, npcKey: 'tam', name: 'Tam', role: 'instigator', stress: 0.7, commitment: 0.6 },
    { npcId: 2, npcKey: 'ansel', name: 'Ansel', role: 'defender', stress: 0.2, commitment: 0.7 },
    { npcId: 3, npcKey: 'oona', name: 'Oona', role: 'bystander', stress: 0, commitment: 1 },
  ];
  const endings = [
    { when: 'escalated' as const, outcome: 'The mill burns.', winners: ['tam'] },
    { when: 'settled' as const, outcome: 'The sluice opens.', winners: ['ansel', 'nobody-here'] },
  ];

  it('takes the scenario’s first ending for the way it went, its winners by their scenario ids', () => {
    expect(closingOf({ momentum: 0.4 }, 'The Dry Well', cast, endings)).toEqual({
      outcome: 'The mill burns.',
      winnerNpcIds: [1],
      way: 'escalated',
    });
    expect(closingOf({ momentum: -0.1 }, 'The Dry Well', cast, endings)).toEqual({
      outcome: 'The sluice opens.',
      winnerNpcIds: [2],
      way: 'settled',
    });
    expect(closingOf({ momentum: 0 }, 'The Dry Well', cast, [{ when: 'any', outcome: 'Rain.', winners: [] }]).outcome).toBe('Rain.');
  });

  it('writes its own ending without one: the most committed, least strained stakeholder wins, a bystander last', () => {
    const closing = closingOf({ momentum: -0.3 }, 'The Dry Well', cast, [endings[0]!]);
    expect(closing).toEqual({ outcome: expect.stringContaining('Ansel has the better of it'), winnerNpcIds: [2], way: 'settled' });
    expect(closingOf({ momentum: 0.3 }, 'The Dry Well', [], []).winnerNpcIds).toEqual([]);
  });
});
