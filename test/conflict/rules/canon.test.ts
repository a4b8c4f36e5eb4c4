import { describe, expect, it } from 'vitest';
import {
  FOUNDING_MYTHS,
  canonTags,
  loggedSignificance,
  loreCheckContent,
  loreComplianceFast,
  lorePlaceholder,
  mythologySummary,
  resolutionCanonCheck,
  resolutionPhaseSignificance,
  shouldCanonize,
  significanceScore,
} from '../../../src/conflict/canon/rules.js';
import { CANON_EVENT_TYPES } from '../../../src/conflict/domain/canon.js';

describe('shouldCanonize', () => {
  it('canonises an intense, significant resolution', () => {
    expect(shouldCanonize({ intensity: 0.75, significance: 0.65 })).toBe(true);
    expect(shouldCanonize({ intensity: 0.7, significance: 0.65 })).toBe(false);
    expect(shouldCanonize({ intensity: 0.75, significance: 0.6 })).toBe(false);
  });

  it('defaults intensity to 0.5, too low for the first branch', () => {
    expect(shouldCanonize({ significance: 0.9 })).toBe(false);
  });

  it('canonises a significant resolution the player took part in', () => {
    expect(shouldCanonize({ playerInvolved: true, significance: 0.55 })).toBe(true);
    expect(shouldCanonize({ playerInvolved: true, significance: 0.5 })).toBe(false);
    expect(shouldCanonize({ playerInvolved: false, significance: 0.55 })).toBe(false);
  });

  it('canonises anything that changed the world', () => {
    expect(shouldCanonize({ worldImpact: 0.71 })).toBe(true);
    expect(shouldCanonize({ worldImpact: 0.7 })).toBe(false);
  });
});

describe('significanceScore', () => {
  it('scores a small personal conflict', () => {
    expect(significanceScore({ conflictType: 'personal', stakeholderCount: 2, progress: 10, alreadyReferenced: false })).toBeCloseTo(0.5);
  });

  it('scores a late political conflict with many stakeholders, capping stakeholders at 0.2', () => {
    expect(significanceScore({ conflictType: 'political', stakeholderCount: 10, progress: 80, alreadyReferenced: false })).toBeCloseTo(0.9);
  });

  it('caps the total at 1', () => {
    expect(significanceScore({ conflictType: 'political', stakeholderCount: 4, progress: 100, alreadyReferenced: true })).toBe(1);
  });

  it.each([
    ['faction_war', 0.25],
    ['Power_Struggle', 0.25],
    ['social', 0.15],
    ['background', 0.05],
    ['economic', 0.1],
  ])('gives %s a type score of %s', (conflictType, typeScore) => {
    expect(significanceScore({ conflictType, stakeholderCount: 0, progress: 79, alreadyReferenced: false })).toBeCloseTo(0.3 + typeScore);
  });

  it('adds 0.1 for an existing reference', () => {
    const base = { conflictType: 'social', stakeholderCount: 1, progress: 0 };
    expect(significanceScore({ ...base, alreadyReferenced: true }) - significanceScore({ ...base, alreadyReferenced: false })).toBeCloseTo(
      0.1,
    );
  });

  it('logs significance as round(sig × 10) within 1–10', () => {
    expect(loggedSignificance(0.64)).toBe(6);
    expect(loggedSignificance(0.65)).toBe(7);
    expect(loggedSignificance(0.01)).toBe(1);
    expect(loggedSignificance(1.4)).toBe(10);
  });
});

describe('canonTags', () => {
  it('tags a precedent', () => {
    expect(canonTags({ eventType: 'tradition_born', conflictType: 'social', conflictId: 42, createsPrecedent: true })).toEqual([
      'conflict',
      'resolution',
      'tradition_born',
      'social',
      'conflict_id_42',
      'precedent',
    ]);
  });

  it('tags an ordinary event', () => {
    expect(canonTags({ eventType: 'cultural_shift', conflictType: 'power', conflictId: 3, createsPrecedent: false }).at(-1)).toBe('event');
  });
});

describe('FOUNDING_MYTHS', () => {
  it('seeds five myths of significance 10, 9, 8, 9, 7 with distinct names and real text', () => {
    expect(FOUNDING_MYTHS.map((myth) => myth.significance)).toEqual([10, 9, 8, 9, 7]);
    expect(new Set(FOUNDING_MYTHS.map((myth) => myth.name)).size).toBe(5);
    for (const myth of FOUNDING_MYTHS) {
      expect(CANON_EVENT_TYPES).toContain(myth.eventType);
      expect(myth.text.length).toBeGreaterThan(40);
    }
  });
});

describe('lore checks', () => {
  it('answers optimistically while the real check runs', () => {
    expect(lorePlaceholder()).toEqual({ is_compliant: true, conflicts: [], needs_review: true, status: 'pending' });
    expect(lorePlaceholder()).not.toBe(lorePlaceholder());
  });

  it('treats no matches as compliant', () => {
    expect(loreComplianceFast([])).toEqual({ is_compliant: true, conflicts: [] });
  });

  it('flags the closest match above 0.85', () => {
    const matches = [
      { similarity: 0.5, text: 'far' },
      { similarity: 0.91, text: 'The well was sealed by the elders' },
    ];
    expect(loreComplianceFast(matches)).toEqual({
      is_compliant: false,
      conflicts: ['The well was sealed by the elders'],
      similarity: 0.91,
    });
    expect(loreComplianceFast([{ similarity: 0.9 }])).toEqual({ is_compliant: false, conflicts: ['Unknown conflict'], similarity: 0.9 });
  });

  it('accepts a match at exactly the threshold, and honours a custom one', () => {
    expect(loreComplianceFast([{ similarity: 0.85, text: 'x' }]).is_compliant).toBe(true);
    expect(loreComplianceFast([{ similarity: 0.75, text: 'x' }], 0.7).is_compliant).toBe(false);
  });

  it('phrases the content to check', () => {
    expect(loreCheckContent({ type: 'duel', location: 'the harbour', participants: [1, 2, 3] })).toBe(
      'duel at the harbour with 3 participants',
    );
  });
});

describe('resolution canon check (PHASE_TRANSITION)', () => {
  it('scales intensity by 1.2, capped at 1', () => {
    expect(resolutionPhaseSignificance(0.5)).toBeCloseTo(0.6);
    expect(resolutionPhaseSignificance(0.9)).toBe(1);
  });

  it('fires on toPhase resolution and marks canon potential above 0.7', () => {
    expect(resolutionCanonCheck({ toPhase: 'resolution', intensity: 0.6 })?.potentialCanon).toBe(true);
    const weak = resolutionCanonCheck({ toPhase: 'resolution', intensity: 0.5 });
    expect(weak?.potentialCanon).toBe(false);
    expect(weak?.significance).toBeCloseTo(0.6);
  });

  it('ignores other transitions', () => {
    expect(resolutionCanonCheck({ toPhase: 'climax', intensity: 1 })).toBeUndefined();
  });
});

describe('mythologySummary', () => {
  it('reads the record text, or says what is missing', () => {
    expect(mythologySummary({ canonText: 'They still sing of it.' })).toBe('They still sing of it.');
    expect(mythologySummary({ canonText: null })).toBe('Mythology pending generation...');
    expect(mythologySummary({ canonText: '' })).toBe('Mythology pending generation...');
    expect(mythologySummary(undefined)).toBe('No canonical record yet');
    expect(mythologySummary(null)).toBe('No canonical record yet');
  });
});
