import { metrics } from '../../observability/metrics.js';
import type { TaskQueue } from './task-queue.js';

/**
 * Admission bound to what the slow path can finish. The queue's backlog (its waiting jobs, for the
 * whole cluster: BullMQ counts live in Redis; delayed jobs — retries in backoff, held-back kinds,
 * the next run of a schedule — do not compete for a worker until their time) may not grow past a bound, so a job admitted
 * now starts within about one freshness horizon instead of behind minutes of work nobody will read.
 *
 * The bound is what the workers finish in one horizon (completions per second, measured over the
 * last `windowMs` from the queue's own completion events), never below `concurrency` nor
 * MIN_BOUND: the workers must never idle for lack of waiting work (or the measured rate would fall
 * with the bound), and one request's burst into an idle queue must not be shed. Nor above twice the
 * concurrency (or MIN_BOUND): jobs dropped before their model call finish in milliseconds and would
 * inflate the rate. Work of lower value may fill only a share of the bound: when demand passes
 * capacity, the least valuable kinds are refused first (their callers keep the rule fallback at
 * once) and the most valuable keep flowing.
 *
 * A request only reads numbers in memory: the backlog is sampled by a timer (`sampleEveryMs`), and
 * what this process admitted since the last sample is added to it beyond the slots that were free
 * then (a job sent to an idle worker does not wait), so the hot path makes no round
 * trip to ask. Several web processes may overshoot the bound by what each admits between two
 * samples; the queue stays bounded all the same.
 */
export interface SlowPathCapacityOptions {
  /** Model calls the workers run at once (QUEUE_CONCURRENCY): the smallest bound. */
  concurrency: number;
  /** How long admitted work may wait before it starts, at the measured rate. Default 3000 ms. */
  horizonMs?: number;
  /** Completions counted for the rate. Default 10 000 ms. */
  windowMs?: number;
  /** How often the backlog is read from the queue. Default 200 ms. */
  sampleEveryMs?: number;
  /** How long after the last refusal the slow path still reports itself shedding. Default 2000 ms. */
  sheddingHoldMs?: number;
}

/** The smallest bound, whatever the concurrency: room for one busy request's work in an idle queue. */
export const MIN_BOUND = 32;

/** A game may always take this many admissions per horizon, however many games share the bound: about one turn's work. */
export const MIN_GAME_SHARE = 4;

/**
 * The share of the workers spare-capacity work leaves idle for the demand that arrives while it
 * runs: it is admitted only while more than a quarter of them stand idle.
 */
const IDLE_RESERVE = 0.25;

/** An admission not sent within this long is forgotten (its request failed before it committed). */
const PENDING_FOR_AT_MOST_MS = 5_000;

export class SlowPathCapacity {
  private backlogAtSample = 0;
  private freeSlotsAtSample: number;
  private sentSinceSample = 0;
  private completedSinceSample = 0;
  /** When each admitted job not yet sent was admitted, oldest first. */
  private readonly pending: number[] = [];
  /** Per game, when its admissions of the last horizon happened, oldest first. */
  private readonly admittedByGame = new Map<string, number[]>();
  private lastRefusalAt = Number.NEGATIVE_INFINITY;
  private readonly completions: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: () => void;
  private readonly horizonMs: number;
  private readonly windowMs: number;
  private readonly startedAt: number;

