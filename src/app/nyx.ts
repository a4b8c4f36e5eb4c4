import { resolve } from 'node:path';
import type { Config } from '../config/config.js';
import { logger } from '../observability/logger.js';
import type { Cache } from '../runtime/cache/cache.js';
import { MemoryCache } from '../runtime/cache/memory-cache.js';
import { RedisCache } from '../runtime/cache/redis-cache.js';
import { CanonLedger } from '../conflict/store/canon-ledger.js';
import { openDatabase, type Database, type DatabaseOptions } from '../runtime/db/database.js';
import { PlannedActions } from '../conflict/store/planned-actions.js';
import { watchAiSdkCalls } from '../runtime/hot-path/ai-sdk-boundary.js';
import { configureHotPath } from '../runtime/hot-path/hot-path.js';
import type { ContentHub } from '../runtime/hub/content-hub.js';
import { InProcessHub } from '../runtime/hub/in-process-hub.js';
import { RedisHub } from '../runtime/hub/redis-hub.js';
import type { IdempotencyGuard } from '../runtime/idempotency/idempotency.js';
import { MemoryIdempotencyGuard } from '../runtime/idempotency/memory-idempotency-guard.js';
import { RedisIdempotencyGuard } from '../runtime/idempotency/redis-idempotency-guard.js';
import type { Locks } from '../runtime/locks/locks.js';
import { MemoryLocks } from '../runtime/locks/memory-locks.js';
import { RedisLocks } from '../runtime/locks/redis-locks.js';
import { BullMqQueue } from '../runtime/queue/bullmq-queue.js';
import { InProcessQueue } from '../runtime/queue/in-process-queue.js';
import type { TaskQueue } from '../runtime/queue/task-queue.js';
import { Budget } from '../runtime/spend/budget.js';
import { SpendLedger } from '../runtime/spend/spend-ledger.js';
import { checkDependencies } from './dependency-check.js';
import { createGateway, ModelHealth, modelEndpoint } from '../gateway/index.js';
import { cacheKeyClass } from '../conflict/domain/cache-contract.js';
import type { Random } from '../conflict/domain/random.js';
import { ContentFeed } from '../conflict/engine/content-feed.js';
import { EngineHealth } from '../conflict/engine/engine-health.js';
import { GameEngine } from '../conflict/engine/game-engine.js';
import { GameHeads } from '../conflict/engine/game-heads.js';
import { GameStore } from '../conflict/store/game-store.js';
import { chainCombiners, TaskDispatcher } from '../conflict/engine/task-dispatcher.js';
import { loadBundledScenarios, type Scenario } from '../conflict/scenarios/index.js';
import { MaintenanceSweep, registerMaintenance } from '../conflict/maintenance.js';
import { registerShedRecovery, ShedRecovery } from '../conflict/shed-recovery.js';
import { registerConflictWorkers } from '../conflict/slow-path/conflict-workers.js';
import type { Subsystem } from '../conflict/subsystem.js';
import { conflictSubsystems } from '../conflict/subsystems.js';
import { TaskCatalog } from '../conflict/tasks/task-catalog.js';
import { SlowPathCapacity } from '../runtime/queue/slow-path-capacity.js';

/**
 * The composition root: picks each backend from the configuration (embedded by default, Redis /
 * PostgreSQL / BullMQ when their URLs are set), wires the engine, and — in a process that runs
 * workers — the slow path. The HTTP server and the CLI take what they need from here.
 */
export interface NyxOptions {
  /** Run slow-path workers in this process (always true when embedded: the in-process queue has no other consumer). */
  workers: boolean;
  /** Take the engine's per-game requests (false in a worker-only process). */
  engine?: boolean;
  /** Key prefix for Redis (tests isolate themselves with it). */
  redisPrefix?: string;
  /** The scenarios players can start (e.g. from `loadScenarioFile`). Default: the ones shipped in `scenarios/`. */
  scenarios?: readonly Scenario[];
  /** The subsystems to run, in handler order. Default: `conflictSubsystems` (stakeholders, flow, social, canon, tension, turn). */
  subsystems?: readonly Subsystem[];
  /**
   * The rules' dice; default `Math.random`. A test that replays a game passes seeded ones here
   * rather than replacing `Math.random`, which libraries and the queue also draw from at moments
   * that depend on timing.
   */
  random?: Random;
}

