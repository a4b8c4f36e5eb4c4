/** The rules' dice: a number in [0, 1), as `Math.random` returns. */
export type Random = () => number;

/**
 * The dice of one request on one version of a game, seeded by the game's seed and that version: a
 * game created with the same seed and answered with the same choices rolls the same numbers, so a
 * story can be replayed and a test about chance events does not depend on luck.
 *
 * Mulberry32, a 32-bit generator: enough for a handful of rolls per request, and a pure function of
 * its seed (no state outlives the request).
 */
export function seededRandom(seed: number, version: number): Random {
  let state = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(version | 0, 0x85ebca6b)) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
