/**
 * `npm run bench:runtime`: latency of the runtime backends' hot-path calls, embedded and distributed.
 *
 * Each operation runs sequentially (one call in flight): warm-up calls first, then timed calls into a
 * perf_hooks histogram. The distributed half runs only when REDIS_URL and DATABASE_URL are both set;
 * it works under a random Redis key prefix and in a fresh PostgreSQL database, both removed at the end.
 * Results: a table on stdout and bench-output/runtime-latest.json.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { eq, inArray } from 'drizzle-orm';
import pg from 'pg';
import { z } from 'zod';
import type { Cache } from '../src/runtime/cache/cache.js';
import { MemoryCache } from '../src/runtime/cache/memory-cache.js';
import { RedisCache } from '../src/runtime/cache/redis-cache.js';
import { openDatabase, type Database } from '../src/runtime/db/database.js';
import { PlannedActions, type PlannedAction } from '../src/conflict/store/planned-actions.js';
import { conflicts, games, npcs, plannedStakeholderActions, stakeholders } from '../src/conflict/store/schema/index.js';
import { setLogLevel } from '../src/observability/logger.js';
import { isLockBusy, type Locks } from '../src/runtime/locks/locks.js';
import { MemoryLocks } from '../src/runtime/locks/memory-locks.js';
import { RedisLocks } from '../src/runtime/locks/redis-locks.js';
import { BullMqQueue } from '../src/runtime/queue/bullmq-queue.js';
import { InProcessQueue } from '../src/runtime/queue/in-process-queue.js';
import type { DispatchResult, TaskQueue } from '../src/runtime/queue/task-queue.js';
import { formatTable, measure, type Measurement, type Operation } from './lib/runtime-measure.js';

const FAST = { warmup: 1_000, samples: 10_000 };
const CLAIM = { warmup: 100, samples: 1_000 };
const READY_ROWS = 1_000;
const CLAIM_LIMIT = 10;
const OUTPUT = 'bench-output/runtime-latest.json';
const NOOP_TASK = 'bench.noop';

/** A cached value the size of a small read model (one NPC with its standing). */
const CACHED_VALUE = {
  id: 42,
  name: 'Mara Vell',
  role: 'instigator',
  stress: 0.62,
  commitment: 0.8,
  traits: ['proud', 'loyal', 'impatient'],
  reputation: { honesty: 0.4, kindness: 0.7, competence: 0.9 },
  lastAction: 'Accuses the steward of skimming the harvest tithe in front of the whole hall.',
};

interface Backend {
  name: 'embedded' | 'distributed';
  cache: Cache;
  locks: Locks;
  queue: TaskQueue;
  db: Database;
  implementations: Record<'cache' | 'locks' | 'queue' | 'db', string>;
}

/** Closers run last-in first-out, each one even when another fails. */
class Teardown {
  private readonly steps: Array<{ what: string; run: () => Promise<unknown> }> = [];

  add(what: string, run: () => Promise<unknown>): void {
    this.steps.push({ what, run });
  }

  async run(): Promise<void> {
    for (const step of this.steps.reverse()) {
      try {
        await step.run();
      } catch (error) {
        console.error(`teardown: ${step.what} failed: ${(error as Error).message}`);
      }
    }
    this.steps.length = 0;
  }
}

type Port = keyof Backend['implementations'];

function operations(backend: Backend, planned: PlannedActions, game: SeededGame): Array<[Port, Operation]> {
  const { cache, locks, queue } = backend;
  const hit: Operation<unknown> = {
    name: 'cache getJson (hit)',
    ...FAST,
    run: () => cache.getJson('bench:npc:42'),
    check: (value) => {
      if ((value as typeof CACHED_VALUE | undefined)?.id !== CACHED_VALUE.id) throw new Error('expected a hit');
    },
  };
  const write: Operation<boolean> = {
    name: 'cache setJson',
    ...FAST,
    run: (i) => cache.setJson(`bench:write:${i % 1_000}`, CACHED_VALUE, 300),
    check: (stored) => {
      if (!stored) throw new Error('setJson answered false');
    },
  };
  const lock: Operation<boolean | 'busy'> = {
    name: 'lock tryLock+release',
    ...FAST,
    run: async (i) => {
      const handle = await locks.tryLock(`bench:lock:${i % 100}`, 5_000);
      return isLockBusy(handle) ? 'busy' : handle.release();
    },
    check: (released) => {
      if (released !== true) throw new Error(released === 'busy' ? 'lock was busy' : 'release answered false');
    },
  };
  const dispatch: Operation<DispatchResult> = {
    name: 'queue dispatch',
    ...FAST,
    run: (i) => queue.dispatch(NOOP_TASK, { i }),
    check: (result) => {
      if (result.status !== 'accepted') throw new Error(`dispatch ${result.status}: ${'reason' in result ? result.reason : ''}`);
    },
  };
  const read: Operation<unknown[]> = {
    name: 'db read by primary key',
    ...CLAIM,
    run: () => backend.db.orm.select({ version: games.version }).from(games).where(eq(games.id, game.gameId)).limit(1),
    check: (rows) => {
      if (rows.length !== 1) throw new Error(`read ${rows.length} rows, expected 1`);
    },
  };
  const claim: Operation<PlannedAction[]> = {
    name: `claimReady ${CLAIM_LIMIT} of ${READY_ROWS.toLocaleString('en-US')}`,
    ...CLAIM,
    run: () => planned.claimReady({ gameId: game.gameId, limit: CLAIM_LIMIT }),
    check: (claimed) => {
      if (claimed.length !== CLAIM_LIMIT) throw new Error(`claimed ${claimed.length}, expected ${CLAIM_LIMIT}`);
    },
    // Untimed: the consumed rows are replaced by fresh ready ones, so every claim sees 1,000 ready rows.
    after: async (claimed, i) => {
      await backend.db.orm.delete(plannedStakeholderActions).where(
        inArray(
          plannedStakeholderActions.id,
          claimed.map((a) => a.id),
        ),
      );
      await insertReady(backend.db, game, CLAIM_LIMIT, i);
    },
  };
  return [
    ['cache', hit],
    ['cache', write],
    ['locks', lock],
    ['queue', dispatch],
    ['db', read],
    ['db', claim],
  ] as Array<[Port, Operation]>;
}

