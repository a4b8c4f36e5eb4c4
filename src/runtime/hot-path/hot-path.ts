import { AsyncLocalStorage } from 'node:async_hooks';
import diagnostics from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { logger } from '../../observability/logger.js';
import { metrics } from '../../observability/metrics.js';
import type { JobOutcome, TaskQueue } from '../queue/task-queue.js';

/**
 * The runtime half of the hot-path rule: `hotPath(name, fn)` marks an operation that a player is
 * waiting on. Inside one, a model call (the gateway asks `assertModelCallAllowed`), an AI SDK call,
 * an outbound HTTP request (seen on Node's diagnostics channels, whoever makes it) and a wait on a
 * queue job are violations; synchronous work that holds the event loop past HOT_PATH_BLOCK_MS is
 * an event-loop block. Every one is logged with its stack, counted, and kept for the test suite's
 * global check (`takeHotPathIncidents`).
 */

export interface HotPathSettings {
  /** DISABLE_LLM_IN_HOT_PATH (default off): a violation fails its operation instead of only being reported. */
  disableLlm: boolean;
  /** HOT_PATH_ENFORCE_MS (default 200): operations slower than this are logged and counted. */
  enforceMs: number;
  /** HOT_PATH_STRICT (default off): an over-budget operation is also recorded as an incident (tests fail on it); it still answers. */
  strict: boolean;
  /** HOT_PATH_BLOCK_MS (default 100): the event loop held this long inside a hot-path operation is an event-loop block. */
  blockMs: number;
}

const envFlag = (value: string | undefined) => value === '1' || value === 'true';

let settings: HotPathSettings = {
  disableLlm: envFlag(process.env.DISABLE_LLM_IN_HOT_PATH),
  enforceMs: Number(process.env.HOT_PATH_ENFORCE_MS) || 200,
  strict: envFlag(process.env.HOT_PATH_STRICT),
  blockMs: Number(process.env.HOT_PATH_BLOCK_MS) || 100,
};

export function configureHotPath(next: Partial<HotPathSettings>): HotPathSettings {
  const previous = settings;
  settings = { ...settings, ...next };
  return previous;
}

export function hotPathSettings(): Readonly<HotPathSettings> {
  return settings;
}

type JobWaiter = Pick<TaskQueue, 'waitForJob'>;

/** What a hot-path operation must not do. */
export type ViolationKind = 'model-call' | 'ai-sdk' | 'outbound-http' | 'job-wait';

interface HotPathFrame {
  operation: string;
  startedAt: number;
  /** The enclosing operation: a violation in a handler is also its request's. */
  parent?: HotPathFrame;
  violations: HotPathViolation[];
  /** Set by `waitWithinBudget` / `waitOnPurpose`: the engine's own, bounded or configured, wait for jobs. */
  jobWaitAllowed?: boolean;
}

const storage = new AsyncLocalStorage<HotPathFrame>();
const log = logger.child({ module: 'hot-path' });

export class HotPathViolation extends Error {
  constructor(
    readonly operation: string,
    readonly kind: ViolationKind,
    readonly detail: string,
  ) {
    super(`${kind} inside hot-path operation "${operation}": ${detail}; dispatch a task instead`);
    this.name = 'HotPathViolation';
  }
}

/** Recorded (never thrown) under HOT_PATH_STRICT: the work is saved by then, so it answers. */
export class HotPathBudgetExceeded extends Error {
  constructor(
    readonly operation: string,
    readonly durationMs: number,
    readonly budgetMs: number,
  ) {
    super(`hot-path operation "${operation}" took ${durationMs.toFixed(1)} ms (budget ${budgetMs} ms)`);
    this.name = 'HotPathBudgetExceeded';
  }
}

export class HotPathEventLoopBlock extends Error {
  constructor(
    readonly operations: string[],
    readonly heldMs: number,
  ) {
    super(
      `event loop held for ${Math.round(heldMs)} ms inside hot-path operation ${operations.map((name) => `"${name}"`).join(', ')}: synchronous work blocks every player`,
    );
    this.name = 'HotPathEventLoopBlock';
  }
}

export type HotPathIncident = HotPathViolation | HotPathBudgetExceeded | HotPathEventLoopBlock;

/** A process that nobody drains (production) keeps only the latest ones. */
const MAX_KEPT_INCIDENTS = 100;
const incidents: HotPathIncident[] = [];

