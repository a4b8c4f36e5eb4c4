import autocannon from 'autocannon';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { HttpClient } from './lib/http-client.js';
import { CPU_SECONDS, readMetrics, sumOf } from './lib/prometheus.js';
import { DistributedServices, startDistributedNyx, startEmbeddedNyx, type BenchTarget } from './lib/nyx-target.js';
import { FULL_DEFAULTS } from './lib/options.js';
import { createGame } from './lib/virtual-player.js';
import { sleep } from './lib/phase-clock.js';
import { NO_REDIS_WORK, redisWorkPer, type RedisWork, type RedisWorkMeter } from './lib/redis-work-meter.js';
import type { GameState } from '../src/conflict/engine/game-state.js';

/**
 * `npx tsx bench/sync-cost.ts [--duration S] [--connections N] [--distributed]`: what one state sync
 * of an unchanged game costs the server next to `/healthz`, with no other load. One embedded Nyx in
 * a process of its own (in memory; `--distributed`: one web and one worker process on REDIS_URL and
 * DATABASE_URL; the model takes ten minutes, so no job lands and the game stays as it is), one
 * game, and autocannon driving each request in turn at the same concurrency: `/healthz`, the state
 * sync answered with its body (200), and the same sync sending the tag it was given (304, no body).
 * At saturation the requests per second of each are the server's cost of one, inverted. Then the
 * same number of players make choices as fast as they are answered, each on a game of its own,
 * each choice one the previous answer offered. Per request it prints the web server's cache reads,
 * hot-path statements and CPU time (user and system, from its /metrics), and, distributed, the
 * commands Redis ran (`INFO commandstats`: every client's, the worker's waiting for jobs included)
 * and Redis's own CPU time; and first, distributed, what Redis does each second with no request.
 */
interface Measured {
  request: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  statuses: string;
  /** Per request, from the web server's /metrics around the run (and Redis's own count, distributed). */
  perRequest?: {
    cacheReads: number;
    statements: number;
    /** The web server process's CPU time (user and system), in ms. */
    cpuMs: number;
    /** Commands Redis ran, from any client, and Redis's CPU time in ms (distributed only). */
    redis: { commands: number; cpuMs: number } | undefined;
  };
}

/** What Redis does each second with no request (distributed only): the worker's waits for jobs, the queue's schedules. */
interface AtRest {
  seconds: number;
  /** Redis's commands and CPU ms, per second. */
  redis: { commands: number; cpuMs: number };
}

interface Counters {
  cacheReads: number;
  statements: number;
  cpuSeconds: number;
  /** NO_REDIS_WORK without Redis. */
  redis: RedisWork;
}

/** The web server's cache reads, hot-path statements and CPU seconds so far, and Redis's commands. */
async function counters(client: HttpClient, target: BenchTarget): Promise<Counters> {
  const samples = await readMetrics(client);
  return {
    cacheReads: sumOf(samples, 'nyx_cache_requests_total'),
    statements: sumOf(samples, 'nyx_db_statements_total', { path: 'hot' }),
    cpuSeconds: sumOf(samples, CPU_SECONDS),
    redis: (await target.redis?.read()) ?? NO_REDIS_WORK,
  };
}

/** `measured` with what the server spent on each of its requests. */
async function counted(
  client: HttpClient,
  target: BenchTarget,
  measured: () => Promise<Measured>,
  requests: (m: Measured) => number,
): Promise<Measured> {
  const before = await counters(client, target);
  const result = await measured();
  const after = await counters(client, target);
  const count = Math.max(1, requests(result));
  return {
    ...result,
    perRequest: {
      cacheReads: (after.cacheReads - before.cacheReads) / count,
      statements: (after.statements - before.statements) / count,
      cpuMs: ((after.cpuSeconds - before.cpuSeconds) * 1000) / count,
      redis: target.redis ? redisWorkPer(before.redis, after.redis, count) : undefined,
    },
  };
}

async function measureAtRest(redis: RedisWorkMeter, seconds: number): Promise<AtRest> {
  const before = await redis.read();
  await sleep(seconds * 1000);
  const after = await redis.read();
  return { seconds, redis: redisWorkPer(before, after, seconds) };
}

async function measure(
  request: string,
  url: string,
  options: {
    connections: number;
    duration: number;
    headers?: Record<string, string>;
    requests?: Parameters<typeof autocannon>[0]['requests'];
  },
): Promise<Measured> {
  const result = await autocannon({ url, ...options });
  const statuses = Object.entries(result.statusCodeStats)
    .map(([status, { count }]) => `${status}×${count}`)
    .join(' ');
  return { request, requestsPerSecond: result.requests.average, p50Ms: result.latency.p50, p99Ms: result.latency.p99, statuses };
}

