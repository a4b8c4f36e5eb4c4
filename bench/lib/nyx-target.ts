import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { startChild } from './child-process.js';
import { ScrapedEventLoopWindow, type EventLoopWindow } from './event-loop-window.js';
import { BenchUsageError, type BenchOptions } from './options.js';
import { RedisWorkMeter } from './redis-work-meter.js';

export type HotPathMode = 'async' | 'blocking';

/** A running Nyx (or the floor) the virtual players talk to over HTTP on 127.0.0.1. */
export interface BenchTarget {
  readonly baseUrl: string;
  /** Every process's /metrics: the web server's first, then each worker process's (none when embedded). */
  readonly metricsUrls: string[];
  readonly eventLoop: EventLoopWindow;
  /** What the target's Redis has done, for every client: a distributed Nyx's (none when embedded, and none for the floor). */
  readonly redis?: RedisWorkMeter;
  close(): Promise<void>;
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** A Redis database of its own, emptied before each server starts: the prefix is not configurable from the environment. */
const BENCH_REDIS_DB = 7;

/**
 * The simulated prices of every run: the offline writer billed like a small hosted model, in US
 * dollars per million tokens, so the report can state a cost per player turn.
 */
export const BENCH_PRICES = { 'nyx-offline-grammar-1': { input: 0.15, output: 0.6 } } as const;

function nyxEnvironment(mode: HotPathMode, options: BenchOptions): Record<string, string> {
  return {
    NYX_HOT_PATH: mode,
    LLM_SIM_LATENCY_MS: options.latency,
    LLM_PRICES: JSON.stringify(BENCH_PRICES),
    QUEUE_CONCURRENCY: String(options.concurrency),
    // The benchmark measures over-budget operations itself; a warning per request would flood.
    HOT_PATH_ENFORCE_MS: '60000',
    RATE_LIMIT_PER_MINUTE: '1000000',
    LOG_LEVEL: 'silent',
  };
}

/** The environment of a process that must run on the embedded backends whatever the caller's shell holds. */
function embeddedEnvironment(): NodeJS.ProcessEnv {
  const { REDIS_URL: _redis, DATABASE_URL: _database, LLM_BASE_URL: _llm, ...rest } = process.env;
  return rest;
}

const SERVER_READY = /Nyx is running: (http:\/\/127\.0\.0\.1:\d+)\//;
const WORKER_READY = /Nyx worker running: .* metrics (http:\/\/127\.0\.0\.1:\d+\/metrics)/;
const FLOOR_READY = /Floor is running: (http:\/\/127\.0\.0\.1:\d+)\//;

/**
 * `nyx serve` with its workers in-process, as `npm start` runs it (in memory), in a process of its
 * own: the load generator must not share the event loop it measures.
 */
export async function startEmbeddedNyx(mode: HotPathMode, options: BenchOptions, port = 0): Promise<BenchTarget> {
  const env = {
    ...embeddedEnvironment(),
    ...nyxEnvironment(mode, options),
    NYX_DATA_DIR: ':memory:',
    PORT: String(port),
    HOST: '127.0.0.1',
  };
  const server = await startChild(['src/cli/main.ts', 'serve'], env, SERVER_READY, { cwd: REPO_ROOT });
  return {
    baseUrl: server.match[1]!,
    metricsUrls: [`${server.match[1]!}/metrics`],
    eventLoop: new ScrapedEventLoopWindow(),
    close: server.stop,
  };
}

export async function startEmbeddedFloor(): Promise<BenchTarget> {
  const floor = await startChild(['bench/lib/floor-server.ts'], embeddedEnvironment(), FLOOR_READY, { cwd: REPO_ROOT });
  return {
    baseUrl: floor.match[1]!,
    metricsUrls: [`${floor.match[1]!}/metrics`],
    eventLoop: new ScrapedEventLoopWindow(),
    close: floor.stop,
  };
}

/** REDIS_URL and DATABASE_URL from the environment, narrowed to what one benchmark may touch. */
export class DistributedServices {
  readonly redisUrl: string;

