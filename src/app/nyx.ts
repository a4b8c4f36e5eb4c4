import { resolve } from 'node:path';
import type { Config } from '../config/config.js';
import { logger } from '../observability/logger.js';
import type { Cache } from '../runtime/cache/cache.js';
import { MemoryCache } from '../runtime/cache/memory-cache.js';
import { RedisCache } from '../runtime/cache/redis-cache.js';
import { CanonLedger } from '../runtime/db/canon-ledger.js';
import { openDatabase, type Database, type DatabaseOptions } from '../runtime/db/database.js';
import { PlannedActions } from '../runtime/db/planned-actions.js';
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
import { createGateway } from '../gateway/index.js';
import { ContentFeed } from '../conflict/engine/content-feed.js';
import { EngineHealth } from '../conflict/engine/engine-health.js';
import { GameEngine } from '../conflict/engine/game-engine.js';
import { GameStore } from '../conflict/engine/game-store.js';
import { TaskDispatcher } from '../conflict/engine/task-dispatcher.js';
import { loadBundledScenarios } from '../conflict/scenarios/index.js';
import { declareConflictTasks } from '../conflict/tasks/declare.js';
import { registerConflictWorkers } from '../conflict/workers.js';

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
  readonly feed: ContentFeed;
  readonly planned: PlannedActions;
  readonly health: EngineHealth;
  readonly engine: GameEngine;
  readiness(): Promise<Record<string, boolean>>;
  close(options?: { graceMs?: number }): Promise<void>;
}

const log = logger.child({ module: 'nyx' });

/** How often a worker process expires stale planned actions and deletes old consumed ones. */
const MAINTENANCE_EVERY_MS = 10 * 60_000;
/**
 * A feed item still `generating` after this long lost its job (a crash, a queue that died with the
 * process): it is settled on its fallback so the player is not left waiting on it forever.
 */
const ABANDONED_CONTENT_MS = 15 * 60_000;
const REDIS_READY_TIMEOUT_MS = 5_000;

async function withinTimeout(ready: Promise<void>, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolveTimeout) => {
    timer = setTimeout(() => {
      log.warn({ what }, 'Redis not reachable yet; continuing with defaults until it is');
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

export async function startNyx(config: Config, options: NyxOptions): Promise<Nyx> {
  configureHotPath({ disableLlm: config.hotPath.disableLlm, enforceMs: config.hotPath.enforceMs, strict: config.hotPath.strict });
  const distributed = config.redisUrl !== undefined;
  if (!distributed && !options.workers) {
    throw new Error('an embedded deployment (no REDIS_URL) runs its workers in-process; set REDIS_URL to run web and worker processes apart');
  }

  const db = await openDatabase(databaseOptions(config));
  await db.migrate();

  const queueOptions = {
    concurrency: config.queue.concurrency,
    attempts: config.queue.attempts,
    backoff: { delayMs: config.queue.backoffMs, factor: config.queue.backoffFactor },
  };
  let cache: Cache;
  let locks: Locks;
  let idempotency: IdempotencyGuard;
  let hub: ContentHub;
  let queue: TaskQueue;
  if (config.redisUrl) {
    const url = config.redisUrl;
    const keyPrefix = options.redisPrefix ?? '';
    const redisCache = new RedisCache({ url, keyPrefix });
    const redisLocks = new RedisLocks({ url, keyPrefix });
    const redisIdempotency = new RedisIdempotencyGuard({ url, keyPrefix, defaultTtlSeconds: config.idempotencyTtlSeconds });
    const redisHub = new RedisHub({ url, keyPrefix });
    await withinTimeout(
      Promise.all([redisCache.whenReady(), redisLocks.whenReady(), redisIdempotency.whenReady(), redisHub.whenReady()]).then(() => {}),
      'cache, locks, idempotency and hub',
    );
    cache = redisCache;
    locks = redisLocks;
    idempotency = redisIdempotency;
    hub = redisHub;
    queue = new BullMqQueue({ url, ...queueOptions, prefix: `${keyPrefix}nyx` });
  } else {
    cache = new MemoryCache();
    locks = new MemoryLocks();
    idempotency = new MemoryIdempotencyGuard({ defaultTtlSeconds: config.idempotencyTtlSeconds });
    hub = new InProcessHub();
    queue = new InProcessQueue(queueOptions);
  }

  const store = new GameStore(db);
  const feed = new ContentFeed(db);
  const planned = new PlannedActions(db);
  const health = new EngineHealth(queue, config.degrade);
  health.start();

  const scenarios = await loadBundledScenarios();
  let stopWorkers: (() => void) | undefined;
  let maintenance: NodeJS.Timeout | undefined;
  if (options.workers) {
    const gateway = createGateway(config.llm);
    stopWorkers = registerConflictWorkers(queue, {
      gateway,
      store,
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
    });
    await queue.startWorkers();
    maintenance = setInterval(() => {
      const abandonedBefore = new Date(Date.now() - ABANDONED_CONTENT_MS);
      void Promise.all([planned.expirePastDue(), planned.cleanup(24), feed.failAbandoned(abandonedBefore)]).catch((error: unknown) =>
        log.warn({ err: error }, 'maintenance failed'),
      );
    }, MAINTENANCE_EVERY_MS);
    maintenance.unref();
  } else {
    declareConflictTasks(queue);
  }

  const engine = new GameEngine({
    store,
    feed,
    planned,
    cache,
    locks,
    dispatcher: new TaskDispatcher(queue, health),
    queue,
    health,
    scenarios,
    mode: config.hotPath.mode,
    waitMs: config.hotPath.waitMs,
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
    feed,
    planned,
    health,
    engine,
    async readiness() {
      const [database, cacheUp, queueUp] = await Promise.all([db.ping(), cache.ping(), queue.ping()]);
      return { database, cache: cacheUp, queue: queueUp };
    },
    async close({ graceMs = 10_000 } = {}) {
      if (maintenance) clearInterval(maintenance);
      health.stop();
      await queue.close({ graceMs });
      stopWorkers?.();
      await Promise.allSettled([hub.close(), cache.close(), locks.close()]);
      if ('close' in idempotency && typeof idempotency.close === 'function') await idempotency.close();
      await db.close();
    },
  };
}
