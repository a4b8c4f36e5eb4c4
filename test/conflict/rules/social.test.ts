import { describe, expect, it } from 'vitest';
import type { GossipItem, GossipType } from '../../../src/conflict/domain/social.js';
import {
  FALLBACK_GOSSIP,
  MISSING_REPUTATION_DEFAULT,
  REPUTATION_DEFAULT,
  REPUTATION_TYPES,
  SOCIAL_BUNDLE_FALLBACK,
  actionReputationKind,
  applyReputationDelta,
  applyReputationTableA,
  completeLlmReputation,
  gossipSpreadProbability,
  reputationDeltasTableB,
  shouldNarrateReputationChange,
  shouldQueueSceneGossip,
  shouldSpreadGossip,
  socialTension,
} from '../../../src/conflict/social/rules.js';
import { noRandom, sequence } from './random.js';

describe('reputation table A (in memory, base 0.5)', () => {
  it.each([
    ['betray', { trustworthy: 0.2, dangerous: 0.7 }],
    ['support', { trustworthy: 0.6, nurturing: 0.6 }],
    ['oppose', { rebellious: 0.7, submissive: 0.3 }],
    ['victory', { influential: 0.7, dangerous: 0.6 }],
    ['defeat', { influential: 0.4, submissive: 0.6 }],
  ] as const)('%s from an empty record', (action, expected) => {
    const scores = applyReputationTableA({}, action);
    expect(Object.keys(scores).sort()).toEqual(Object.keys(expected).sort());
    for (const [type, value] of Object.entries(expected)) expect(scores[type as keyof typeof scores]).toBeCloseTo(value);
  });

  it('builds on existing scores, keeps untouched types and clamps to [0, 1]', () => {
    const scores = applyReputationTableA({ trustworthy: 0.1, dangerous: 0.9, mysterious: 0.4 }, 'betray');
    expect(scores).toEqual({ trustworthy: 0, dangerous: 1, mysterious: 0.4 });
  });

  it('does not modify its input', () => {
    const scores = { trustworthy: 0.5 };
    applyReputationTableA(scores, 'support');
    expect(scores).toEqual({ trustworthy: 0.5 });
  });
});

describe('reputation table B (cached deltas)', () => {
  it('has one row per action', () => {
    expect(reputationDeltasTableB('betray')).toEqual({ trustworthy: -0.3, scandalous: 0.2, dangerous: 0.1 });
    expect(reputationDeltasTableB('support')).toEqual({ trustworthy: 0.2, nurturing: 0.1, influential: 0.1 });
    expect(reputationDeltasTableB('oppose')).toEqual({ rebellious: 0.2, dangerous: 0.1, mysterious: 0.05 });
  });

  it('returns a copy callers may change', () => {
    reputationDeltasTableB('betray').trustworthy = 5;
    expect(reputationDeltasTableB('betray').trustworthy).toBe(-0.3);
  });

  it('applies a delta from the 0.5 default, clamped', () => {
    expect(REPUTATION_DEFAULT).toBe(0.5);
    expect(applyReputationDelta(undefined, 0.2)).toBeCloseTo(0.7);
    expect(applyReputationDelta(0.9, 0.2)).toBe(1);
    expect(applyReputationDelta(0.1, -0.3)).toBe(0);
  });
});

describe('model reputations', () => {
  it('fills every missing type with 0.3 and keeps the rest', () => {
    const scores = completeLlmReputation({ trustworthy: 0.9, dangerous: 1.4 });
    expect(Object.keys(scores).sort()).toEqual([...REPUTATION_TYPES].sort());
    expect(scores.trustworthy).toBe(0.9);
    expect(scores.dangerous).toBe(1);
    expect(scores.mysterious).toBe(MISSING_REPUTATION_DEFAULT);
    expect(MISSING_REPUTATION_DEFAULT).toBe(0.3);
  });

  it('narrates only changes larger than 0.1', () => {
    expect(shouldNarrateReputationChange(0.5, 0.65)).toBe(true);
    expect(shouldNarrateReputationChange(0.5, 0.35)).toBe(true);
    expect(shouldNarrateReputationChange(0.5, 0.6)).toBe(false);
    expect(shouldNarrateReputationChange(0.5, 0.55)).toBe(false);
  });
});

describe('actionReputationKind', () => {
  it.each([
    ['betray', 'betray'],
    ['manipulative', 'betray'],
    ['support', 'support'],
    ['supportive', 'support'],
    ['diplomatic', 'support'],
    ['mediate', 'support'],
    ['oppose', 'oppose'],
    ['aggressive', 'oppose'],
    ['escalate', 'oppose'],
    ['ally', 'ally'],
    ['defensive', 'none'],
    ['evasive', 'none'],
    ['observant', 'none'],
    ['strategic', 'none'],
    ['withdraw', 'none'],
    ['juggling', 'none'],
  ])('%s → %s', (action, kind) => {
    expect(actionReputationKind(action)).toBe(kind);
  });
});

describe('gossip spreading', () => {
  it('computes p = (1 − truth × 0.5) × tendency', () => {
    expect(gossipSpreadProbability(0, 0.8)).toBeCloseTo(0.8);
    expect(gossipSpreadProbability(1, 0.8)).toBeCloseTo(0.4);
    expect(gossipSpreadProbability(0.5, 0.6)).toBeCloseTo(0.45);
    expect(gossipSpreadProbability(0.5, 0)).toBe(0);
  });

  it('spreads when the roll is below p', () => {
    expect(shouldSpreadGossip(0.5, 0.6, sequence(0.44))).toBe(true);
    expect(shouldSpreadGossip(0.5, 0.6, sequence(0.46))).toBe(false);
    expect(shouldSpreadGossip(1, 0.8, sequence(0.4))).toBe(false);
  });
});

describe('socialTension', () => {
  const items = (type: GossipType, count: number): GossipItem[] =>
    Array.from({ length: count }, () => ({ ...FALLBACK_GOSSIP, gossip_type: type }));

  it('grows with the amount of gossip', () => {
    expect(socialTension([])).toBe(0);
    expect(socialTension(items('rumor', 4))).toBeCloseTo(0.4);
    expect(socialTension(items('rumor', 25))).toBe(1);
  });

  it('adds 0.1 per scandal and caps at 1', () => {
    expect(socialTension([...items('rumor', 2), ...items('scandal', 2)])).toBeCloseTo(0.6);
    expect(socialTension(items('scandal', 6))).toBe(1);
  });
});

describe('fallbacks and scene gossip', () => {
  it('falls back to a vague rumor', () => {
    expect(FALLBACK_GOSSIP).toMatchObject({
      gossip_type: 'rumor',
      content: 'Something interesting was mentioned',
      spread_rate: 0.3,
      truthfulness: 0.5,
    });
  });

  it('returns a generating bundle while the real one is written', () => {
    expect(SOCIAL_BUNDLE_FALLBACK).toEqual({ gossip: [], reputation_status: 'pending', alliances: [], status: 'generating' });
  });

  it('queues scene gossip 30 % of the time with two NPCs while generating', () => {
    expect(shouldQueueSceneGossip(2, 'generating', sequence(0.29))).toBe(true);
    expect(shouldQueueSceneGossip(3, 'generating', sequence(0.3))).toBe(false);
  });

  it('never rolls with fewer than two NPCs or a ready bundle', () => {
    expect(shouldQueueSceneGossip(1, 'generating', noRandom)).toBe(false);
    expect(shouldQueueSceneGossip(4, 'ready', noRandom)).toBe(false);
  });
});
