import { describe, expect, it } from 'vitest';
import type { Stakeholder, StakeholderRole } from '../../../src/conflict/domain/stakeholder.js';
import {
  CREATION_DEFAULTS,
  DECISION_FALLBACK,
  REACTION_FALLBACK,
  REACTION_PRIORITY,
  actionPriority,
  applyBreakingPoint,
  applyReaction,
  autonomyChance,
  initialRole,
  needsRoleAdaptation,
  passesAutonomyRoll,
  sceneBehavior,
  selectActingStakeholders,
  selectReactors,
  shouldDispatchActionGeneration,
  stressAfterChoice,
  stressAfterTension,
} from '../../../src/conflict/stakeholders/rules.js';
import { noRandom, sequence } from './random.js';

let nextId = 1;
function stakeholder(role: StakeholderRole, overrides: Partial<Stakeholder> = {}): Stakeholder {
  const id = nextId++;
  return { id, npcId: 100 + id, conflictId: 1, role, decisionStyle: 'rational', stress: 0.5, commitment: 0.5, ...overrides };
}

describe('sceneBehavior (stress before role)', () => {
  it('seed test: a mediator at stress 0.9 is agitated', () => {
    expect(sceneBehavior(stakeholder('mediator', { stress: 0.9 }))).toBe('agitated');
  });

  it('seed test: a mediator at stress 0.3 is diplomatic', () => {
    expect(sceneBehavior(stakeholder('mediator', { stress: 0.3 }))).toBe('diplomatic');
  });

  it('uses strict thresholds: exactly 0.8 is tense, exactly 0.6 falls through to the role', () => {
    expect(sceneBehavior(stakeholder('defender', { stress: 0.81 }))).toBe('agitated');
    expect(sceneBehavior(stakeholder('defender', { stress: 0.8 }))).toBe('tense');
    expect(sceneBehavior(stakeholder('defender', { stress: 0.6 }))).toBe('protective');
  });

  it.each<[StakeholderRole, string]>([
    ['mediator', 'diplomatic'],
    ['peacemaker', 'diplomatic'],
    ['instigator', 'provocative'],
    ['escalator', 'provocative'],
    ['defender', 'protective'],
    ['opportunist', 'calculating'],
    ['victim', 'observant'],
    ['bystander', 'observant'],
  ])('maps a calm %s to %s', (role, behavior) => {
    expect(sceneBehavior(stakeholder(role, { stress: 0.2 }))).toBe(behavior);
  });

  it('treats unknown stress as 0.5, which is below both stress rows', () => {
    expect(sceneBehavior({ role: 'instigator' })).toBe('provocative');
  });
});

describe('shouldDispatchActionGeneration (first match wins)', () => {
  it('seed test: a bystander at stress 0.8 is dispatched', () => {
    expect(shouldDispatchActionGeneration(stakeholder('bystander', { stress: 0.8 }), noRandom)).toBe(true);
  });

  it('seed test: a victim at stress 0.2 is not dispatched', () => {
    expect(shouldDispatchActionGeneration(stakeholder('victim', { stress: 0.2 }), noRandom)).toBe(false);
  });

  it('lets a passive role at exactly 0.4 through to the sampling rule', () => {
    const victim = stakeholder('victim', { stress: 0.4 });
    expect(shouldDispatchActionGeneration(victim, sequence(0.05))).toBe(true);
    expect(shouldDispatchActionGeneration(victim, sequence(0.1))).toBe(false);
  });

  it('dispatches above 0.6 but not at exactly 0.6', () => {
    expect(shouldDispatchActionGeneration(stakeholder('defender', { stress: 0.61 }), noRandom)).toBe(true);
    expect(shouldDispatchActionGeneration(stakeholder('defender', { stress: 0.6 }), sequence(0.5))).toBe(false);
  });

  it.each<StakeholderRole>(['instigator', 'mediator', 'escalator'])('always dispatches a calm %s', (role) => {
    expect(shouldDispatchActionGeneration(stakeholder(role, { stress: 0.1 }), noRandom)).toBe(true);
  });

  it('samples everyone else at 10 %', () => {
    const opportunist = stakeholder('opportunist', { stress: 0.5 });
    expect(shouldDispatchActionGeneration(opportunist, sequence(0.099))).toBe(true);
    expect(shouldDispatchActionGeneration(opportunist, sequence(0.1))).toBe(false);
  });
});