function recordIncident(incident: HotPathIncident): void {
  incidents.push(incident);
  if (incidents.length > MAX_KEPT_INCIDENTS) incidents.shift();
}

/** Returns and forgets what was recorded so far. The test suite fails a test that leaves any. */
export function takeHotPathIncidents(): HotPathIncident[] {
  return incidents.splice(0);
}

/**
 * Watches the event loop while any hot-path operation runs: a timer that fires late, or an
 * operation that ends long after the last tick, means synchronous work held the loop. A
 * synchronous stretch cannot be interrupted, only detected once it ends.
 */
class EventLoopWatch {
  private static readonly TICK_MS = 10;
  private readonly active = new Set<HotPathFrame>();
  private timer: NodeJS.Timeout | undefined;
  private lastBeat = 0;

  enter(frame: HotPathFrame): void {
    if (this.active.size === 0) {
      this.lastBeat = performance.now();
      this.timer = setInterval(() => this.check(), EventLoopWatch.TICK_MS).unref();
    }
    this.active.add(frame);
  }

  leave(frame: HotPathFrame): void {
    this.check(frame);
    this.active.delete(frame);
    if (this.active.size === 0) clearInterval(this.timer);
  }

  /** An operation that ends names itself; a late tick names every operation in flight. */
  private check(ending?: HotPathFrame): void {
    const now = performance.now();
    const heldMs = now - this.lastBeat - (ending ? 0 : EventLoopWatch.TICK_MS);
    this.lastBeat = now;
    if (heldMs <= settings.blockMs) return;
    const operations = ending ? [ending.operation] : [...this.active].map((frame) => frame.operation);
    for (const operation of operations) metrics.hotPathEventLoopBlocks.inc({ operation });
    const block = new HotPathEventLoopBlock(operations, heldMs);
    recordIncident(block);
    log.error({ err: block, operations, heldMs: Math.round(heldMs) }, 'event loop blocked inside a hot-path operation');
  }
}

const watch = new EventLoopWatch();

/**
 * Runs `fn` as the hot-path operation `operation`: timed, watched, and closed to model calls,
 * outbound HTTP and job waits. Under DISABLE_LLM_IN_HOT_PATH a violation rejects the operation
 * even when the code between swallowed the error it raised.
 */
export async function hotPath<T>(operation: string, fn: () => T | Promise<T>): Promise<T> {
  const parent = storage.getStore();
  const frame: HotPathFrame = { operation, startedAt: performance.now(), violations: [], ...(parent ? { parent } : {}) };
  watch.enter(frame);
  let result: T;
  try {
    result = await storage.run(frame, fn);
  } catch (error) {
    // Timed when it refuses too: a slow 4xx keeps a player waiting just the same.
    finish(frame);
    // Whatever the code made of the violation (a `fetch failed`, a fallback that failed too), it is the cause.
    throw (settings.disableLlm && frame.violations[0]) || error;
  }
  finish(frame);
  if (frame.violations.length > 0 && settings.disableLlm) throw frame.violations[0];
  return result;
}

function finish(frame: HotPathFrame): void {
  watch.leave(frame);
  const durationMs = performance.now() - frame.startedAt;
  metrics.hotPathDuration.observe({ operation: frame.operation }, durationMs / 1000);
  if (durationMs <= settings.enforceMs) return;
  metrics.hotPathBudgetOverruns.inc({ operation: frame.operation });
  log.warn(
    { operation: frame.operation, durationMs: Math.round(durationMs), budgetMs: settings.enforceMs },
    'hot-path operation over budget',
  );
  if (settings.strict) recordIncident(new HotPathBudgetExceeded(frame.operation, durationMs, settings.enforceMs));
}

/** The hot-path operation the caller is running inside, if any. */
export function currentHotPathOperation(): string | undefined {
  return storage.getStore()?.operation;
}

/** Where work the caller starts now belongs: `hot` inside a hot-path operation, `slow` outside any. */
export type RuntimePath = 'hot' | 'slow';

export function currentPath(): RuntimePath {
  return currentHotPathOperation() === undefined ? 'slow' : 'hot';
}

/** The outermost hot-path operation the caller runs inside (the request, not one of its handlers), if any. */
export function outermostHotPathOperation(): string | undefined {
  let frame = storage.getStore();
  while (frame?.parent) frame = frame.parent;
  return frame?.operation;
}

/**
 * Runs `fn` outside any hot-path operation. Work that a hot path dispatches runs later, on its own
 * time: in-process workers start their jobs through this so the guard never fires for them.
 */