interface SeededGame {
  gameId: string;
  conflictId: number;
  stakeholderIds: number[];
}

/** A game with one conflict and three stakeholders (planned actions reference all three), and its ready rows. */
async function seedGame(db: Database): Promise<SeededGame> {
  const gameId = `bench-${randomBytes(4).toString('hex')}`;
  await db.orm.insert(games).values({ id: gameId, scenarioId: 'bench', seed: 1, tokenHash: 'x'.repeat(64) });
  const [conflict] = await db.orm
    .insert(conflicts)
    .values({ gameId, type: 'social', title: 'The tithe quarrel' })
    .returning({ id: conflicts.id });
  const people = await db.orm
    .insert(npcs)
    .values([0, 1, 2].map((i) => ({ gameId, key: `npc-${i}`, name: `NPC ${i}` })))
    .returning({ id: npcs.id });
  const parts = await db.orm
    .insert(stakeholders)
    .values(people.map((npc) => ({ gameId, conflictId: conflict!.id, npcId: npc.id })))
    .returning({ id: stakeholders.id });
  const game = { gameId, conflictId: conflict!.id, stakeholderIds: parts.map((s) => s.id) };
  for (let batch = 0; batch < READY_ROWS; batch += 250) await insertReady(db, game, 250, batch);
  return game;
}

async function insertReady(db: Database, game: SeededGame, count: number, seed: number): Promise<void> {
  await db.orm.insert(plannedStakeholderActions).values(
    Array.from({ length: count }, (_, k) => ({
      gameId: game.gameId,
      stakeholderId: game.stakeholderIds[(seed + k) % game.stakeholderIds.length]!,
      conflictId: game.conflictId,
      kind: 'action' as const,
      payload: {
        action_type: 'observant' as const,
        description: 'Observes the situation',
        success_probability: 0.5,
        text: 'Someone observes the situation.',
      },
      priority: 1 + ((seed + k) % 9),
    })),
  );
}

async function prepareBackend(backend: Backend): Promise<{ planned: PlannedActions; game: SeededGame }> {
  await backend.db.migrate();
  const game = await seedGame(backend.db);
  if (!(await backend.cache.setJson('bench:npc:42', CACHED_VALUE))) throw new Error(`${backend.name}: cannot write the cached value`);
  backend.queue.defineTask(NOOP_TASK, { payload: z.object({ i: z.number().int() }), handler: async () => undefined });
  await backend.queue.startWorkers();
  return { planned: new PlannedActions(backend.db), game };
}

async function runBackend(backend: Backend): Promise<Measurement[]> {
  const started = performance.now();
  const { planned, game } = await prepareBackend(backend);
  progress(backend.name, 'migrated and seeded', started);
  const results: Measurement[] = [];
  for (const [port, operation] of operations(backend, planned, game)) {
    const operationStarted = performance.now();
    results.push(await measure(operation, backend.name, backend.implementations[port]));
    progress(backend.name, operation.name, operationStarted);
  }
  return results;
}

function progress(backend: string, step: string, since: number): void {
  process.stderr.write(`  ${backend.padEnd(11)} ${step} (${((performance.now() - since) / 1_000).toFixed(1)} s)\n`);
}

const queueDefaults = { attempts: 1, backoff: { delayMs: 1_000, factor: 2 }, concurrency: 4 };

async function embedded(teardown: Teardown): Promise<Backend> {
  const cache = new MemoryCache();
  teardown.add('MemoryCache', () => cache.close());
  const locks = new MemoryLocks();
  teardown.add('MemoryLocks', () => locks.close());
  const queue = new InProcessQueue(queueDefaults);
  teardown.add('InProcessQueue', () => queue.close({ graceMs: 2_000 }));
  const db = await openDatabase({ inMemory: true });
  teardown.add('PGlite', () => db.close());
  return {
    name: 'embedded',
    cache,
    locks,
    queue,
    db,
    implementations: { cache: 'MemoryCache', locks: 'MemoryLocks', queue: 'InProcessQueue', db: 'PGlite in memory, own thread' },
  };
}