export interface Nyx {
  readonly config: Config;
  readonly db: Database;
  readonly cache: Cache;
  readonly locks: Locks;
  readonly idempotency: IdempotencyGuard;
  readonly hub: ContentHub;
  readonly queue: TaskQueue;
  readonly store: GameStore;
  /** The game rows in the cache, moved on by every writer. */
  readonly heads: GameHeads;
  readonly feed: ContentFeed;
  readonly planned: PlannedActions;
  readonly health: EngineHealth;
  /** The slow path's admission: how much work may wait in the queue, measured from what it finishes. */
  readonly capacity: SlowPathCapacity;
  /** Admits and sends slow-path work (the engine's and the workers' follow-ups alike). */
  readonly dispatcher: TaskDispatcher;
  readonly engine: GameEngine;
  /** Model spend and player turns, shared by every process on the same cache. */
  readonly spend: SpendLedger;
  readiness(): Promise<Record<string, boolean>>;
  close(options?: { graceMs?: number }): Promise<void>;
}

const log = logger.child({ module: 'nyx' });

const REDIS_READY_TIMEOUT_MS = 5_000;

async function withinTimeout(ready: Promise<void>, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolveTimeout) => {
    timer = setTimeout(() => {
      // Redis answered the start-up check, so it went away since: requests take their Redis-down paths.
      log.warn({ what }, 'Redis connections not ready yet; starting anyway, they reconnect by themselves');
      resolveTimeout();
    }, REDIS_READY_TIMEOUT_MS);
  });
  await Promise.race([ready, timeout]);
  clearTimeout(timer);
}

/** PostgreSQL when DATABASE_URL is set; else PGlite under NYX_DATA_DIR (`:memory:` keeps nothing). */
export function databaseOptions(config: Config): DatabaseOptions {
  if (config.databaseUrl) return { url: config.databaseUrl };
  if (config.dataDir === ':memory:') return { inMemory: true };
  return { dataDir: resolve(config.dataDir, 'pglite') };
}

/** The backends that are shared state: in memory when embedded, Redis and BullMQ when REDIS_URL is set. */
interface SharedBackends {
  cache: Cache;
  locks: Locks;
  idempotency: IdempotencyGuard;
  hub: ContentHub;
  queue: TaskQueue;
}

/** Applies the hot-path guard's settings before anything can make a call it should refuse. */
function armHotPathGuard(config: Config): void {
  const { disableLlm, enforceMs, strict, blockMs } = config.hotPath;
  configureHotPath({ disableLlm, enforceMs, strict, blockMs });
  watchAiSdkCalls();
}

async function openMigratedDatabase(config: Config): Promise<Database> {
  await checkDependencies(config, (error, attempt) => log.warn(`${error.message}; attempt ${attempt}, trying again`));
  const db = await openDatabase(databaseOptions(config));
  await db.migrate();
  return db;
}

async function openSharedBackends(config: Config, options: NyxOptions): Promise<SharedBackends> {
  const queueOptions = {
    concurrency: config.queue.concurrency,
    attempts: config.queue.attempts,
    backoff: { delayMs: config.queue.backoffMs, factor: config.queue.backoffFactor },
  };
  if (!config.redisUrl) {
    return {
      cache: new MemoryCache({ classOfKey: cacheKeyClass }),
      locks: new MemoryLocks(),
      idempotency: new MemoryIdempotencyGuard({ defaultTtlSeconds: config.idempotencyTtlSeconds }),
      hub: new InProcessHub(),
      queue: new InProcessQueue(queueOptions),
    };
  }
  const url = config.redisUrl;
  const keyPrefix = options.redisPrefix ?? '';
  const cache = new RedisCache({ url, keyPrefix, classOfKey: cacheKeyClass });
  const locks = new RedisLocks({ url, keyPrefix });
  const idempotency = new RedisIdempotencyGuard({ url, keyPrefix, defaultTtlSeconds: config.idempotencyTtlSeconds });
  const hub = new RedisHub({ url, keyPrefix });
  await withinTimeout(
    Promise.all([cache.whenReady(), locks.whenReady(), idempotency.whenReady(), hub.whenReady()]).then(() => {}),
    'cache, locks, idempotency and hub',
  );
  return { cache, locks, idempotency, hub, queue: new BullMqQueue({ url, ...queueOptions, prefix: `${keyPrefix}nyx` }) };
}

interface SlowPathWiring {
  config: Config;
  db: Database;
  shared: SharedBackends;
  store: GameStore;
  heads: GameHeads;
  feed: ContentFeed;
  planned: PlannedActions;
  scenarios: readonly Scenario[];
  subsystems: readonly Subsystem[];
  catalog: TaskCatalog;
  dispatcher: TaskDispatcher;
  capacity: SlowPathCapacity;
}

/**
 * A worker process: the gateway, every subsystem's task implementations and the maintenance sweep,
 * then the queue's workers. Resolves to the function that stops recording final failures and
 * asking for the cluster's schedules.
 */