export function outsideHotPath<T>(fn: () => T): T {
  return storage.exit(fn);
}

/** The slow-path work (a task's job) the caller runs inside, if any. */
const slowPathWork = new AsyncLocalStorage<string>();

/**
 * Runs `fn` outside any hot-path operation, as slow-path work named `operation` (the task a job
 * runs): the database statements it sends are counted under that name, so the statements a job of
 * each task costs can be read apart from the others'.
 */
export function asSlowPathWork<T>(operation: string, fn: () => T): T {
  return storage.exit(() => slowPathWork.run(operation, fn));
}

/** The slow-path work the caller runs inside (see `asSlowPathWork`), if any. */
export function currentSlowPathWork(): string | undefined {
  return slowPathWork.getStore();
}

/**
 * Reports a violation by the current operation, if any: logged with its stack, counted, recorded
 * on the operation and its parents. Returns it when DISABLE_LLM_IN_HOT_PATH says it must fail.
 */
export function reportViolation(kind: ViolationKind, detail: string): HotPathViolation | undefined {
  const frame = storage.getStore();
  if (frame === undefined) return undefined;
  const violation = new HotPathViolation(frame.operation, kind, detail);
  for (let owner: HotPathFrame | undefined = frame; owner; owner = owner.parent) owner.violations.push(violation);
  metrics.hotPathGuardViolations.inc({ operation: frame.operation, kind });
  recordIncident(violation);
  log.error({ err: violation, operation: frame.operation, kind }, 'hot-path violation');
  return settings.disableLlm ? violation : undefined;
}

/** Called by the LLM gateway before every model call. */
export function assertModelCallAllowed(kind: string): void {
  const violation = reportViolation('model-call', `model call "${kind}"`);
  if (violation) throw violation;
}

/** Called by every queue backend's `waitForJob`: a player must not wait for a model's job. */
export function assertJobWaitAllowed(jobId: string): void {
  if (storage.getStore()?.jobWaitAllowed) return;
  const violation = reportViolation('job-wait', `waits for job "${jobId}"`);
  if (violation) throw violation;
}

function remainingBudgetMs(): number {
  let remaining = Number.POSITIVE_INFINITY;
  const now = performance.now();
  for (let frame = storage.getStore(); frame; frame = frame.parent) {
    remaining = Math.min(remaining, settings.enforceMs - (now - frame.startedAt));
  }
  return Math.max(0, remaining);
}

/**
 * HOT_PATH_WAIT_MS: waits for the jobs this operation dispatched at most `maxMs`, and never past
 * what is left of the operation's budget after its own work, so the wait cannot be what takes the
 * operation over. Returns whether they all finished in time.
 */
export async function waitWithinBudget(maxMs: number, queue: JobWaiter, jobIds: readonly string[]): Promise<boolean> {
  const limitMs = Math.min(maxMs, remainingBudgetMs());
  if (limitMs <= 0) return false;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => (timer = setTimeout(resolve, limitMs, false)));
  try {
    return await Promise.race([waitOnPurpose(queue, jobIds).then(() => true), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** NYX_HOT_PATH=blocking: the rollback mode waits for its jobs on purpose, for as long as they take. */
export function waitOnPurpose(queue: JobWaiter, jobIds: readonly string[]): Promise<JobOutcome[]> {
  const frame = storage.getStore();
  const wait = () => Promise.all(jobIds.map((jobId) => queue.waitForJob(jobId)));
  return frame ? storage.run({ ...frame, jobWaitAllowed: true }, wait) : wait();
}

// Outbound HTTP from any library: Node's fetch (undici) and node:http publish every request here,
// in the caller's async context. A subscriber cannot throw to its publisher, so a refused request
// is failed through the request itself: the caller's fetch or `request` rejects with the violation.
diagnostics.subscribe('undici:request:create', (message) => {
  const { request } = message as { request: { origin?: string; path: string; method: string; onError(error: Error): void } };
  const violation = reportViolation('outbound-http', `${request.method} ${request.origin ?? ''}${request.path}`);
  if (violation) request.onError(violation);
});
diagnostics.subscribe('http.client.request.start', (message) => {
  const { request } = message as { request: ClientRequest };
  const violation = reportViolation('outbound-http', `${request.method} ${request.protocol}//${request.host}${request.path}`);
  if (violation) request.destroy(violation);
});
