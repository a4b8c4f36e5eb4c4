import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { DelayedError, Queue, QueueEvents, UnrecoverableError, Worker, type Job, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { logger } from '../../observability/logger.js';
import { metrics } from '../../observability/metrics.js';
import { assertJobWaitAllowed } from '../hot-path/hot-path.js';
import { createRedis } from '../redis/connection.js';
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
  QueueEvents as NyxQueueEvents,
  TaskDefinition,
  TaskQueue,
} from './task-queue.js';
import { DispatchRejection, errorMessage, retryDelayMs, TaskRegistry, type PreparedJob, type TaskDefaults } from './task-registry.js';
import { RedisTaskStartGate } from './task-start-gate.js';
import type { TraceCarrier } from '../../observability/tracing.js';

const log = logger.child({ module: 'bullmq-queue' });

/** Names the backoff strategy below; BullMQ's built-in exponential is fixed at base 2. */
const NYX_BACKOFF = 'nyx';

export interface BullMqQueueOptions extends TaskDefaults {
  url: string;
  /** Prefix of every key (BullMQ's and the start gate's). Default `nyx`. */
  prefix?: string;
  /** One queue carries every task kind (job name = task name) so priorities hold across kinds. */
  queueName?: string;
  /** Jobs this process's worker runs at once. */
  concurrency: number;
  /**
   * A dispatch that Redis has not acknowledged by then is rejected (it may still have been enqueued:
   * the dedupe key or the next query-then-dispatch absorbs the duplicate). A Redis that is down
   * rejects at once, not at this deadline. Default 500 ms.
   */
  dispatchTimeoutMs?: number;
  /** Finished jobs kept (for `waitForJob`, `counts`, inspection). Default 1000 each, at most a day. */
  keepFinished?: { count: number; ageSeconds: number };
}

/** Steps of newness within one priority: 100 ms each, 2^17 of them (3.6 hours) before they wrap. */
const NEWNESS_STEPS = 2 ** 17;
const NEWNESS_STEP_MS = 100;

/**
 * Nyx: 1..10, higher first, and within one priority the newest first. BullMQ: 1 is the highest (a
 * job without priority beats them all), equal ones run in arrival order, and the highest allowed
 * is 2^21. So each Nyx priority gets a band of NEWNESS_STEPS numbers, and a job takes a lower
 * number the later it was enqueued. When the steps wrap (every 3.6 hours) the jobs waiting at
 * that moment run after the ones enqueued just after it, once: the queue is bounded to seconds of
 * work, so this lasts seconds.
 */
export function toBullMqPriority(nyxPriority: number, enqueuedAt: number): number {
  const newness = Math.floor(enqueuedAt / NEWNESS_STEP_MS) % NEWNESS_STEPS;
  return (10 - nyxPriority) * NEWNESS_STEPS + (NEWNESS_STEPS - newness);
}

// Swaps the payload of a job that is still waiting, atomically with respect to the worker's
// moveToActive; BullMQ's own `deduplication.replace` only replaces delayed jobs.
// KEYS: prioritized zset, wait list, job hash. ARGV: job id, JSON payload.
const REPLACE_WAITING_PAYLOAD = `
if redis.call('ZSCORE', KEYS[1], ARGV[1]) or redis.call('LPOS', KEYS[2], ARGV[1]) then
  redis.call('HSET', KEYS[3], 'data', ARGV[2])
  return 1
end
return 0
`;

/**
 * The distributed queue: BullMQ on Redis. Jobs survive a process; a dead worker's running jobs come
 * back through BullMQ's stalled-job check. The hot path's `dispatch` uses a producer connection
 * without an offline queue, so a Redis outage rejects at once instead of waiting for a reconnect.
 */
export class BullMqQueue implements TaskQueue {
  readonly backend = 'bullmq' as const;
  private readonly tasks: TaskRegistry;
  private readonly events = new QueueEventBus();
  private readonly producerRedis: Redis;
  private readonly queue: Queue;
  /** Aborts every running job on close; each running job listens to it, so it has no listener cap. */
  private readonly stop = unlimitedAbortController();
  private readonly queueName: string;
  private readonly prefix: string;
  private readonly dispatchTimeoutMs: number;
  /** Settles with the producer's first connection attempt: true once connected, false if it failed. */
  private readonly firstConnection: Promise<boolean>;
  /** Worker, QueueEvents (each duplicates it for its blocking reads) and the start gate share it. */
  private consumerRedis?: Redis;
  private worker?: Worker;
  private queueEvents?: QueueEvents;
  private queueEventsReady?: Promise<QueueEvents>;
  private closing = false;