  constructor(
    redisUrl: string | undefined,
    private readonly databaseUrl: string | undefined,
  ) {
    if (!redisUrl || !databaseUrl)
      throw new BenchUsageError('--distributed needs REDIS_URL and DATABASE_URL (a Redis and a PostgreSQL URL) in the environment');
    for (const raw of [redisUrl, databaseUrl]) {
      const host = new URL(raw).hostname;
      if (host !== '127.0.0.1' && host !== 'localhost') throw new Error(`the benchmark only uses local services, not ${host}`);
    }
    const url = new URL(redisUrl);
    url.pathname = `/${BENCH_REDIS_DB}`;
    this.redisUrl = url.toString();
  }

  /** The services REDIS_URL and DATABASE_URL name. */
  static fromEnvironment(): DistributedServices {
    return new DistributedServices(process.env.REDIS_URL, process.env.DATABASE_URL);
  }

  /** Empties the benchmark's own Redis database (and no other). */
  async flushRedis(): Promise<void> {
    const redis = new Redis(this.redisUrl, { lazyConnect: true });
    await redis.connect();
    await redis.flushdb();
    redis.disconnect();
  }

  async createDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
    const name = `nyx_bench_${randomBytes(5).toString('hex')}`;
    const admin = async (sql: string) => {
      const client = new pg.Client({ connectionString: this.databaseUrl });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    };
    await admin(`CREATE DATABASE ${name}`);
    const url = new URL(this.databaseUrl!);
    url.pathname = `/${name}`;
    return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
  }
}

/**
 * One web process (no workers) and one worker process on Redis + a fresh PostgreSQL database; the
 * web server on `port` and the worker's metrics on the next one (any free ports when 0).
 */
export async function startDistributedNyx(
  mode: HotPathMode,
  options: BenchOptions,
  services: DistributedServices,
  port = 0,
): Promise<BenchTarget> {
  await services.flushRedis();
  const database = await services.createDatabase();
  const env = {
    ...process.env,
    ...nyxEnvironment(mode, options),
    REDIS_URL: services.redisUrl,
    DATABASE_URL: database.url,
    PORT: String(port),
    HOST: '127.0.0.1',
  };
  const stops: Array<() => Promise<void>> = [];
  try {
    const server = await startChild(['src/cli/main.ts', 'serve', '--workers', '0'], env, SERVER_READY, { cwd: REPO_ROOT });
    stops.push(server.stop);
    // Not the default port: a fixed one would collide with another run on this machine.
    const workerEnv = { ...env, WORKER_METRICS_PORT: port === 0 ? '0' : String(port + 1) };
    const worker = await startChild(['src/cli/main.ts', 'worker'], workerEnv, WORKER_READY, { cwd: REPO_ROOT });
    stops.push(worker.stop);
    const redis = new RedisWorkMeter(services.redisUrl);
    stops.push(async () => redis.close());
    return {
      baseUrl: server.match[1]!,
      metricsUrls: [`${server.match[1]!}/metrics`, worker.match[1]!],
      eventLoop: new ScrapedEventLoopWindow(),
      redis,
      async close() {
        for (const stop of stops.reverse()) await stop();
        await database.drop();
      },
    };
  } catch (error) {
    for (const stop of stops.reverse()) await stop();
    await database.drop();
    throw error;
  }
}

export async function startDistributedFloor(services: DistributedServices): Promise<BenchTarget> {
  const floor = await startChild(['bench/lib/floor-server.ts'], { ...process.env, REDIS_URL: services.redisUrl }, FLOOR_READY, {
    cwd: REPO_ROOT,
  });
  return {
    baseUrl: floor.match[1]!,
    metricsUrls: [`${floor.match[1]!}/metrics`],
    eventLoop: new ScrapedEventLoopWindow(),
    close: floor.stop,
  };
}
