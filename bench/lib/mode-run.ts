import type { CoverageSummary } from './content-coverage.js';
import { ContentCoverage } from './content-coverage.js';
import { runDispatchStorm, type StormResult } from './dispatch-storm.js';
import { HttpClient } from './http-client.js';
import type { RecordedPhase } from './load-recorder.js';
import { LoadRecorder } from './load-recorder.js';
import { difference, MetricsSampler, type QueueDepthPoint, type SlowPathTotals } from './metrics-sampler.js';
import type { HotPathMode, BenchTarget } from './nyx-target.js';
import type { LatencySummary, OperationName } from './operation-stats.js';
import type { BenchOptions } from './options.js';
import { PhaseClock, sleep } from './phase-clock.js';
import type { Progress } from './progress.js';
import { EventLoopDelay } from '../../src/observability/event-loop-delay.js';
import { createConflictsSteadily, createGame, VirtualPlayer } from './virtual-player.js';

export const PLAYER_OPERATIONS: readonly OperationName[] = ['stateSync', 'playerChoice', 'conflictCreation'];

export interface OperationResult extends LatencySummary {
  /** Requests per second with no think time (the saturation phase); the conflict rate is paced, not saturated. */
  saturationThroughput: number;
  /** Counts per bucket of the report's log-scale latency edges, measured phase. */
  distribution: number[];
}

export interface ModeResult {
  mode: HotPathMode;
  players: number;
  operations: Record<string, OperationResult>;
  /** All player operations together, saturation phase. */
  saturationThroughput: number;
  eventLoopP99Ms: number;
  eventLoopSource: string;
  /** The bench process's own event-loop delay p99 over the measured phase: the load generator's lag, counted in every latency. */
  loadGeneratorEventLoopP99Ms: number;
  slowPath: SlowPathTotals;
  /** The same counters over the measured phase only. */
  measuredSlowPath: SlowPathTotals;
  queueDepth: QueueDepthPoint[];
  coverage: CoverageSummary;
  storm?: StormResult;
}

/** How long players get to finish their last request before the rest are cut off. */
const DRAIN_MS = 5_000;

/** One hot-path mode, start to finish: storm (async only), games, warm-up, measured phase, saturation. */
export async function runMode(
  mode: HotPathMode,
  players: number,
  target: BenchTarget,
  options: BenchOptions,
  progress: Progress,
): Promise<ModeResult> {
  const clock = new PhaseClock();
  const sampler = new MetricsSampler(target.baseUrl, clock, target.eventLoop, target.metricsUrls.slice(1), target.redis);
  const client = new HttpClient(target.baseUrl);
  const recorder = new LoadRecorder(clock);
  const coverage = new ContentCoverage();
  const ownEventLoop = new EventLoopDelay(10);
  try {
    let storm: StormResult | undefined;
    if (mode === 'async') {
      progress.update(`[${mode}] dispatch storm: ${options.stormTriggers} concurrent syncs of one game`);
      storm = await runDispatchStorm(target.baseUrl, options.stormTriggers, () => sampler.scrape());
    }
    progress.update(`[${mode}] creating ${players} games`);
    const games = await Promise.all(Array.from({ length: players }, (_, i) => createGame(client, 1000 + i)));
    const before = await sampler.totals();
    sampler.start();
    const deps = { client, clock, recorder, coverage, thinkMs: options.thinkMs, random: Math.random };
    const roster = games.map(({ gameId, token }, i) => new VirtualPlayer(i, { gameId, token }, deps));
    const running = [...roster.map((p) => p.play()), createConflictsSteadily(roster, options.conflictsPerSecond, deps)];

    const phases: Array<[RecordedPhase | 'warmup', number]> = [
      ['warmup', options.warmupS],
      ['measure', options.durationS],
      ['saturate', options.saturationS],
    ];
    let atMeasureStart = before;
    let atMeasureEnd = before;
    for (const [phase, seconds] of phases) {
      clock.enter(phase);
      if (phase === 'measure') {
        atMeasureStart = await sampler.totals();
        target.eventLoop.start();
        ownEventLoop.enable();
        coverage.start();
      }
      await progress.during(
        seconds * 1000,
        (elapsedMs) =>
          `[${mode}] ${phase} ${Math.floor(elapsedMs / 1000)}/${seconds}s  players ${players}  requests ${recorder.completed}  errors ${recorder.errors}  in flight ${client.pending}  queue ${sampler.latestDepth()}`,
      );
      if (phase === 'measure') {
        target.eventLoop.stop();
        ownEventLoop.disable();
        coverage.stop();
        atMeasureEnd = await sampler.totals();
      }
    }
    clock.enter('stopping');
    progress.update(`[${mode}] stopping: ${client.pending} requests in flight`);
    await Promise.race([Promise.all(running), sleep(DRAIN_MS)]);
    client.cutOffAll();
    await Promise.all(running);
    sampler.stop();
    const after = await sampler.totals();

    const operations: Record<string, OperationResult> = {};
    let saturationThroughput = 0;
    for (const operation of PLAYER_OPERATIONS) {
      const measured = recorder.of('measure', operation);
      const saturated = recorder.of('saturate', operation).summary(options.saturationS);
      if (operation !== 'conflictCreation') saturationThroughput += saturated.throughput;
      operations[operation] = {
        ...measured.summary(options.durationS),
        saturationThroughput: saturated.throughput,
        distribution: measured.distribution(),
      };
    }
    return {
      mode,
      players,
      operations,
      saturationThroughput,
      eventLoopP99Ms: target.eventLoop.p99Ms(),
      eventLoopSource: target.eventLoop.source,
      loadGeneratorEventLoopP99Ms: ownEventLoop.percentileMs(99),
      slowPath: difference(after, before),
      measuredSlowPath: difference(atMeasureEnd, atMeasureStart),
      queueDepth: sampler.queueDepth,
      coverage: coverage.summary(),
      ...(storm ? { storm } : {}),
    };
  } finally {
    sampler.stop();
    client.close();
  }
}