  constructor(private readonly options: BullMqQueueOptions) {
    this.tasks = new TaskRegistry(options);
    this.queueName = options.queueName ?? 'nyx-tasks';
    this.prefix = options.prefix ?? 'nyx';
    this.dispatchTimeoutMs = options.dispatchTimeoutMs ?? 500;
    this.producerRedis = createRedis(options.url, 'producer');
    const producer = this.producerRedis;
    this.firstConnection = new Promise((resolve) => {
      producer.once('ready', () => resolve(true));
      producer.once('close', () => resolve(false));
    });
    const keep = options.keepFinished ?? { count: 1000, ageSeconds: 24 * 3600 };
    this.queue = new Queue(this.queueName, {
      connection: this.producerRedis,
      prefix: this.prefix,
      defaultJobOptions: {
        removeOnComplete: { count: keep.count, age: keep.ageSeconds },
        removeOnFail: { count: keep.count, age: keep.ageSeconds },
      },
    });
    // Connection failures surface as rejected dispatches; an unheard 'error' event would crash.
    this.queue.on('error', (error) => log.debug({ err: error }, 'queue connection error'));
  }

  defineTask<P, R>(name: string, definition: TaskDefinition<P, R>): void {
    this.tasks.define(name, definition);
  }

  dispatch(name: string, payload: unknown, options: DispatchOptions = {}): Promise<DispatchResult> {
    return this.events.settleDispatch(name, options, () =>
      raceDeadline(
        this.enqueue(name, payload, options),
        this.dispatchTimeoutMs,
        (): DispatchResult => ({
          status: 'rejected',
          reason: `Redis did not accept the job within ${this.dispatchTimeoutMs} ms`,
        }),
      ),
    );
  }

