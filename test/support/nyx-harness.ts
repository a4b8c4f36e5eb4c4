import { loadConfig } from '../../src/config/config.js';
import { GameEngine } from '../../src/conflict/engine/game-engine.js';
import { GameHeads } from '../../src/conflict/engine/game-heads.js';
import { loadBundledScenarios } from '../../src/conflict/scenarios/index.js';
import { conflictSubsystems } from '../../src/conflict/subsystems.js';
import { TaskCatalog } from '../../src/conflict/tasks/task-catalog.js';
import { Budget } from '../../src/runtime/spend/budget.js';
import { startNyx, type Nyx } from '../../src/app/nyx.js';
import type { Subsystem } from '../../src/conflict/subsystem.js';
import type { Random } from '../../src/conflict/domain/random.js';
import { createTestDatabase, redisUrl, uniquePrefix } from './services.js';

export type Backend = 'embedded' | 'distributed';

/**
 * A whole Nyx (engine + workers) on one backend: embedded (in-memory PGlite, memory cache,
 * in-process queue) or distributed (a fresh PostgreSQL database, Redis under a unique prefix,
 * BullMQ). The offline model answers at once unless `env` says otherwise.
 */
export async function startTestNyx(
  backend: Backend,
  env: Record<string, string> = {},
  options: { workers?: boolean; subsystems?: readonly Subsystem[]; random?: Random } = {},
): Promise<{ nyx: Nyx; stop: () => Promise<void> }> {
  const database = backend === 'distributed' ? await createTestDatabase() : undefined;
  const config = loadConfig({
    NYX_DATA_DIR: ':memory:',
    LLM_SIM_LATENCY_MS: '0',
    TASK_BACKOFF_MS: '20',
    TASK_BACKOFF_FACTOR: '2',
    QUEUE_CONCURRENCY: '4',
    DISABLE_LLM_IN_HOT_PATH: '1',
    // The suite's event-loop block threshold (vitest.config.ts), not the production default.
    ...(process.env.HOT_PATH_BLOCK_MS ? { HOT_PATH_BLOCK_MS: process.env.HOT_PATH_BLOCK_MS } : {}),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    ...(backend === 'distributed' ? { REDIS_URL: redisUrl!, DATABASE_URL: database!.url } : {}),
    ...env,
  });
  const nyx = await startNyx(config, {
    workers: options.workers ?? true,
    redisPrefix: uniquePrefix('nyx'),
    ...(options.subsystems ? { subsystems: options.subsystems } : {}),
    ...(options.random ? { random: options.random } : {}),
  });
  return {
    nyx,
    stop: async () => {
      await nyx.close({ graceMs: 1_000 });
      await database?.drop();
    },
  };
}

/**
 * Polls `read` until `done` holds or `timeoutMs` passes; returns the last value read, whether `done`
 * held or not: it never throws, so a caller that needs the condition asserts on what it returns.
 */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, everyMs));
    value = await read();
  }
  return value;
}

/**
 * A second web process over `nyx`'s database, cache, locks and queue: an engine with its own
 * per-game lanes, game heads and state views, as another `nyx serve` would have.
 */
export async function secondWebProcess(nyx: Nyx): Promise<{ engine: GameEngine; heads: GameHeads }> {
  const heads = new GameHeads(nyx.store, nyx.cache, nyx.locks);
  const engine = new GameEngine({
    store: nyx.store,
    heads,
    feed: nyx.feed,
    planned: nyx.planned,
    cache: nyx.cache,
    locks: nyx.locks,
    dispatcher: nyx.dispatcher,
    queue: nyx.queue,
    health: nyx.health,
    scenarios: await loadBundledScenarios(),
    subsystems: conflictSubsystems,
    catalog: TaskCatalog.of(conflictSubsystems),
    mode: 'async',
    waitMs: 0,
    budget: new Budget(nyx.spend, nyx.config.budget),
    spend: nyx.spend,
  });
  return { engine, heads };
}
