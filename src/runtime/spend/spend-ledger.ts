import { cacheKey, type Cache } from '../cache/cache.js';

/** Spend is counted in nano-dollars: integers add exactly and atomically on every cache backend. */
const NANO_PER_USD = 1_000_000_000;
const HOUR_MS = 3_600_000;
/** An hour's counter outlives its hour so the hour just past can still be read. */
const HOUR_TTL_SECONDS = 2 * 3600;
/** A game untouched this long stops holding a counter. */
const GAME_TTL_SECONDS = 30 * 24 * 3600;

/**
 * What models have cost, per game and per clock hour, in the cache backend in use, so every web and
 * worker process charges and reads the same totals (memory when embedded, Redis when distributed).
 */
export class SpendLedger {
  constructor(
    private readonly cache: Cache,
    /** Injectable for tests; Date.now by default. */
    private readonly now: () => number = Date.now,
  ) {}

  /** Adds `usd` to the game's total (when the call had a game) and to the current hour's. */
  async charge(gameId: string | undefined, usd: number): Promise<void> {
    const nano = Math.round(usd * NANO_PER_USD);
    if (nano <= 0) return;
    await Promise.all([
      this.cache.addToCounter(this.hourKey(), nano, HOUR_TTL_SECONDS),
      gameId === undefined ? undefined : this.cache.addToCounter(gameKey(gameId), nano, GAME_TTL_SECONDS),
    ]);
  }

  async gameSpentUsd(gameId: string): Promise<number> {
    return (await this.cache.counter(gameKey(gameId))) / NANO_PER_USD;
  }

  /** Counts a player turn (a choice) in the current hour, so spend per turn can be read across processes. */
  async countTurn(): Promise<void> {
    await this.cache.addToCounter(this.hourKey('turns'), 1, HOUR_TTL_SECONDS);
  }

  /** Player turns since the start of the current clock hour. */
  async hourTurns(): Promise<number> {
    return this.cache.counter(this.hourKey('turns'));
  }

  /** Spent since the start of the current clock hour (UTC). */
  async hourSpentUsd(): Promise<number> {
    return (await this.cache.counter(this.hourKey())) / NANO_PER_USD;
  }

  private hourKey(counter: 'spend' | 'turns' = 'spend'): string {
    return cacheKey('llm', counter, 'hour', Math.floor(this.now() / HOUR_MS));
  }
}

function gameKey(gameId: string): string {
  return cacheKey('llm', 'spend', 'game', gameId);
}
