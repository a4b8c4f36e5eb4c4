import { parseArgs } from 'node:util';
import type { GameState } from '../src/conflict/engine/game-state.js';
import { bucketQuantile } from '../src/server/ops-snapshot.js';
import { HttpClient } from './lib/http-client.js';
import { FULL_DEFAULTS, type BenchOptions } from './lib/options.js';
import { DistributedServices, startDistributedNyx, startEmbeddedNyx, type BenchTarget } from './lib/nyx-target.js';
import { scrapeMetrics, sumOf, type MetricSample } from './lib/prometheus.js';
import { createGame } from './lib/virtual-player.js';

/**
 * `npm run bench:healthy [-- --distributed]`: the healthy run the alert thresholds in
 * ops/prometheus-alerts.yml are set from. Players play the shipped scenario against `nyx serve`
 * (embedded, or one web and one worker process on REDIS_URL / DATABASE_URL) with the simulated
 * model, and the run prints what each alert's quantity came to over it, from every process's
 * /metrics, computed as the recording rules compute it.
 */

const USAGE = `usage: npm run bench:healthy -- [--players N] [--duration S] [--think MS] [--latency MIN-MAX] [--concurrency N] [--port P] [--distributed]`;

const HOT_PATH = 'nyx_hot_path_duration_seconds_bucket';

/** Every process's samples, one after the other: counters are summed across processes. */
async function scrapeAll(urls: string[]): Promise<MetricSample[]> {
  return (await Promise.all(urls.map(scrapeMetrics))).flat();
}

function delta(after: MetricSample[], before: MetricSample[], name: string, where: Record<string, string> = {}): number {
  return sumOf(after, name, where) - sumOf(before, name, where);
}

/** p99 per hot-path operation over the run, from the histograms' bucket differences; operations with under 100 runs are left out as too few for a p99. */
function hotPathP99(after: MetricSample[], before: MetricSample[]): Record<string, number> {
  const key = (s: MetricSample) => `${s.labels.operation} ${s.labels.le}`;
  const earlier = new Map(before.filter((s) => s.name === HOT_PATH).map((s) => [key(s), s.value]));
  const byOperation = new Map<string, { le: number; count: number }[]>();
  for (const sample of after.filter((s) => s.name === HOT_PATH)) {
    const buckets = byOperation.get(sample.labels.operation!) ?? [];
    const le = sample.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(sample.labels.le);
    buckets.push({ le, count: sample.value - (earlier.get(key(sample)) ?? 0) });
    byOperation.set(sample.labels.operation!, buckets);
  }
  const p99: Record<string, number> = {};
  for (const [operation, buckets] of byOperation) {
    if (Math.max(...buckets.map((b) => b.count)) >= 100) p99[operation] = bucketQuantile(buckets, 0.99);
  }
  return p99;
}

async function play(client: HttpClient, seed: number, until: number, thinkMs: number): Promise<void> {
  let game = await createGame(client, seed);
  while (Date.now() < until) {
    const synced = await client.request<GameState>('GET', `/api/games/${game.gameId}/state`, { token: game.token });
    const choices = synced.status === 200 ? synced.body.choices : [];
    if (choices.length === 0) {
      game = await createGame(client, seed + Date.now());
      continue;
    }
    const choice = choices[Math.floor(Math.random() * choices.length)]!;
    await client.request('POST', `/api/games/${game.gameId}/choices`, { token: game.token, body: { choiceId: choice.id } });
    await new Promise((resolve) => setTimeout(resolve, thinkMs * (0.5 + Math.random())));
  }
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      players: { type: 'string', default: '10' },
      duration: { type: 'string', default: '120' },
      think: { type: 'string', default: '10000' },
      latency: { type: 'string', default: '1000-3000' },
      concurrency: { type: 'string', default: '32' },
      distributed: { type: 'boolean', default: false },
      port: { type: 'string', default: '0' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const players = Number(values.players);
  const durationS = Number(values.duration);
  const thinkMs = Number(values.think);
  const port = Number(values.port);
  const concurrency = Number(values.concurrency);
  if (
    ![players, durationS, thinkMs, concurrency].every((n) => Number.isInteger(n) && n > 0) ||
    !Number.isInteger(port) ||
    port < 0 ||
    port > 65534
  ) {
    console.error(
      `healthy run: --players, --duration, --think and --concurrency take positive whole numbers, --port one from 0 to 65534\n${USAGE}`,
    );
    return 2;
  }
  const options: BenchOptions = { ...FULL_DEFAULTS, latency: values.latency, concurrency, distributed: values.distributed };
  const target: BenchTarget = values.distributed
    ? await startDistributedNyx('async', options, DistributedServices.fromEnvironment(), port)
    : await startEmbeddedNyx('async', options, port);
  const client = new HttpClient(target.baseUrl);
  try {
    const scrape = () => scrapeAll(target.metricsUrls);
    const before = await scrape();
    let maxQueueDepth = 0;
    const sampler = setInterval(() => {
      // Every process reports the one cluster-wide queue: the web server's report is enough.
      void scrapeAll(target.metricsUrls.slice(0, 1)).then(
        (samples) => {
          const depth = sumOf(samples, 'nyx_queue_jobs', { state: 'waiting' }) + sumOf(samples, 'nyx_queue_jobs', { state: 'delayed' });
          maxQueueDepth = Math.max(maxQueueDepth, depth);
        },
        () => {},
      );
    }, 1_000);
    const until = Date.now() + durationS * 1_000;
    await Promise.all(Array.from({ length: players }, (_, i) => play(client, i + 1, until, thinkMs)));
    clearInterval(sampler);
    const after = await scrape();

    const generated = (result?: string) =>
      delta(after, before, 'nyx_cache_requests_total', { class: 'generated', ...(result ? { result } : {}) });
    const allReads = delta(after, before, 'nyx_cache_requests_total');
    const completed = delta(after, before, 'nyx_task_completed_total');
    const failedFinal = delta(after, before, 'nyx_task_failed_total', { final: 'true' });
    const modelCalls = delta(after, before, 'nyx_model_calls_total');
    const timeouts = delta(after, before, 'nyx_model_failures_total', { reason: 'timeout' });
    const p99 = hotPathP99(after, before);
    const report = {
      deployment: values.distributed
        ? 'distributed (1 web --workers 0, 1 worker, Redis, PostgreSQL)'
        : 'embedded (nyx serve, workers in-process)',
      players,
      durationS,
      thinkMs,
      modelLatencyMs: values.latency,
      queueConcurrency: concurrency,
      cacheHitRateGenerated: generated('hit') / Math.max(1, generated()),
      cacheHitRateAllReads: delta(after, before, 'nyx_cache_requests_total', { result: 'hit' }) / Math.max(1, allReads),
      generatedReads: generated(),
      taskFinalFailureRatio: failedFinal / Math.max(1, completed + failedFinal),
      tasksCompleted: completed,
      modelTimeoutRatio: timeouts / Math.max(1, modelCalls),
      modelCalls,
      hotPathP99Seconds: p99,
      hotPathP99MaxSeconds: Math.max(0, ...Object.values(p99)),
      queueDepthMax: maxQueueDepth,
    };
    console.log(JSON.stringify(report, null, 2));
    return 0;
  } finally {
    client.close();
    await target.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(`healthy run failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