  constructor(
    private readonly queue: Pick<TaskQueue, 'counts' | 'on'>,
    private readonly options: SlowPathCapacityOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
    this.horizonMs = options.horizonMs ?? 3_000;
    this.windowMs = options.windowMs ?? 10_000;
    this.freeSlotsAtSample = options.concurrency;
    this.unsubscribe = queue.on('completed', () => {
      this.completions.push(this.now());
      this.completedSinceSample++;
    });
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sample(), this.options.sampleEveryMs ?? 200);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.unsubscribe();
  }

  /** Reads the backlog now (the timer does this; tests call it directly). A queue that cannot answer leaves the last reading. */
  async sample(): Promise<void> {
    try {
      const counts = await this.queue.counts();
      this.backlogAtSample = counts.waiting;
      this.freeSlotsAtSample = Math.max(0, this.options.concurrency - counts.active);
      this.sentSinceSample = 0;
      this.completedSinceSample = 0;
      metrics.slowPathBacklogBound.set(this.bound);
      this.forgetQuietGames();
    } catch {
      // Keep the last reading: a refusal here would shed everything during a short Redis blip.
    }
  }

  /** Jobs finished per second over the last window (since start, while the window is not yet full). */
  get completionsPerSecond(): number {
    const now = this.now();
    while (this.completions.length > 0 && this.completions[0]! <= now - this.windowMs) this.completions.shift();
    const span = Math.min(this.windowMs, Math.max(1_000, now - this.startedAt));
    return (this.completions.length * 1_000) / span;
  }

  /** How many jobs may wait: one horizon of measured completions, between max(concurrency, MIN_BOUND) and twice that. */
  get bound(): number {
    const floor = Math.max(this.options.concurrency, MIN_BOUND);
    const measured = Math.ceil((this.completionsPerSecond * this.horizonMs) / 1_000);
    return Math.min(2 * floor, Math.max(floor, measured));
  }

  /**
   * The backlog as this process knows it: what it admitted and has not sent, plus the jobs waiting
   * at the last sample and those it sent since beyond the slots free then, less one for each job
   * finished since (its worker took the next). Without the completions, fast jobs sent between two
   * samples would count as waiting until the next one and shed the next request's work.
   */
  get backlog(): number {
    const forgottenBefore = this.now() - PENDING_FOR_AT_MOST_MS;
    while (this.pending.length > 0 && this.pending[0]! < forgottenBefore) this.pending.shift();
    const waiting = this.backlogAtSample + Math.max(0, this.sentSinceSample - this.freeSlotsAtSample);
    return this.pending.length + Math.max(0, waiting - this.completedSinceSample);
  }

  /**
   * Workers idle now as this process knows it: those free at the last sample or freed since, less
   * the jobs waiting then and those it sent or admitted since.
   */
  get idleWorkers(): number {
    const freed = this.freeSlotsAtSample + this.completedSinceSample;
    return Math.max(0, freed - this.backlogAtSample - this.sentSinceSample - this.pending.length);
  }

  /** Whether spare-capacity work would be admitted now: nothing waits, and more than the reserve of workers stand idle. */
  get spare(): boolean {
    return this.idleWorkers > Math.floor(this.options.concurrency * IDLE_RESERVE);
  }

  /**
   * Whether work allowed to fill `share` of the bound (1: all of it; Infinity: never refused; 0:
   * none, spare capacity only) may be queued now, for `gameId` when it is one game's work. An
   * admitted job counts towards the backlog from now on; say when it is `sent`.
   */
  admit(share: number, gameId?: string): boolean {
    // Spare work refused is no demand refused: it does not make the slow path report itself shedding.
    if (share === 0 && !this.spare) return false;
    if (share !== 0 && share !== Number.POSITIVE_INFINITY) {
      const backlog = this.backlog;
      const overShare = backlog >= this.bound * share;
      const unfair = gameId !== undefined && backlog >= this.bound / 2 && this.recentAdmissions(gameId) >= this.fairShare;
      if (overShare || unfair) {
        this.lastRefusalAt = this.now();
        return false;
      }
    }
    const now = this.now();
    this.pending.push(now);
    // Spare work takes nothing from a game's fair share: it ran on workers nobody else wanted.
    if (gameId !== undefined && share !== 0) {
      const times = this.admittedByGame.get(gameId);
      if (times) times.push(now);
      else this.admittedByGame.set(gameId, [now]);
    }
    return true;
  }

  /** What one game may take per horizon while the queue is contended: the bound shared by the games admitted lately. */
  get fairShare(): number {
    return Math.max(MIN_GAME_SHARE, Math.ceil(this.bound / Math.max(1, this.admittedByGame.size)));
  }

  private recentAdmissions(gameId: string): number {
    const times = this.admittedByGame.get(gameId);
    if (!times) return 0;
    const since = this.now() - this.horizonMs;
    while (times.length > 0 && times[0]! <= since) times.shift();
    return times.length;
  }

  private forgetQuietGames(): void {
    for (const gameId of [...this.admittedByGame.keys()]) {
      if (this.recentAdmissions(gameId) === 0) this.admittedByGame.delete(gameId);
    }
  }

  /** Admitted jobs that will not be sent after all (their request wrote nothing): they no longer count. */
  release(count: number): void {
    this.pending.splice(0, count);
  }

  /** A job went to the queue: one this process `admit`ted (`admitted`), or one sent again without asking (lost work). */
  sent(admitted: boolean): void {
    if (admitted) this.pending.shift();
    this.sentSinceSample++;
  }

  /** How many more jobs of `share` the backlog has room for now (spare-capacity work asks before it claims). */
  room(share: number): number {
    return Math.max(0, Math.floor(this.bound * share) - this.backlog);
  }

  /** Whether work was refused within the last `sheddingHoldMs`: the state's `degraded` flag. */
  get shedding(): boolean {
    return this.now() - this.lastRefusalAt < (this.options.sheddingHoldMs ?? 2_000);
  }
}
