import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { LRUCache } from 'lru-cache';
import PQueue from 'p-queue';
import { metrics } from '../../observability/metrics.js';
import { assertJobWaitAllowed } from '../hot-path/hot-path.js';
import { raceDeadline } from './deadline.js';
import { QueueEventBus } from './queue-event-bus.js';
import { TaskAttemptRunner, unlimitedAbortController } from './task-attempt.js';
import { isPermanentTaskError } from './task-errors.js';
import type {
  DispatchOptions,
  DispatchResult,
  JobOutcome,
  QueueCounts,
  QueueEventName,
  QueueEvents,
  TaskDefinition,
  TaskQueue,
} from './task-queue.js';
import { DispatchRejection, errorMessage, retryDelayMs, TaskRegistry, type PreparedJob, type TaskDefaults } from './task-registry.js';
import { MemoryTaskStartGate } from './task-start-gate.js';

export interface InProcessQueueOptions extends TaskDefaults {
  /** Jobs running at once, across all task kinds. */
  concurrency: number;
  /** Finished outcomes kept for `waitForJob` and `counts`. Default 1000. */
  keepFinished?: number;
}

/** How a job ended: a deadline is the waiter's, never the job's. */
type FinishedOutcome = Exclude<JobOutcome, { status: 'timeout' }>;

interface QueuedJob {
  readonly id: string;
  readonly prepared: PreparedJob;
  /** Replaced in place by a `latest` dispatch while the job has not started. */
  payload: unknown;
  state: 'waiting' | 'active' | 'delayed';
  attempt: number;
  /** `latest` mode: the newest dispatch that arrived while this job was running. */
  followUp?: PreparedJob;
  readonly finished: Promise<FinishedOutcome>;
  settle(outcome: FinishedOutcome): void;
}

/**
 * The embedded queue: jobs live in this process's memory and run on a p-queue, highest priority
 * first across all task kinds, and within one priority the newest first (work for the state the
 * player sees now before work for one they have left). Retries are re-queued after their backoff (not slept inside a
 * slot, so a waiting retry does not hold up other work).
 *
 * What is lost when the process dies: every job that is waiting, delayed (backoff, `delayMs`,
 * rate-limit or 429 hold-back) or running, with its pending `latest` follow-up; the dedupe keys
 * (so nothing blocks a re-dispatch); the recent outcomes behind `waitForJob`; the rate-limit
 * windows and hold-backs. Nothing else needs recovering: the engine reads content first and
 * dispatches whatever is missing (query-then-dispatch), so the next read after a restart
 * re-dispatches the lost work. A graceful `close` drops waiting jobs the same way.
 */
export class InProcessQueue implements TaskQueue {
  readonly backend = 'in-process' as const;
  private readonly tasks: TaskRegistry;
  private readonly events = new QueueEventBus();
  private readonly runner = new TaskAttemptRunner(new MemoryTaskStartGate(), this.events);
  private readonly slots: PQueue;
  /** Aborts every running job on close; each running job listens to it, so it has no listener cap. */
  private readonly stop = unlimitedAbortController();
  private readonly live = new Map<string, QueuedJob>();
  private readonly finishedOutcomes: LRUCache<string, FinishedOutcome>;
  /** dedupe key → the job holding it; a `dedupeTtlMs` key outlives its job until the TTL ends. */
  private readonly dedupeHolders = new LRUCache<string, string>({ max: 100_000 });
  private closing = false;
  /** Timers of `repeat`, by task name. */
  private readonly schedules = new Map<string, NodeJS.Timeout>();

  constructor(options: InProcessQueueOptions) {
    this.tasks = new TaskRegistry(options);
    this.slots = new PQueue({ concurrency: options.concurrency, autoStart: false });
    this.finishedOutcomes = new LRUCache({ max: options.keepFinished ?? 1000 });
  }

  defineTask<P, R>(name: string, definition: TaskDefinition<P, R>): void {
    this.tasks.define(name, definition);
  }

  dispatch(name: string, payload: unknown, options: DispatchOptions = {}): Promise<DispatchResult> {
    return this.events.settleDispatch(name, options, async () => {
      if (this.closing) throw new DispatchRejection('queue is closed');
      const prepared = this.tasks.prepare(name, payload, options);
      if (!prepared.task.handler) {
        throw new DispatchRejection(`task "${name}" has no handler, and the in-process queue runs its jobs in this process`);
      }
      const duplicate = prepared.dedupe && this.collapseIntoHolder(prepared);
      if (duplicate) return duplicate;
      return { status: 'accepted', jobId: this.enqueue(prepared).id };
    });
  }

  async startWorkers(): Promise<void> {
    if (!this.closing) this.slots.start();
  }

  async repeat(name: string, everyMs: number): Promise<void> {
    this.tasks.prepare(name, {}, {});
    clearInterval(this.schedules.get(name));
    const timer = setInterval(() => void this.dispatch(name, {}, { dedupeKey: `repeat:${name}` }), everyMs);
    timer.unref();
    this.schedules.set(name, timer);
  }

  async counts(): Promise<QueueCounts> {
    const counts: QueueCounts = { waiting: 0, active: 0, delayed: 0, failed: 0, completed: 0 };
    for (const job of this.live.values()) counts[job.state] += 1;
    for (const outcome of this.finishedOutcomes.values()) counts[outcome.status] += 1;
    return counts;
  }

  on<E extends QueueEventName>(event: E, listener: (data: QueueEvents[E]) => void): () => void {
    return this.events.on(event, listener);
  }

