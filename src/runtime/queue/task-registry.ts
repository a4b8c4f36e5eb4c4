import { currentTraceCarrier, type TraceCarrier } from '../../observability/tracing.js';
import type { Backoff, DispatchOptions, TaskDefinition, TaskHandler } from './task-queue.js';
import { retryAfterMsOf } from './task-errors.js';

/** What every task inherits unless its definition says otherwise (config: TASK_ATTEMPTS, TASK_BACKOFF_*). */
export interface TaskDefaults {
  attempts: number;
  backoff: Backoff;
}

export const DEFAULT_PRIORITY = 5;
const MIN_PRIORITY = 1;
const MAX_PRIORITY = 10;

/** A task definition with its defaults filled in. */
export interface RegisteredTask {
  name: string;
  definition: TaskDefinition<unknown, unknown>;
  handler?: TaskHandler<unknown, unknown>;
  priority: number;
  attempts: number;
  backoff: Backoff;
  timeoutMs?: number;
  rateLimit?: { max: number; durationMs: number };
}

/** A dispatch that passed validation: what either backend enqueues. */
export interface PreparedJob {
  task: RegisteredTask;
  /** The payload as the schema parsed it. */
  payload: unknown;
  priority: number;
  delayMs: number;
  /** `id` scopes the caller's key to the task kind, so two kinds never collapse into each other. */
  dedupe?: { key: string; id: string; mode: 'first' | 'latest'; ttlMs?: number };
  /** The dispatcher's trace, continued by the job's spans wherever it runs. */
  trace?: TraceCarrier;
  /** Epoch ms of the dispatch: where the job's queue wait starts. */
  enqueuedAt: number;
}

/** A dispatch the queue refuses; `dispatch` turns it into `{ status: 'rejected', reason }`. */
export class DispatchRejection extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'DispatchRejection';
  }
}

/** The tasks a queue knows, and the validation every dispatch goes through before a backend sees it. */
export class TaskRegistry {
  private readonly tasks = new Map<string, RegisteredTask>();

  constructor(private readonly defaults: TaskDefaults) {}

  define<P, R>(name: string, definition: TaskDefinition<P, R>): void {
    const priority = definition.priority ?? DEFAULT_PRIORITY;
    assertPriority(priority, `task "${name}": priority`);
    const attempts = definition.attempts ?? this.defaults.attempts;
    if (!Number.isInteger(attempts) || attempts < 1) throw new Error(`task "${name}": attempts must be an integer ≥ 1, got ${attempts}`);
    const rateLimit = definition.rateLimit;
    if (rateLimit && !(rateLimit.max >= 1 && rateLimit.durationMs > 0)) {
      throw new Error(`task "${name}": rateLimit needs max ≥ 1 and durationMs > 0`);
    }
    this.tasks.set(name, {
      name,
      definition: definition as TaskDefinition<unknown, unknown>,
      handler: definition.handler as TaskHandler<unknown, unknown> | undefined,
      priority,
      attempts,
      backoff: definition.backoff ?? this.defaults.backoff,
      timeoutMs: definition.timeoutMs,
      rateLimit,
    });
  }

  get(name: string): RegisteredTask | undefined {
    return this.tasks.get(name);
  }

  withHandlers(): RegisteredTask[] {
    return [...this.tasks.values()].filter((task) => task.handler !== undefined);
  }

  /** Validates a dispatch; throws DispatchRejection naming what is wrong. */
  prepare(name: string, payload: unknown, options: DispatchOptions): PreparedJob {
    const task = this.tasks.get(name);
    if (!task) throw new DispatchRejection(`unknown task "${name}"`);
    const parsed = task.definition.payload.safeParse(payload);
    if (!parsed.success) throw new DispatchRejection(`invalid payload for task "${name}": ${parsed.error.message}`);
    const priority = options.priority ?? task.priority;
    assertPriority(priority, 'priority', DispatchRejection);
    const delayMs = options.delayMs ?? 0;
    if (!(delayMs >= 0)) throw new DispatchRejection(`delayMs must be ≥ 0, got ${delayMs}`);
    if (options.dedupeTtlMs !== undefined && !(options.dedupeTtlMs > 0)) {
      throw new DispatchRejection(`dedupeTtlMs must be > 0, got ${options.dedupeTtlMs}`);
    }
    const dedupe =
      options.dedupeKey === undefined
        ? undefined
        : { key: options.dedupeKey, id: `${name}:${options.dedupeKey}`, mode: options.dedupeMode ?? 'first', ttlMs: options.dedupeTtlMs };
    const trace = currentTraceCarrier();
    return { task, payload: parsed.data, priority, delayMs, dedupe, enqueuedAt: Date.now(), ...(trace ? { trace } : {}) };
  }
}

function assertPriority(priority: number, field: string, ErrorType: new (message: string) => Error = Error): void {
  if (!Number.isInteger(priority) || priority < MIN_PRIORITY || priority > MAX_PRIORITY) {
    throw new ErrorType(`${field} must be an integer from ${MIN_PRIORITY} to ${MAX_PRIORITY}, got ${priority}`);
  }
}

/**
 * Delay before the next attempt after `failedAttempts` failures: delayMs·factor^(n-1), but never
 * sooner than a rate-limited failure's retryAfterMs. Both backends schedule retries with this.
 */
export function retryDelayMs(backoff: Backoff, failedAttempts: number, error: unknown): number {
  const exponential = backoff.delayMs * backoff.factor ** Math.max(0, failedAttempts - 1);
  return Math.max(exponential, retryAfterMsOf(error) ?? 0);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