async function startSlowPath({
  config,
  db,
  shared,
  store,
  heads,
  feed,
  planned,
  scenarios,
  subsystems,
  catalog,
  dispatcher,
  capacity,
}: SlowPathWiring): Promise<() => void> {
  const { cache, hub, idempotency, queue } = shared;
  const modelHealth = new ModelHealth(cache);
  const gateway = createGateway(config.llm, { cache, budget: config.budget, health: modelHealth });
  // Not awaited: a slow or dead model must not hold up start-up, only be reported.
  void modelHealth.probe(gateway.provider, modelEndpoint(config.llm));
  const stopWorkers = await registerConflictWorkers(
    queue,
    {
      gateway,
      store,
      heads,
      feed,
      planned,
      canon: new CanonLedger(db),
      cache,
      hub,
      idempotency,
      scenarios,
      // A task makes at most two model calls (one repair), each bounded by LLM_TIMEOUT_MS.
      taskTimeoutMs: config.llm.timeoutMs * 2 + 5_000,
      idempotencyTtlSeconds: config.idempotencyTtlSeconds,
      maxQueueWaitMs: config.slowPathHorizonMs,
    },
    subsystems,
    dispatcher,
  );
  const stopSweep = await registerMaintenance(queue, new MaintenanceSweep({ feed, planned, heads, hub, dispatcher, catalog }));
  const stopRecovery = await registerShedRecovery(queue, new ShedRecovery({ feed, capacity, dispatcher, catalog }));
  await queue.startWorkers();
  return () => {
    stopWorkers();
    stopSweep();
    stopRecovery();
  };
}

export async function startNyx(config: Config, options: NyxOptions): Promise<Nyx> {
  armHotPathGuard(config);
  if (config.redisUrl === undefined && !options.workers) {
    throw new Error(
      'an embedded deployment (no REDIS_URL) runs its workers in-process; set REDIS_URL to run web and worker processes apart',
    );
  }
  const db = await openMigratedDatabase(config);
  const shared = await openSharedBackends(config, options);
  const { cache, locks, idempotency, hub, queue } = shared;

  const store = new GameStore(db);
  const heads = new GameHeads(store, cache, locks);
  const feed = new ContentFeed(db);
  const planned = new PlannedActions(db);
  const capacity = new SlowPathCapacity(queue, { concurrency: config.queue.concurrency, horizonMs: config.slowPathHorizonMs });
  capacity.start();
  const health = new EngineHealth(queue, config.degrade, cache, capacity);
  health.start();
  const dispatcher = new TaskDispatcher(queue, { capacity, health, speculate: config.anticipateReactions });

  const scenarios = options.scenarios ?? (await loadBundledScenarios());
  const subsystems = options.subsystems ?? conflictSubsystems;
  const catalog = TaskCatalog.of(subsystems);
  let stopWorkers: (() => void) | undefined;
  if (options.workers) {
    stopWorkers = await startSlowPath({
      config,
      db,
      shared,
      store,
      heads,
      feed,
      planned,
      scenarios,
      subsystems,
      catalog,
      dispatcher,
      capacity,
    });
  } else {
    catalog.declareOn(queue);
    await registerMaintenance(queue);
    await registerShedRecovery(queue);
  }

  const spend = new SpendLedger(cache);
  const engine = new GameEngine({
    store,
    heads,
    feed,
    planned,
    cache,
    locks,
    dispatcher,
    queue,
    health,
    budget: new Budget(spend, config.budget),
    spend,
    scenarios,
    subsystems,
    catalog,
    combine: config.oneCallPerTurn
      ? chainCombiners(subsystems.flatMap((subsystem) => (subsystem.combine ? [subsystem.combine] : [])))
      : undefined,
    mode: config.hotPath.mode,
    waitMs: config.hotPath.waitMs,
    syncTickMs: config.hotPath.syncTickMs,
    ...(options.random ? { random: options.random } : {}),
  });

  log.info(
    {
      database: db.kind,
      cache: cache.backend,
      queue: queue.backend,
      llm: config.llm.provider,
      workers: options.workers,
      hotPathMode: config.hotPath.mode,
    },
    'nyx runtime ready',
  );

  return {
    config,
    db,
    cache,
    locks,
    idempotency,
    hub,
    queue,
    store,
    heads,
    feed,
    planned,
    health,
    capacity,
    dispatcher,
    engine,
    spend,
    async readiness() {
      const [database, cacheUp, queueUp] = await Promise.all([db.ping(), cache.ping(), queue.ping()]);
      return { database, cache: cacheUp, queue: queueUp };
    },
    async close({ graceMs = 10_000 } = {}) {
      health.stop();
      capacity.stop();
      await queue.close({ graceMs });
      stopWorkers?.();
      await Promise.allSettled([hub.close(), cache.close(), locks.close()]);
      if ('close' in idempotency && typeof idempotency.close === 'function') await idempotency.close();
      await db.close();
    },
  };
}