async function measureChoices(client: HttpClient, players: number, seconds: number): Promise<Measured> {
  const games = await Promise.all(Array.from({ length: players }, (_, i) => createGame(client, 100 + i)));
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const until = Date.now() + seconds * 1000;
  await Promise.all(
    games.map(async ({ gameId, token, state }) => {
      let offered = state.choices;
      while (Date.now() < until && offered.length > 0) {
        const made = await client.request<{ state: GameState }>('POST', `/api/games/${gameId}/choices`, {
          token,
          body: { choiceId: offered[0]!.id },
        });
        latencies.push(made.ms);
        statuses.set(made.status, (statuses.get(made.status) ?? 0) + 1);
        if (made.status !== 200) break;
        offered = made.body.state.choices;
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  return {
    request: 'choice',
    requestsPerSecond: latencies.length / seconds,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    statuses: [...statuses].map(([status, count]) => `${status}×${count}`).join(' '),
  };
}

export async function runSyncCost(argv: string[]): Promise<{ rows: Measured[]; atRest: AtRest | undefined }> {
  const { values } = parseArgs({
    args: argv,
    options: { duration: { type: 'string' }, connections: { type: 'string' }, distributed: { type: 'boolean', default: false } },
  });
  const duration = Number(values.duration ?? 10);
  const connections = Number(values.connections ?? 10);
  const options = { ...FULL_DEFAULTS, latency: '600000' };
  const services = values.distributed ? DistributedServices.fromEnvironment() : undefined;
  const target = services ? await startDistributedNyx('async', options, services) : await startEmbeddedNyx('async', options);
  const client = new HttpClient(target.baseUrl);
  try {
    const { gameId, token } = await createGame(client, 7);
    const stateUrl = `${target.baseUrl}/api/games/${gameId}/state`;
    const authorization = `Bearer ${token}`;
    const first = await fetch(stateUrl, { headers: { authorization } });
    // The game's latest tag, as every connection last heard it (autocannon starts each loop with a fresh context).
    let tag = first.headers.get('etag') ?? '';
    const load = { connections, duration };
    const perRequest = (m: Measured) => m.requestsPerSecond * duration;
    const atRest = target.redis ? await measureAtRest(target.redis, duration) : undefined;
    const rows = [
      await measure('GET /healthz', `${target.baseUrl}/healthz`, load),
      await counted(
        client,
        target,
        () => measure('state sync, 200 with the body', stateUrl, { ...load, headers: { authorization } }),
        perRequest,
      ),
      // As the web UI does: send the tag of the last state given.
      await counted(
        client,
        target,
        () =>
          measure('state sync with the last tag (304 unless changed)', stateUrl, {
            ...load,
            headers: { authorization },
            requests: [
              {
                method: 'GET',
                setupRequest: (request) => ({ ...request, headers: { ...request.headers, 'if-none-match': tag } }),
                onResponse: (_status, _body, _context, headers) => {
                  if (headers.etag) tag = headers.etag;
                },
              },
            ],
          }),
        perRequest,
      ),
      await counted(client, target, () => measureChoices(client, connections, duration), perRequest),
    ];
    return { rows, atRest };
  } finally {
    client.close();
    await target.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { rows, atRest } = await runSyncCost(process.argv.slice(2));
  const healthz = rows[0]!.requestsPerSecond;
  console.log(
    'request                                            req/s   p50 ms  p99 ms  cost vs /healthz  cache reads  statements  CPU ms  Redis commands  Redis CPU ms  statuses',
  );
  const per = (value: number | undefined, width: number) => (value === undefined ? '—' : value.toFixed(2)).padStart(width);
  for (const row of rows) {
    const spent = row.perRequest;
    console.log(
      `${row.request.padEnd(50)} ${row.requestsPerSecond.toFixed(0).padStart(6)}  ${String(row.p50Ms).padStart(6)}  ${String(row.p99Ms).padStart(6)}  ${(healthz / row.requestsPerSecond).toFixed(2).padStart(15)}×  ${per(spent?.cacheReads, 11)}  ${per(spent?.statements, 10)}  ${per(spent?.cpuMs, 6)}  ${per(spent?.redis?.commands, 14)}  ${per(spent?.redis?.cpuMs, 12)}  ${row.statuses}`,
    );
  }
  if (atRest)
    console.log(
      `at rest (${atRest.seconds} s, no request): Redis ran ${atRest.redis.commands.toFixed(1)} commands and spent ${atRest.redis.cpuMs.toFixed(2)} ms of CPU per second`,
    );
  process.exit(0);
}