  async waitForJob(jobId: string, timeoutMs?: number): Promise<JobOutcome> {
    assertJobWaitAllowed(jobId);
    const finished = this.finishedOutcomes.get(jobId);
    if (finished) return finished;
    const job = this.live.get(jobId);
    if (!job) return { status: 'failed', error: `unknown job "${jobId}"` };
    return raceDeadline(job.finished, timeoutMs, () => ({ status: 'timeout' }) as const);
  }

  async ping(): Promise<boolean> {
    return !this.closing;
  }

  async close({ graceMs = 10_000 }: { graceMs?: number } = {}): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const timer of this.schedules.values()) clearInterval(timer);
    this.slots.pause();
    await raceDeadline(this.slots.onPendingZero(), graceMs, () => undefined);
    // Drops what is queued or delayed and aborts the signal of whatever still runs.
    this.stop.abort(new Error('queue closed'));
  }

  /** Returns the dispatch result when `prepared` collapses into the job holding its dedupe key. */
  private collapseIntoHolder(prepared: PreparedJob): DispatchResult | undefined {
    const dedupe = prepared.dedupe;
    if (!dedupe) return undefined;
    const holderId = this.dedupeHolders.get(dedupe.id);
    if (holderId === undefined) return undefined;
    const holder = this.live.get(holderId);
    if (dedupe.mode === 'latest' && holder) {
      if (holder.state === 'active') holder.followUp = prepared;
      else holder.payload = prepared.payload;
    }
    return { status: 'deduplicated', jobId: holderId };
  }

  private enqueue(prepared: PreparedJob): QueuedJob {
    let settle: (outcome: FinishedOutcome) => void = () => {};
    const finished = new Promise<FinishedOutcome>((resolve) => {
      settle = resolve;
    });
    const job: QueuedJob = { id: randomUUID(), prepared, payload: prepared.payload, state: 'waiting', attempt: 1, finished, settle };
    this.live.set(job.id, job);
    const dedupe = prepared.dedupe;
    if (dedupe) {
      // `latest` keeps its key for the job's whole life, as BullMQ's keepLastIfActive does.
      const ttl = dedupe.mode === 'first' ? dedupe.ttlMs : undefined;
      this.dedupeHolders.set(dedupe.id, job.id, ttl === undefined ? {} : { ttl });
    }
    void this.run(job);
    return job;
  }

  private async run(job: QueuedJob): Promise<void> {
    let outcome: FinishedOutcome;
    try {
      if (job.prepared.delayMs > 0) await this.delay(job, job.prepared.delayMs);
      outcome = await this.attemptUntilSettled(job);
    } catch (error) {
      // Only the shutdown signal lands here: the job is dropped (see the class comment). A delayed
      // job's sleep rejects with a bare AbortError; the signal's reason says why.
      outcome = { status: 'failed', error: `dropped: ${errorMessage(this.stop.signal.reason ?? error)}` };
    }
    this.finish(job, outcome);
  }

  private async attemptUntilSettled(job: QueuedJob): Promise<FinishedOutcome> {
    const task = job.prepared.task;
    for (;;) {
      try {
        const outcome = await this.slots.add(
          () => {
            job.state = 'active';
            return this.runner.run(
              task,
              job.payload,
              {
                jobId: job.id,
                attempt: job.attempt,
                maxAttempts: task.attempts,
                enqueuedAt: job.prepared.enqueuedAt,
                trace: job.prepared.trace,
              },
              this.stop.signal,
            );
          },
          // Within one priority the newest first: a fraction below 1 that grows with the enqueue time.
          { priority: job.prepared.priority + job.prepared.enqueuedAt / 1e13, signal: this.stop.signal },
        );
        if ('deferMs' in outcome) {
          await this.delay(job, outcome.deferMs);
          continue;
        }
        metrics.taskCompletions.inc({ task: task.name });
        this.events.emit('completed', {
          jobId: job.id,
          taskName: task.name,
          result: outcome.result,
          attempts: job.attempt,
          durationMs: outcome.durationMs,
        });
        return { status: 'completed', result: outcome.result };
      } catch (error) {
        if (this.stop.signal.aborted) throw error;
        const final = isPermanentTaskError(error) || job.attempt >= task.attempts;
        const message = errorMessage(error);
        metrics.taskFailures.inc({ task: task.name, final: String(final) });
        this.events.emit('failed', {
          jobId: job.id,
          taskName: task.name,
          error: message,
          attempt: job.attempt,
          final,
          payload: job.payload,
        });
        if (final) return { status: 'failed', error: message };
        await this.delay(job, retryDelayMs(task.backoff, job.attempt, error));
        job.attempt += 1;
      }
    }
  }

  private async delay(job: QueuedJob, ms: number): Promise<void> {
    job.state = 'delayed';
    await sleep(ms, undefined, { signal: this.stop.signal });
    job.state = 'waiting';
  }

  private finish(job: QueuedJob, outcome: FinishedOutcome): void {
    this.live.delete(job.id);
    this.finishedOutcomes.set(job.id, outcome);
    job.settle(outcome);
    const dedupe = job.prepared.dedupe;
    if (!dedupe) return;
    // A TTL holds a finished job's key against repeats; a job that failed for good frees it, so the
    // next request may try again instead of waiting out the TTL on a fallback.
    const holdsUntilTtl = dedupe.mode === 'first' && dedupe.ttlMs !== undefined && outcome.status === 'completed';
    if (this.dedupeHolders.get(dedupe.id) === job.id && !holdsUntilTtl) this.dedupeHolders.delete(dedupe.id);
    if (job.followUp && !this.closing) this.enqueue(job.followUp);
  }
}