  async repeat(name: string, everyMs: number): Promise<void> {
    this.tasks.prepare(name, {}, {});
    await this.queue.upsertJobScheduler(name, { every: everyMs }, { name, data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } });
  }

  async startWorkers(): Promise<void> {
    if (this.worker || this.closing) return;
    const redis = this.consumer();
    const runner = new TaskAttemptRunner(
      new RedisTaskStartGate(redis, (kind, taskName) => this.queue.toKey(`nyx-gate:${kind}:${taskName}`)),
      this.events,
    );
    const worker = new Worker(
      this.queueName,
      (job: Job, token?: string, signal?: AbortSignal) => this.process(runner, job, token, signal),
      {
        connection: redis,
        prefix: this.prefix,
        concurrency: this.options.concurrency,
        settings: {
          backoffStrategy: (attemptsMade, _type, error, job) => {
            const backoff = (job && this.tasks.get(job.name)?.backoff) ?? this.options.backoff;
            return retryDelayMs(backoff, attemptsMade, error);
          },
        },
      },
    );
    worker.on('error', (error) => log.warn({ err: error }, 'worker error'));
    worker.on('completed', (job, result) => {
      metrics.taskCompletions.inc({ task: job.name });
      this.events.emit('completed', {
        jobId: String(job.id),
        taskName: job.name,
        result,
        attempts: job.attemptsMade,
        durationMs: Date.now() - (job.processedOn ?? Date.now()),
      });
    });
    worker.on('failed', (job, error) => {
      if (!job) return;
      const final = error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
      metrics.taskFailures.inc({ task: job.name, final: String(final) });
      const announce = () =>
        this.events.emit('failed', {
          jobId: String(job.id),
          taskName: job.name,
          error: error.message,
          attempt: job.attemptsMade,
          final,
          payload: job.data,
        });
      if (!final || !job.opts.deduplication) {
        announce();
        return;
      }
      // A dedupe TTL outlives the job: a job that failed for good frees its key (only if it still
      // holds it) before anyone hears of the failure, so the next request may try again.
      void job
        .removeDeduplicationKey()
        .catch((removeError: unknown) => log.warn({ err: removeError, task: job.name }, 'dedupe key of a failed job not released'))
        .finally(announce);
    });
    this.worker = worker;
    await worker.waitUntilReady();
  }

  async counts(): Promise<QueueCounts> {
    const counts = await this.queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed');
    return {
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      failed: counts.failed ?? 0,
      completed: counts.completed ?? 0,
    };
  }

  on<E extends QueueEventName>(event: E, listener: (data: NyxQueueEvents[E]) => void): () => void {
    // A process without a worker learns of completions from the queue's event stream.
    if ((event === 'completed' || event === 'failed') && !this.closing) void this.openQueueEvents().catch(() => {});
    return this.events.on(event, listener);
  }

  async waitForJob(jobId: string, timeoutMs?: number): Promise<JobOutcome> {
    assertJobWaitAllowed(jobId);
    // Its connection queues commands while Redis is down: the deadline covers opening it too.
    const opened = await raceDeadline(this.openQueueEvents(), timeoutMs, () => undefined);
    if (!opened) return { status: 'timeout' };
    const events = opened as unknown as EventEmitter;
    let stopListening = () => {};
    const notified = new Promise<JobOutcome>((resolve) => {
      const onCompleted = ({ returnvalue }: { returnvalue: unknown }) => resolve({ status: 'completed', result: returnvalue });
      const onFailed = ({ failedReason }: { failedReason: string }) => resolve({ status: 'failed', error: failedReason });
      events.on(`completed:${jobId}`, onCompleted);
      events.on(`failed:${jobId}`, onFailed);
      stopListening = () => {
        events.off(`completed:${jobId}`, onCompleted);
        events.off(`failed:${jobId}`, onFailed);
      };
    });
    try {
      // Looked up only once the listeners are in place, so a job finishing in between is not missed.
      const finished = await this.finishedOutcome(jobId);
      return finished ?? (await raceDeadline(notified, timeoutMs, (): JobOutcome => ({ status: 'timeout' })));
    } finally {
      stopListening();
    }
  }

  async ping(): Promise<boolean> {
    try {
      return (await raceDeadline(this.producerRedis.ping(), this.dispatchTimeoutMs, () => 'timeout')) === 'PONG';
    } catch {
      return false;
    }
  }

  async close({ graceMs = 10_000 }: { graceMs?: number } = {}): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.worker) {
      const workerClosed = this.worker.close();
      const inTime = await raceDeadline(
        workerClosed.then(() => true),
        graceMs,
        () => false,
      );
      if (!inTime) {
        // Attempts still running hand their jobs back (see `process`); BullMQ's close cannot be
        // forced once it has started waiting, so the handlers are cut short instead.
        this.stop.abort(new Error('queue closed'));
        await workerClosed;
      }
    }
    // A QueueEvents still opening gives up once its connection is gone (and the check in `openQueueEvents`).
    void this.queueEventsReady?.catch(() => undefined);
    await this.queueEvents?.close();
    await this.queue.close();
    for (const redis of [this.producerRedis, this.consumerRedis]) {
      if (redis && redis.status !== 'end') redis.disconnect();
    }
  }

  private async enqueue(name: string, payload: unknown, options: DispatchOptions): Promise<DispatchResult> {
    if (this.closing) throw new DispatchRejection('queue is closed');
    const prepared = this.tasks.prepare(name, payload, options);
    const jobId = randomUUID();
    const jobOptions = this.jobOptions(prepared, jobId);
    await this.assertProducerConnected();
    let job = await this.queue.add(name, prepared.payload, jobOptions);
    if (job.id === jobId) return { status: 'accepted', jobId };
    if (prepared.dedupe?.mode === 'latest' && !(await this.replaceWaitingPayload(String(job.id), prepared.payload))) {
      // The holder started (or finished) between the add and the swap: adding again now keeps this
      // payload as its follow-up, or enqueues it afresh.
      job = await this.queue.add(name, prepared.payload, jobOptions);
      if (job.id === jobId) return { status: 'accepted', jobId };
    }
    return { status: 'deduplicated', jobId: job.id === undefined ? undefined : String(job.id) };
  }

  /**
   * BullMQ waits for a connection before it sends anything, which would turn a Redis outage into a
   * wait for the deadline. Only the first connection attempt is worth waiting for; after it, a
   * producer that is not ready means Redis is down.
   */
  private async assertProducerConnected(): Promise<void> {
    const ready = () => this.producerRedis.status === 'ready';
    if (ready()) return;
    await this.firstConnection;
    if (!ready()) throw new DispatchRejection(`Redis unavailable (connection ${this.producerRedis.status})`);
  }

  private jobOptions(prepared: PreparedJob, jobId: string): JobsOptions {
    const dedupe = prepared.dedupe;
    return {
      jobId,
      priority: toBullMqPriority(prepared.priority, prepared.enqueuedAt),
      attempts: prepared.task.attempts,
      backoff: { type: NYX_BACKOFF },
      ...(prepared.delayMs > 0 ? { delay: prepared.delayMs } : {}),
      // BullMQ keeps job metadata for telemetry with the job; the worker reads the trace back from it.
      ...(prepared.trace === undefined ? {} : { telemetry: { metadata: JSON.stringify(prepared.trace) } }),
      ...(dedupe === undefined
        ? {}
        : {
            deduplication:
              dedupe.mode === 'latest'
                ? { id: dedupe.id, replace: true, keepLastIfActive: true }
                : { id: dedupe.id, ...(dedupe.ttlMs === undefined ? {} : { ttl: dedupe.ttlMs }) },
          }),
    };
  }

  private async replaceWaitingPayload(jobId: string, payload: unknown): Promise<boolean> {
    const keys = this.queue.keys;
    const replaced = await this.producerRedis.eval(
      REPLACE_WAITING_PAYLOAD,
      3,
      keys.prioritized ?? '',
      keys.wait ?? '',
      this.queue.toKey(jobId),
      jobId,
      JSON.stringify(payload),
    );
    return replaced === 1;
  }

  private async process(runner: TaskAttemptRunner, job: Job, token: string | undefined, signal: AbortSignal | undefined): Promise<unknown> {
    const task = this.tasks.get(job.name);
    if (!task?.handler) throw new UnrecoverableError(`task "${job.name}" has no handler in this worker process`);
    const stopSignal = signal ? AbortSignal.any([signal, this.stop.signal]) : this.stop.signal;
    const identity = {
      jobId: String(job.id),
      attempt: job.attemptsMade + 1,
      maxAttempts: job.opts.attempts ?? task.attempts,
      enqueuedAt: job.timestamp,
      trace: traceCarrierOf(job),
    };
    let deferMs: number;
    try {
      const outcome = await runner.run(task, job.data, identity, stopSignal);
      if ('result' in outcome) return outcome.result;
      deferMs = outcome.deferMs;
    } catch (error) {
      if (!this.stop.signal.aborted) {
        if (isPermanentTaskError(error)) throw new UnrecoverableError(errorMessage(error));
        throw error instanceof Error ? error : new Error(String(error));
      }
      deferMs = 0; // Shutting down: hand the job back without spending an attempt.
    }
    // Held back by its kind's rate limit or 429: back to delayed, no attempt spent.
    await job.moveToDelayed(Date.now() + deferMs, token);
    throw new DelayedError();
  }

  private consumer(): Redis {
    this.consumerRedis ??= createRedis(this.options.url, 'worker');
    return this.consumerRedis;
  }

  private openQueueEvents(): Promise<QueueEvents> {
    this.queueEventsReady ??= (async () => {
      // Read the stream from its current end as of now, not from wherever it ends once the blocking
      // read is finally issued: `waitForJob` checks a job's state after this, and no finish may
      // fall in between unseen.
      const [latest] = await this.consumer().xrevrange(this.queue.keys.events ?? '', '+', '-', 'COUNT', 1);
      if (this.closing) throw new Error('queue closed');
      const events = new QueueEvents(this.queueName, {
        connection: this.consumer(),
        prefix: this.prefix,
        lastEventId: latest?.[0] ?? '0-0',
      });
      this.queueEvents = events;
      events.on('error', (error) => log.debug({ err: error }, 'queue events connection error'));
      events.on('completed', ({ jobId, returnvalue }) => void this.relayFromOtherProcess(jobId, { returnvalue }));
      events.on('failed', ({ jobId, failedReason }) => void this.relayFromOtherProcess(jobId, { failedReason }));
      await events.waitUntilReady();
      return events;
    })();
    return this.queueEventsReady;
  }

  /** With no worker here, `completed`/`failed` listeners hear of jobs run by other processes. */
  private async relayFromOtherProcess(jobId: string, finish: { returnvalue: unknown } | { failedReason: string }): Promise<void> {
    if (this.worker || (!this.events.hasListeners('completed') && !this.events.hasListeners('failed'))) return;
    const job = await this.queue.getJob(jobId).catch(() => undefined);
    if (!job) return;
    const durationMs = (job.finishedOn ?? Date.now()) - (job.processedOn ?? Date.now());
    if ('returnvalue' in finish) {
      this.events.emit('completed', { jobId, taskName: job.name, result: finish.returnvalue, attempts: job.attemptsMade, durationMs });
    } else {
      // The event stream only reports a failure once no retry follows.
      this.events.emit('failed', {
        jobId,
        taskName: job.name,
        error: finish.failedReason,
        attempt: job.attemptsMade,
        final: true,
        payload: job.data,
      });
    }
  }

  private async finishedOutcome(jobId: string): Promise<JobOutcome | undefined> {
    // State first: a finished job no longer changes, so the record read after it is the final one.
    const state = await this.queue.getJobState(jobId);
    if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return undefined;
    const job = state === 'unknown' ? undefined : await this.queue.getJob(jobId);
    if (!job) return { status: 'failed', error: `unknown job "${jobId}"` };
    return state === 'completed' ? { status: 'completed', result: job.returnvalue } : { status: 'failed', error: job.failedReason };
  }
}

/** The dispatcher's trace context as the job carries it; a job without one (or a mangled one) starts its own trace. */
function traceCarrierOf(job: Job): TraceCarrier | undefined {
  const metadata = job.opts.telemetry?.metadata;
  if (metadata === undefined) return undefined;
  try {
    return JSON.parse(metadata) as TraceCarrier;
  } catch {
    return undefined;
  }
}
