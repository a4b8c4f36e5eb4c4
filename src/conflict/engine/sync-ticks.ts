import { LRUCache } from 'lru-cache';

/** Games whose last tick a process remembers: one entry per game played here recently. */
const KEPT_TICKS = 100_000;

interface Tick {
  /** When the game's state_sync handlers last ran to the end in this process. */
  at: number;
  /** The planned-actions counter they had claimed up to (`GameSnapshot.plannedActionsSeen`). */
  plannedSeen: number;
}

/**
 * When each game last ticked in this process. A state sync does two things: it reads the game, and
 * it ticks it (the state_sync handlers claim NPC moves the slow path planned, roll NPC autonomy, and
 * ask for what is missing). Ticking a game more often than once per interval changes nothing a
 * player could tell (an NPC's autonomy rests for longer than that, and missing work is asked for
 * only once). So a sync inside the interval from a client that has the current version is answered
 * 304 from the cache alone: no lane, no snapshot, no handler.
 *
 * The one thing that cannot wait is a planned move the slow path has just written: a sync that
 * finds the planned-actions counter moved past what the last tick claimed ticks at once.
 */
export class SyncTicks {
  private readonly ticks = new LRUCache<string, Tick>({ max: KEPT_TICKS });

  /**
   * @param intervalMs The least time between two ticks of one game (SYNC_TICK_MS, default 1000);
   *   0 ticks on every sync.
   */
  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number,
  ) {}

  /** Records a tick that ran to the end, with the planned-actions counter it claimed up to. */
  ticked(gameId: string, plannedSeen: number): void {
    if (this.intervalMs > 0) this.ticks.set(gameId, { at: this.now(), plannedSeen });
  }

  /**
   * Whether a sync now may skip the tick: one ran within the interval, and the planned-actions
   * counter (read only then) has not moved since.
   */
  async rested(gameId: string, plannedCounter: () => Promise<number>): Promise<boolean> {
    const last = this.ticks.get(gameId);
    if (last === undefined || this.now() - last.at >= this.intervalMs) return false;
    return (await plannedCounter()) === last.plannedSeen;
  }
}