describe('priorities', () => {
  it('serves stressed actions first (7 above 0.7, else 5) and reactions at 8', () => {
    expect(actionPriority(stakeholder('bystander', { stress: 0.71 }))).toBe(7);
    expect(actionPriority(stakeholder('bystander', { stress: 0.7 }))).toBe(5);
    expect(REACTION_PRIORITY).toBe(8);
  });
});

describe('selectActingStakeholders (CONFLICT_UPDATED)', () => {
  it('always picks driving roles and rolls commitment for the rest', () => {
    const instigator = stakeholder('instigator', { commitment: 0 });
    const keen = stakeholder('defender', { commitment: 0.9 });
    const reluctant = stakeholder('victim', { commitment: 0.2 });
    expect(selectActingStakeholders([keen, instigator, reluctant], sequence(0.5, 0.5))).toEqual([instigator, keen]);
  });

  it('caps the actors at 3 and keeps driving roles ahead of volunteers', () => {
    const volunteer = stakeholder('defender', { commitment: 1 });
    const drivers = [stakeholder('mediator'), stakeholder('escalator'), stakeholder('instigator')];
    expect(selectActingStakeholders([volunteer, ...drivers, stakeholder('mediator')], sequence(0))).toEqual(drivers);
  });
});

describe('selectReactors (PLAYER_CHOICE)', () => {
  it('picks the targeted NPC, mediators and instigators without rolling, others by commitment', () => {
    const target = stakeholder('bystander', { commitment: 0 });
    const mediator = stakeholder('mediator', { commitment: 0 });
    const instigator = stakeholder('instigator', { commitment: 0 });
    const committed = stakeholder('defender', { commitment: 0.8 });
    const indifferent = stakeholder('opportunist', { commitment: 0.1 });
    const reactors = selectReactors(
      [target, mediator, instigator, committed, indifferent],
      { targetNpcId: target.npcId },
      sequence(0.5, 0.5),
    );
    expect(reactors).toEqual([target, mediator, instigator, committed]);
  });

  it('rolls for everyone without a forced reason when the choice has no target', () => {
    const bystander = stakeholder('bystander', { commitment: 0.3 });
    expect(selectReactors([bystander], {}, sequence(0.29))).toEqual([bystander]);
    expect(selectReactors([bystander], {}, sequence(0.3))).toEqual([]);
  });
});

describe('stress rules', () => {
  it.each(['aggressive', 'confrontational', 'escalating'])('adds 0.1 for a %s choice', (choice) => {
    expect(stressAfterChoice(0.5, choice)).toBeCloseTo(0.6);
  });

  it('ignores calm choices and caps stress at 1', () => {
    expect(stressAfterChoice(0.5, 'diplomatic')).toBe(0.5);
    expect(stressAfterChoice(0.95, 'aggressive')).toBe(1);
  });

  it('adds 0.05 only above tension 0.7, capped at 1', () => {
    expect(stressAfterTension(0.5, 0.71)).toBeCloseTo(0.55);
    expect(stressAfterTension(0.5, 0.7)).toBe(0.5);
    expect(stressAfterTension(0.98, 0.9)).toBe(1);
  });

  it('adds a reaction stress impact, clamped to [0, 1]', () => {
    const s = stakeholder('victim', { stress: 0.5 });
    expect(applyReaction(s, { stress_impact: 0.2 }).stress).toBeCloseTo(0.7);
    expect(applyReaction(s, { stress_impact: -0.8 }).stress).toBe(0);
    expect(applyReaction(s, { stress_impact: 0.9 }).stress).toBe(1);
  });
});

describe('applyBreakingPoint (stress ≥ 0.9)', () => {
  it('makes a stakeholder at exactly 0.9 withdraw and relieves 0.5 stress', () => {
    const outcome = applyBreakingPoint(stakeholder('instigator', { stress: 0.9, commitment: 0.8 }));
    expect(outcome.broke).toBe(true);
    expect(outcome.stressRelief).toBe(0.5);
    expect(outcome.stakeholder).toMatchObject({ role: 'bystander', commitment: 0 });
    expect(outcome.stakeholder.stress).toBeCloseTo(0.4);
  });

  it('leaves a stakeholder below 0.9 untouched', () => {
    const calm = stakeholder('instigator', { stress: 0.89 });
    expect(applyBreakingPoint(calm)).toEqual({ stakeholder: calm, broke: false, stressRelief: 0 });
  });
});

