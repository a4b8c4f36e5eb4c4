import { describe, expect, it } from 'vitest';
import { cacheKeyClass, cacheKeys } from '../../src/conflict/domain/cache-contract.js';

describe('cacheKeyClass', () => {
  const game = 'g-1';

  it('classes the slow path’s results as generated: a miss there is a player served a fallback', () => {
    for (const key of [
      cacheKeys.socialBundle(game, 'h', 2),
      cacheKeys.tensionBundle(game, 'h', 0),
      cacheKeys.manifestations(game, 'h'),
      cacheKeys.canonRecord(game, 1),
      cacheKeys.canonReferences(game, 1),
      cacheKeys.loreCheck(game, 'place', 'h'),
    ]) {
      expect(cacheKeyClass(key), key).toBe('generated');
    }
  });

  it('classes the engine’s read models and the bookkeeping keys apart from generated content', () => {
    expect(cacheKeyClass(cacheKeys.snapshot(game))).toBe('read_model');
    expect(cacheKeyClass(cacheKeys.chronicle(game, 4))).toBe('read_model');
    for (const key of [
      ...cacheKeys.sceneVersionLabels(game),
      cacheKeys.plannedActionsLabel(game),
      cacheKeys.tensionLastScore(game),
      cacheKeys.tensionLastEscalation(game),
    ]) {
      expect(cacheKeyClass(key), key).toBe('bookkeeping');
    }
  });
});
