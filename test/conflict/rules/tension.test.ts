import { describe, expect, it } from 'vitest';
import { TENSION_LEVELS } from '../../../src/conflict/domain/tension.js';
import {
  ESCALATION_COOLDOWN_MS,
  TENSION_FALLBACK,
  atmosphereFor,
  shouldEscalate,
  tensionLevel,
  tensionScore,
} from '../../../src/conflict/tension/rules.js';

describe('tensionScore', () => {
  it('weighs intensity 0.6 and adds 0.1 per conflict and 0.05 per escalation', () => {
    expect(tensionScore({ avgIntensity: 0.5, activeConflicts: 2, escalations: 1 })).toBeCloseTo(0.55);
  });

  it('caps the conflict term at 0.3 and the escalation term at 0.2', () => {
    expect(tensionScore({ avgIntensity: 0, activeConflicts: 10, escalations: 0 })).toBeCloseTo(0.3);
    expect(tensionScore({ avgIntensity: 0, activeConflicts: 0, escalations: 10 })).toBeCloseTo(0.2);
  });

  it('caps the total at 1', () => {
    expect(tensionScore({ avgIntensity: 1, activeConflicts: 5, escalations: 5 })).toBe(1);
  });
});

describe('tensionLevel', () => {
  it.each([
    [0, 'baseline'],
    [0.19, 'baseline'],
    [0.2, 'simmering'],
    [0.39, 'simmering'],
    [0.4, 'rising'],
    [0.59, 'rising'],
    [0.6, 'high'],
    [0.79, 'high'],
    [0.8, 'critical'],
    [1, 'critical'],
  ])('%s is %s', (score, level) => {
    expect(tensionLevel(score)).toBe(level);
  });
});

describe('shouldEscalate', () => {
  const now = 1_700_000_000_000;

  it('escalates high tension once the two-hour cooldown has passed', () => {
    expect(shouldEscalate(0.75, now - ESCALATION_COOLDOWN_MS - 1, now)).toBe(true);
    expect(shouldEscalate(0.75, now - ESCALATION_COOLDOWN_MS, now)).toBe(false);
    expect(shouldEscalate(0.75, null, now)).toBe(true);
  });

  it('needs tension above 0.7', () => {
    expect(shouldEscalate(0.7, null, now)).toBe(false);
  });

  it('escalates extreme tension regardless of the cooldown', () => {
    expect(shouldEscalate(0.91, now, now)).toBe(true);
    expect(shouldEscalate(0.9, now, now)).toBe(false);
  });
});

describe('fallback and atmosphere', () => {
  it('falls back to a calm baseline while generating', () => {
    expect(TENSION_FALLBACK).toEqual({
      tension_level: 'baseline',
      tension_score: 0.3,
      manifestations: [],
      atmosphere: 'calm',
      status: 'generating',
    });
    expect(atmosphereFor('baseline')).toBe(TENSION_FALLBACK.atmosphere);
  });

  it('describes each level differently', () => {
    expect(new Set(TENSION_LEVELS.map(atmosphereFor)).size).toBe(TENSION_LEVELS.length);
  });
});