async function distributed(redisUrl: string, databaseUrl: string, teardown: Teardown): Promise<Backend> {
  const suffix = randomBytes(4).toString('hex');
  const prefix = `nyx-bench-${suffix}`;
  const database = await createDatabase(databaseUrl, `nyx_bench_${suffix}`, teardown);

  const cache = new RedisCache({ url: redisUrl, keyPrefix: `${prefix}:` });
  teardown.add('RedisCache', () => cache.close());
  await within(cache.whenReady(), 5_000, `Redis at ${redisUrl} did not answer`);
  // Runs after the queue and locks have closed: deletes every key of this run (cache, locks, BullMQ).
  teardown.add(`Redis keys ${prefix}:*`, () => cache.deleteKeys('*'));
  const locks = new RedisLocks({ url: redisUrl, keyPrefix: `${prefix}:` });
  teardown.add('RedisLocks', () => locks.close());
  await within(locks.whenReady(), 5_000, `Redis at ${redisUrl} did not answer`);
  const queue = new BullMqQueue({ ...queueDefaults, url: redisUrl, prefix, dispatchTimeoutMs: 5_000 });
  teardown.add('BullMqQueue', () => queue.close({ graceMs: 2_000 }));
  const db = await openDatabase({ url: database });
  teardown.add('PostgreSQL pool', () => db.close());
  return {
    name: 'distributed',
    cache,
    locks,
    queue,
    db,
    implementations: { cache: 'RedisCache', locks: 'RedisLocks', queue: 'BullMqQueue', db: 'PostgreSQL' },
  };
}

/** CREATE DATABASE `name` next to the one `adminUrl` names; DROP it at teardown. Returns its URL. */
async function createDatabase(adminUrl: string, name: string, teardown: Teardown): Promise<string> {
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  teardown.add(`DROP DATABASE ${name}`, () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function within<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  const timeout = new AbortController();
  try {
    return await Promise.race([
      work,
      sleep(ms, undefined, { signal: timeout.signal }).then(() => {
        throw new Error(`${message} within ${ms} ms`);
      }),
    ]);
  } finally {
    timeout.abort();
  }
}

async function main(): Promise<void> {
  // Warnings from the backends would interleave with the table; failures surface through `check`.
  setLogLevel(process.env.LOG_LEVEL ?? 'error');
  progress('', 'modules loaded', 0);
  const redisUrl = process.env.REDIS_URL || undefined;
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const missing = [redisUrl ? undefined : 'REDIS_URL', databaseUrl ? undefined : 'DATABASE_URL'].filter(Boolean);
  const skipReason = missing.length > 0 ? `${missing.join(' and ')} not set` : undefined;

  const measurements: Measurement[] = [];
  const backends: Array<(teardown: Teardown) => Promise<Backend>> = [embedded];
  if (!skipReason) backends.push((teardown) => distributed(redisUrl!, databaseUrl!, teardown));
  for (const open of backends) {
    const teardown = new Teardown();
    try {
      measurements.push(...(await runBackend(await open(teardown))));
    } finally {
      const closing = performance.now();
      await teardown.run();
      progress('', 'closed', closing);
    }
  }

  const order = [...new Set(measurements.map((m) => m.operation))];
  measurements.sort((a, b) => order.indexOf(a.operation) - order.indexOf(b.operation));
  const [load1, load5] = os.loadavg();
  console.log(
    `\nNyx runtime backends — node ${process.version}, ${os.cpus().length} CPUs, load ${load1!.toFixed(2)}/${load5!.toFixed(2)}; ` +
      `sequential, one call in flight; warm-up ${FAST.warmup} (claim ${CLAIM.warmup}) before ${FAST.samples} (claim ${CLAIM.samples}) samples\n`,
  );
  console.log(formatTable(measurements));
  console.log(
    `\nqueue dispatch: the call returns once the job is accepted; a no-op handler runs on the backend's workers (concurrency ${queueDefaults.concurrency}).` +
      `\nclaimReady: consumes ${CLAIM_LIMIT} of ${READY_ROWS.toLocaleString('en-US')} ready rows; replacing them afterwards is not timed.`,
  );
  if (skipReason)
    console.log(
      `\n⚠️  distributed backends SKIPPED: ${skipReason}. Set both REDIS_URL and DATABASE_URL to measure Redis, BullMQ and PostgreSQL.`,
    );

  mkdirSync('bench-output', { recursive: true });
  const report = {
    generatedAt: new Date().toISOString(),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    cpus: os.cpus().length,
    loadAverage: os.loadavg(),
    distributed: skipReason ? { ran: false, reason: skipReason } : { ran: true },
    results: measurements,
  };
  writeFileSync(OUTPUT, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwrote ${OUTPUT}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
