import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/conflict/domain/random.js';

const rolls = (random: () => number, count = 1_000) => Array.from({ length: count }, random);

describe('seededRandom', () => {
  it('rolls the same numbers for the same seed and version', () => {
    expect(rolls(seededRandom(7, 3))).toEqual(rolls(seededRandom(7, 3)));
  });

  it('rolls other numbers for another seed or another version', () => {
    const base = rolls(seededRandom(7, 3), 20);
    expect(rolls(seededRandom(8, 3), 20)).not.toEqual(base);
    expect(rolls(seededRandom(7, 4), 20)).not.toEqual(base);
    // Seed and version are not interchangeable: game 3 at version 7 is not game 7 at version 3.
    expect(rolls(seededRandom(3, 7), 20)).not.toEqual(base);
  });

  it('rolls evenly over [0, 1), as Math.random does', () => {
    const values = rolls(seededRandom(123_456, 0), 20_000);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
    // Each tenth of the range gets its share: the rules compare against thresholds like 0.1 and 0.3.
    const tenths = new Array<number>(10).fill(0);
    for (const v of values) tenths[Math.floor(v * 10)]!++;
    for (const count of tenths) expect(count).toBeGreaterThan(1_800);
    for (const count of tenths) expect(count).toBeLessThan(2_200);
    expect(new Set(values).size).toBeGreaterThan(19_990);
  });

  it('starts differently for neighbouring versions (no shared first roll)', () => {
    const firsts = Array.from({ length: 200 }, (_, version) => seededRandom(42, version)());
    expect(new Set(firsts).size).toBe(200);
    const below = firsts.filter((v) => v < 0.3).length;
    expect(below).toBeGreaterThan(35);
    expect(below).toBeLessThan(85);
  });
});
