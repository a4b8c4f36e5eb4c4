import type { z } from 'zod';

/**
 * The job-queue port. InProcessQueue (p-queue + p-retry, embedded) and BullMqQueue (BullMQ on Redis,
 * distributed) implement it. The hot path only ever calls `dispatch`, which settles at once with
 * accepted / deduplicated / rejected and never throws.
 *
 * Priorities: a higher number is more urgent (reactions 8 > high-stress actions 7 > actions and
 * narration 5), normalised to each backend's own scale. Within one priority the newest job runs
 * first: in a game the work for the current state matters more than work for one already left.
 */

export interface Backoff {
  /** Delay before the first retry. */
  delayMs: number;
  /** Multiplier per further retry (10 s, 30 s, 90 s… is delayMs 10_000, factor 3). */
  factor: number;
}

export interface JobContext {
  readonly jobId: string;
  readonly taskName: string;
  /** 1 on the first run. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** Aborted when the job times out or the queue shuts down. */
  readonly signal: AbortSignal;
}

export type TaskHandler<P, R> = (payload: P, job: JobContext) => Promise<R>;

export interface TaskDefinition<P = unknown, R = unknown> {
  /** Validated at dispatch: a payload that fails is rejected there, never enqueued. */
  payload: z.ZodType<P>;
  /** Default priority of this task's jobs (1..10, higher first). Default 5. */
  priority?: number;
  /** Total runs including the first. Default from config (TASK_ATTEMPTS). */
  attempts?: number;
  backoff?: Backoff;
  /** Per-attempt time limit; the attempt fails as retryable when it passes. */
  timeoutMs?: number;
  /** At most `max` job starts per `durationMs` for this task. */
  rateLimit?: { max: number; durationMs: number };
  /**
   * The slow-path implementation. A process that only dispatches (a web process with
   * `--workers 0`) defines the task without one; a worker process defines it with one.
   */
  handler?: TaskHandler<P, R>;
}

export interface DispatchOptions {
  /** Jobs with the same key collapse into one while the first is waiting or running. */
  dedupeKey?: string;
  /**
   * `first` (default): later dispatches are dropped while one is pending.
   * `latest`: a later dispatch replaces a waiting job; while one runs, exactly one follow-up is kept.
   */
  dedupeMode?: 'first' | 'latest';
  /** How long a dedupe key holds after the job is added. Default: until the job finishes. */
  dedupeTtlMs?: number;
  priority?: number;
  delayMs?: number;
}

export type DispatchResult =
  | { status: 'accepted'; jobId: string }
  | { status: 'deduplicated'; jobId?: string }
  | { status: 'rejected'; reason: string };

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
}

export type JobOutcome = { status: 'completed'; result: unknown } | { status: 'failed'; error: string } | { status: 'timeout' };

export interface QueueEvents {
  completed: { jobId: string; taskName: string; result: unknown; attempts: number; durationMs: number };
  /** `final` is true when no retry follows. */
  failed: { jobId: string; taskName: string; error: string; attempt: number; final: boolean; payload: unknown };
  deduplicated: { taskName: string; dedupeKey: string; jobId?: string };
  active: { jobId: string; taskName: string; attempt: number };
}

export type QueueEventName = keyof QueueEvents;

export interface TaskQueue {
  readonly backend: 'in-process' | 'bullmq';
  defineTask<P, R>(name: string, definition: TaskDefinition<P, R>): void;
  /** Returns at once; never throws; never awaits the job (rejected within ~100 ms if Redis is down). */
  dispatch(name: string, payload: unknown, options?: DispatchOptions): Promise<DispatchResult>;
  /** Starts consuming jobs for every task defined with a handler. */
  startWorkers(): Promise<void>;
  /**
   * Runs `name` (a task with no payload) every `everyMs`, once for the whole cluster however many
   * processes ask: BullMQ keeps one job scheduler per name in Redis; the in-process queue (one
   * process by definition) keeps a timer. Asking again with another interval replaces it.
   */
  repeat(name: string, everyMs: number): Promise<void>;
  counts(): Promise<QueueCounts>;
  on<E extends QueueEventName>(event: E, listener: (data: QueueEvents[E]) => void): () => void;
  /**
   * Waits for a job's outcome (the blocking rollback mode and tests); `timeoutMs` undefined waits
   * without deadline. Inside `hotPath()` it is a violation unless the engine's bounded wait
   * (`waitWithinBudget`) or the blocking mode (`waitOnPurpose`) asked for it.
   */
  waitForJob(jobId: string, timeoutMs?: number): Promise<JobOutcome>;
  ping(): Promise<boolean>;
  /** Stops taking jobs, waits up to `graceMs` for active ones, then hands the rest back (BullMQ) or drops them. */
  close(options?: { graceMs?: number }): Promise<void>;
}
