import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { logger } from '../../observability/logger.js';
import { metrics } from '../../observability/metrics.js';

/**
 * The runtime half of the hot-path rule: `hotPath(name, fn)` marks an operation that a player is
 * waiting on. The gateway calls `assertModelCallAllowed(kind)` before every model call; inside a
 * hot-path operation that is a bug, reported (or, with DISABLE_LLM_IN_HOT_PATH=1, thrown).
 */

export interface HotPathSettings {
  /** DISABLE_LLM_IN_HOT_PATH: throw instead of logging when a model is called on the hot path. */
  disableLlm: boolean;
  /** HOT_PATH_ENFORCE_MS: operations slower than this are logged and counted. */
  enforceMs: number;
  /** HOT_PATH_STRICT: an over-budget operation rejects with HotPathBudgetExceeded (tests). */
  strict: boolean;
}

const envFlag = (value: string | undefined) => value === '1' || value === 'true';

let settings: HotPathSettings = {
  disableLlm: envFlag(process.env.DISABLE_LLM_IN_HOT_PATH),
  enforceMs: Number(process.env.HOT_PATH_ENFORCE_MS) || 200,
  strict: envFlag(process.env.HOT_PATH_STRICT),
};

export function configureHotPath(next: Partial<HotPathSettings>): HotPathSettings {
  const previous = settings;
  settings = { ...settings, ...next };
  return previous;
}

export function hotPathSettings(): Readonly<HotPathSettings> {
  return settings;
}

interface HotPathFrame {
  operation: string;
}

const storage = new AsyncLocalStorage<HotPathFrame>();
const log = logger.child({ module: 'hot-path' });

export class HotPathViolation extends Error {
  constructor(
    readonly operation: string,
    readonly kind: string,
  ) {
    super(`model call "${kind}" inside hot-path operation "${operation}": dispatch a task instead`);
    this.name = 'HotPathViolation';
  }
}

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

/** Runs `fn` as the hot-path operation `operation`: timed, and closed to model calls. */
export async function hotPath<T>(operation: string, fn: () => T | Promise<T>): Promise<T> {
  const started = performance.now();
  let result: T;
  try {
    result = await storage.run({ operation }, fn);
  } catch (error) {
    // Timed when it refuses too: a slow 4xx keeps a player waiting just the same.
    recordDuration(operation, performance.now() - started);
    throw error;
  }
  const durationMs = recordDuration(operation, performance.now() - started);
  if (settings.strict && durationMs > settings.enforceMs) throw new HotPathBudgetExceeded(operation, durationMs, settings.enforceMs);
  return result;
}

function recordDuration(operation: string, durationMs: number): number {
  metrics.hotPathDuration.observe({ operation }, durationMs / 1000);
  if (durationMs > settings.enforceMs) {
    metrics.hotPathBudgetOverruns.inc({ operation });
    log.warn({ operation, durationMs: Math.round(durationMs), budgetMs: settings.enforceMs }, 'hot-path operation over budget');
  }
  return durationMs;
}

/** The hot-path operation the caller is running inside, if any. */
export function currentHotPathOperation(): string | undefined {
  return storage.getStore()?.operation;
}

/**
 * Runs `fn` outside any hot-path operation. Work that a hot path dispatches runs later, on its own
 * time: in-process workers start their jobs through this so the guard never fires for them.
 */
export function outsideHotPath<T>(fn: () => T): T {
  return storage.exit(fn);
}

/** Called by the LLM gateway before every model call. */
export function assertModelCallAllowed(kind: string): void {
  const operation = currentHotPathOperation();
  if (operation === undefined) return;
  metrics.hotPathGuardViolations.inc({ operation, kind });
  if (settings.disableLlm) throw new HotPathViolation(operation, kind);
  log.error({ operation, kind }, 'model call inside a hot-path operation');
}