describe('autonomy (STATE_SYNC)', () => {
  it('gives 50 % above stress 0.7, 40 % to instigators and escalators, 20 % otherwise', () => {
    expect(autonomyChance(stakeholder('bystander', { stress: 0.71 }))).toBe(0.5);
    expect(autonomyChance(stakeholder('escalator', { stress: 0.7 }))).toBe(0.4);
    expect(autonomyChance(stakeholder('instigator', { stress: 0.2 }))).toBe(0.4);
    expect(autonomyChance(stakeholder('mediator', { stress: 0.2 }))).toBe(0.2);
  });

  it('rolls against that chance', () => {
    const s = stakeholder('mediator', { stress: 0.2 });
    expect(passesAutonomyRoll(s, sequence(0.19))).toBe(true);
    expect(passesAutonomyRoll(s, sequence(0.2))).toBe(false);
  });
});

describe('needsRoleAdaptation', () => {
  it('adapts the overwhelmed, idle bystanders at the climax and escalators at resolution', () => {
    expect(needsRoleAdaptation(stakeholder('mediator', { stress: 0.81 }), 'rising')).toBe(true);
    expect(needsRoleAdaptation(stakeholder('mediator', { stress: 0.8 }), 'rising')).toBe(false);
    expect(needsRoleAdaptation(stakeholder('bystander', { stress: 0.2 }), 'climax')).toBe(true);
    expect(needsRoleAdaptation(stakeholder('bystander', { stress: 0.2 }), 'rising')).toBe(false);
    expect(needsRoleAdaptation(stakeholder('escalator', { stress: 0.2 }), 'resolution')).toBe(true);
    expect(needsRoleAdaptation(stakeholder('escalator', { stress: 0.2 }), 'climax')).toBe(false);
  });
});

describe('initialRole', () => {
  it('draws power conflicts from instigator, defender, opportunist', () => {
    expect(initialRole('Power_Struggle', sequence(0))).toBe('instigator');
    expect(initialRole('power', sequence(0.5))).toBe('defender');
    expect(initialRole('power', sequence(0.99))).toBe('opportunist');
  });

  it('draws social conflicts from mediator, bystander, escalator', () => {
    expect(initialRole('social_rivalry', sequence(0))).toBe('mediator');
    expect(initialRole('social_rivalry', sequence(0.4))).toBe('bystander');
    expect(initialRole('social_rivalry', sequence(0.7))).toBe('escalator');
  });

  it('makes everyone else a bystander without rolling', () => {
    expect(initialRole('interpersonal', noRandom)).toBe('bystander');
  });
});

describe('defaults and fallbacks', () => {
  it('creates reactive bystanders at stress 0.3, commitment 0.5', () => {
    expect(CREATION_DEFAULTS).toEqual({ role: 'bystander', decisionStyle: 'reactive', stress: 0.3, commitment: 0.5 });
  });

  it('falls back to observing', () => {
    expect(DECISION_FALLBACK).toEqual({ action_type: 'observant', description: 'Observes the situation', success_probability: 0.7 });
    expect(REACTION_FALLBACK.reaction_type).toBe('observe');
    expect(REACTION_FALLBACK.stress_impact).toBe(0);
  });
});

describe('autonomy cooldown', () => {
  it('lets a stakeholder ask for a new decision only once per cooldown', async () => {
    const { AUTONOMY_COOLDOWN_MS, autonomyRested } = await import('../../../src/conflict/stakeholders/rules.js');
    expect(autonomyRested(undefined, 1_000)).toBe(true);
    expect(autonomyRested(1_000, 1_000 + AUTONOMY_COOLDOWN_MS - 1)).toBe(false);
    expect(autonomyRested(1_000, 1_000 + AUTONOMY_COOLDOWN_MS)).toBe(true);
  });
});
