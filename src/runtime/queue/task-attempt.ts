import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { logger } from '../../observability/logger.js';
import { metrics } from '../../observability/metrics.js';
import { contextOf, inSpan, recordSpan, SpanKind, type TraceCarrier } from '../../observability/tracing.js';
import { asSlowPathWork } from '../hot-path/hot-path.js';
import type { QueueEventBus } from './queue-event-bus.js';
import { isPermanentTaskError, retryAfterMsOf } from './task-errors.js';
import { errorMessage, type RegisteredTask } from './task-registry.js';
import type { TaskStartGate } from './task-start-gate.js';

/** An attempt that ran past its task's `timeoutMs`; retryable like any other failure. */
export class TaskTimeoutError extends Error {
  constructor(taskName: string, timeoutMs: number) {
    super(`task "${taskName}" timed out after ${timeoutMs} ms`);
    this.name = 'TaskTimeoutError';
  }
}

export interface AttemptIdentity {
  jobId: string;
  attempt: number;
  maxAttempts: number;
  /** Epoch ms the job was enqueued: its queue-wait span runs from here to the attempt's start. */
  enqueuedAt: number;
  /** The dispatcher's trace, which the attempt's spans continue. */
  trace?: TraceCarrier;
}

const log = logger.child({ module: 'task-queue' });

export type AttemptOutcome = { deferMs: number } | { result: unknown; durationMs: number };

/**
 * One attempt of one job, the same for both backends: ask the start gate, announce `active`, run the
 * handler outside any hot-path operation with its timeout, and turn a 429 into a hold-back of the
 * whole task kind. Retrying and bookkeeping stay with the backend.
 */
export class TaskAttemptRunner {
  constructor(
    private readonly gate: TaskStartGate,
    private readonly events: QueueEventBus,
  ) {}

  /** Resolves `{ deferMs }` when the gate holds the task back; rejects with the handler's error. */
  async run(task: RegisteredTask, payload: unknown, job: AttemptIdentity, stopSignal: AbortSignal): Promise<AttemptOutcome> {
    const handler = task.handler;
    if (!handler) throw new Error(`task "${task.name}" has no handler in this process`);
    const deferMs = await this.gate.tryStart(task.name, task.rateLimit);
    if (deferMs > 0) return { deferMs };

    this.events.emit('active', { jobId: job.jobId, taskName: task.name, attempt: job.attempt });
    const timeout = new AbortController();
    const signal = AbortSignal.any([timeout.signal, stopSignal]);
    const timer =
      task.timeoutMs === undefined
        ? undefined
        : setTimeout(() => timeout.abort(new TaskTimeoutError(task.name, task.timeoutMs ?? 0)), task.timeoutMs);
    let rejectWithReason = () => {};
    const aborted = new Promise<never>((_, reject) => {
      rejectWithReason = () => reject(signal.reason);
      if (signal.aborted) rejectWithReason();
      else signal.addEventListener('abort', rejectWithReason, { once: true });
    });
    const started = performance.now();
    const trace = contextOf(job.trace);
    const attributes = { 'messaging.destination.name': task.name, 'messaging.message.id': job.jobId, 'nyx.job.attempt': job.attempt };
    recordSpan(`wait ${task.name}`, job.enqueuedAt, Date.now(), trace, attributes);
    try {
      return await inSpan(
        `process ${task.name}`,
        { kind: SpanKind.CONSUMER, attributes: { ...attributes, 'messaging.operation.type': 'process' } },
        async () => {
          // A job dispatched from a hot-path operation would otherwise inherit its async context and
          // trip the model-call guard although it runs on its own time.
          const running = asSlowPathWork(task.name, () =>
            Promise.resolve().then(() =>
              handler(payload, { jobId: job.jobId, taskName: task.name, attempt: job.attempt, maxAttempts: job.maxAttempts, signal }),
            ),
          );
          // A handler that ignores its signal must still not keep the attempt (and its slot) past the deadline.
          const result = await Promise.race([running, aborted]);
          return { result, durationMs: performance.now() - started };
        },
        trace,
      );
    } catch (error) {
      if (!stopSignal.aborted) {
        const line = failureLogLine(task.name, job, error);
        log.warn(line.fields, line.message);
      }
      const retryAfterMs = retryAfterMsOf(error);
      if (retryAfterMs !== undefined) await this.gate.holdBack(task.name, retryAfterMs);
      throw error;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', rejectWithReason);
      metrics.taskDuration.observe({ task: task.name }, (performance.now() - started) / 1000);
    }
  }
}

/**
 * The log line of a failed attempt, so the log says why without the metrics or the event stream:
 * the task, the model kind and reason when a model call failed (the gateway's errors carry both),
 * the attempt, and whether the queue will retry.
 */
export function failureLogLine(
  taskName: string,
  job: Pick<AttemptIdentity, 'jobId' | 'attempt' | 'maxAttempts'>,
  error: unknown,
): { fields: Record<string, unknown>; message: string } {
  const detail = typeof error === 'object' && error !== null ? (error as { kind?: unknown; reason?: unknown; name?: unknown }) : {};
  const final = isPermanentTaskError(error) || job.attempt >= job.maxAttempts;
  return {
    fields: {
      task: taskName,
      jobId: job.jobId,
      kind: typeof detail.kind === 'string' ? detail.kind : undefined,
      attempt: job.attempt,
      maxAttempts: job.maxAttempts,
      final,
      reason: typeof detail.reason === 'string' ? detail.reason : typeof detail.name === 'string' ? detail.name : 'error',
      error: errorMessage(error),
    },
    message: final ? 'task failed for good' : 'task failed; it will be retried',
  };
}

/** An AbortController whose signal any number of running jobs may listen to without a leak warning. */
export function unlimitedAbortController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
