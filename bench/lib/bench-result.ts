import type { FloorResult } from './floor-load.js';
import { bucketQuantile } from '../../src/server/ops-snapshot.js';
import type { SlowPathTotals } from './metrics-sampler.js';
import type { ModeResult } from './mode-run.js';
import { PLAYER_OPERATIONS } from './mode-run.js';
import { BENCH_PRICES } from './nyx-target.js';
import type { BenchOptions } from './options.js';

/** Every figure of one run, as written to the JSON file and drawn in the HTML report. */
export interface BenchResult {
  startedAt: string;
  finishedAt: string;
  backend: 'embedded' | 'distributed';
  options: BenchOptions;
  /** Latency in ms of the measured phase; throughput in requests per second. */
  modes: { async: ModeResult; blocking: ModeResult };
  floor: FloorResult;
  ratios: {
    /** Blocking p50 ÷ async p50, per operation. */
    blockingToAsyncP50: Record<string, number>;
    /** Async player operations per second ÷ floor reads per second, both with no think time. */
    asyncToFloorThroughput: number;
  };
  /** The async mode's figures (the architecture under test), repeated at the top for readers. */
  eventLoopP99Ms: number;
  /** The gateway's model calls, wherever the workers run (their processes' /metrics are scraped too). */
  modelCalls: { issued: number; deduplicated: number; failed: number };
  /** Model spend of the async mode at the simulated prices. */
  cost: { perTurnUsd: number; totalUsd: number; turns: number; prices: typeof BENCH_PRICES };
  /** Database statements per request of each kind and per finished job, async mode, whole run (warm-up and saturation included). */
  statements: {
    perStateSync: number;
    perChoice: number;
    perConflictCreation: number;
    perFinishedJob: number;
    /** Per finished job of each task, most jobs first, and the slow path's statements outside any job. */
    byTask: { tasks: Array<{ task: string; jobs: number; perJob: number }>; outsideJobs: number };
  };
  /**
   * CPU time, async mode, whole run: the web server's per player request it answered (its
   * in-process workers included when embedded; the benchmark's scrapes and game creations are in
   * the CPU, not the count), and the worker processes' per finished job (null when embedded, where
   * the workers share the web server's process).
   */
  cpu: { serverMsPerRequest: number; workerMsPerFinishedJob: number | null };
  /**
   * What Redis did, async mode, measured phase, for every process: the web server's commands, the
   * worker's for the jobs those requests set off, BullMQ's waits, each command a Lua script runs,
   * and Redis's own CPU time (user and system). Per player request answered, and per player-second
   * (over the players and the measured phase's length). Null when embedded, with no Redis.
   */
  redis: { commandsPerRequest: number; commandsPerPlayerSecond: number; cpuMsPerPlayerSecond: number } | null;
  /**
   * Where the async mode's p99 goes (measured phase), each a p99 in ms: the server's own handler
   * time per player route (nyx_hot_path_duration_seconds), and within it a database statement sent
   * by a request, queue included (nyx_db_statement_duration_seconds, path hot), both interpolated
   * inside their bucket; and the load generator's own event-loop delay. What a player waits beyond
   * the handler is spent before it: in the load generator, the socket, or the server's event loop.
   */
  p99Breakdown: {
    handlerMs: { stateSync: number; playerChoice: number; conflictCreation: number };
    hotStatementMs: number;
    /** Of that, how long the statement ran on the embedded database thread (p99); null distributed. */
    hotStatementRunMs: number | null;
    /** How long a slow-path statement ran on the embedded database thread (p99), which a hot one arriving meanwhile waits out; null distributed. */
    slowStatementRunMs: number | null;
    /** The server's event-loop lag p99 over the whole measured phase (nyx_event_loop_lag_seconds), beside the worst second's. */
    serverEventLoopMs: number;
    loadGeneratorEventLoopMs: number;
  };
  queueDepth: ModeResult['queueDepth'];
  coverage: ModeResult['coverage'];
  contentAgeMs: ModeResult['coverage']['contentAgeMs'];
  storm: NonNullable<ModeResult['storm']>;
  /** How well the slow path spent the model (async mode, measured phase). */
  freshness: Freshness;
  goals: Goal[];
}

/**
 * The slow path's use of the model in the measured phase. The physical bound of "reactions by next
 * sync" is what no scheduler can beat without precompute: min(1, capacity / demand) × P(model
 * latency < think time), with capacity = concurrency ÷ mean model latency, demand = the work the hot
 * path asked for per second (jobs admitted, plus feed items opened on their fallback because their
 * job was refused; refused work without an item is asked for again by later syncs, so it is the
 * same work counted again and left out; reactions written ahead on idle workers are spare work, not
 * demand, and left out too), and the probability taken over the run's latency and
 * think-time distributions (uniform, as the bench draws them).
 */
export interface Freshness {
  /** Model calls whose result players could read as current ÷ all model calls of finished jobs. */
  goodput: number;
  modelCallsVisible: number;
  modelCallsWasted: number;
  capacityPerS: number;
  demandPerS: number;
  pLatencyUnderThink: number;
  reactionsBound: number;
  reactionsByNextSync: number;
  dropped: { shed: number; expired: number; superseded: number; notVisible: number; settled: number };
  recovered: number;
  /** Reactions written ahead on idle workers: their model calls, the reactions written, those a choice showed at once. */
  writtenAhead: { calls: number; written: number; used: number };
  peakQueueDepth: number;
  /** The simulated model's p95 latency, ms (the content-age goal is twice it). */
  modelP95Ms: number;
  /**
   * How old items were when the model filled them (queue wait + model call), p50 and p95 from the
   * server's histogram, interpolated inside their bucket, seconds; the players' content age adds the
   * wait for their next sync.
   */
  writeAgeS: { p50: number | null; p95: number | null };
}

/** P(L < T) for L uniform on [minMs, maxMs] and T uniform on thinkMs ± 50 %, by a fine grid. */
export function probabilityLatencyUnderThink(minMs: number, maxMs: number, thinkMs: number, steps = 400): number {
  let under = 0;
  for (let i = 0; i < steps; i++) {
    const latency = minMs + ((i + 0.5) / steps) * (maxMs - minMs);
    for (let j = 0; j < steps; j++) {
      const think = thinkMs * (0.5 + (j + 0.5) / steps);
      if (latency < think) under++;
    }
  }
  return under / (steps * steps);
}

const cumulativeOf = (buckets: Record<string, number>) =>
  Object.entries(buckets).map(([le, count]) => ({ le: le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), count }));

/** p50 and p95 of the write-age histogram, interpolated as the ops page does; null when nothing was written. */
function writeAgeQuantiles(buckets: Record<string, number>): Freshness['writeAgeS'] {
  const cumulative = cumulativeOf(buckets);
  if (!cumulative.some((bucket) => bucket.count > 0)) return { p50: null, p95: null };
  return { p50: bucketQuantile(cumulative, 0.5), p95: bucketQuantile(cumulative, 0.95) };
}

function p99BreakdownOf(mode: ModeResult): BenchResult['p99Breakdown'] {
  const { handlerBuckets, hotStatementBuckets, hotStatementRunBuckets, slowStatementRunBuckets, eventLoopLagBuckets } =
    mode.measuredSlowPath;
  const p99Ms = (buckets: Record<string, number>) => bucketQuantile(cumulativeOf(buckets), 0.99) * 1000;
  return {
    handlerMs: {
      stateSync: p99Ms(handlerBuckets.sync),
      playerChoice: p99Ms(handlerBuckets.choice),
      conflictCreation: p99Ms(handlerBuckets.conflict),
    },
    hotStatementMs: p99Ms(hotStatementBuckets),
    hotStatementRunMs: Object.keys(hotStatementRunBuckets).length > 0 ? p99Ms(hotStatementRunBuckets) : null,
    slowStatementRunMs: Object.keys(slowStatementRunBuckets).length > 0 ? p99Ms(slowStatementRunBuckets) : null,
    serverEventLoopMs: p99Ms(eventLoopLagBuckets),
    loadGeneratorEventLoopMs: mode.loadGeneratorEventLoopP99Ms,
  };
}

export function freshnessOf(mode: ModeResult, options: BenchOptions): Freshness {
  const [minMs, maxMs] = options.latency.split('-').map(Number) as [number, number];
  const totals = mode.measuredSlowPath;
  const capacityPerS = options.concurrency / ((minMs + maxMs) / 2 / 1000);
  const demandPerS = (totals.dispatchAccepted - totals.dispatchAcceptedAhead + totals.feedItemsShed) / options.durationS;
  const pLatencyUnderThink = probabilityLatencyUnderThink(minMs, maxMs, options.thinkMs);
  const used = totals.modelCallsVisible + totals.modelCallsWasted;
  return {
    goodput: ratio(totals.modelCallsVisible, used),
    modelCallsVisible: totals.modelCallsVisible,
    modelCallsWasted: totals.modelCallsWasted,
    capacityPerS,
    demandPerS,
    pLatencyUnderThink,
    reactionsBound: Math.min(1, demandPerS > 0 ? capacityPerS / demandPerS : 1) * pLatencyUnderThink,
    reactionsByNextSync: mode.coverage.reactionsByNextSync.share,
    dropped: {
      shed: totals.droppedShed,
      expired: totals.droppedExpired,
      superseded: totals.droppedSuperseded,
      notVisible: totals.droppedNotVisible,
      settled: totals.droppedSettled,
    },
    recovered: totals.recovered,
    writtenAhead: { calls: totals.modelCallsSpeculative, written: totals.reactionsAheadWritten, used: totals.reactionsAheadUsed },
    peakQueueDepth: Math.max(0, ...mode.queueDepth.map((p) => p.waiting + p.delayed)),
    modelP95Ms: minMs + 0.95 * (maxMs - minMs),
    writeAgeS: writeAgeQuantiles(totals.writeAgeBuckets),
  };
}

export interface Goal {
  goal: string;
  figure: string;
  met: boolean;
}

export function modelCallsOf(mode: ModeResult): BenchResult['modelCalls'] {
  const { slowPath } = mode;
  return { issued: slowPath.modelCalls, deduplicated: slowPath.dispatchDeduplicated, failed: slowPath.modelCallsFailed };
}

export function statementsOf(mode: ModeResult): BenchResult['statements'] {
  const { slowPath } = mode;
  return {
    perStateSync: ratio(slowPath.statementsOfSyncs, slowPath.stateSyncs),
    perChoice: ratio(slowPath.statementsOfChoices, slowPath.playerTurns),
    perConflictCreation: ratio(slowPath.statementsOfConflictCreations, slowPath.conflictCreations),
    perFinishedJob: ratio(slowPath.slowPathStatements, slowPath.jobsDone),
    byTask: {
      tasks: Object.entries(slowPath.jobsDoneByTask)
        .filter(([, jobs]) => jobs > 0)
        .map(([task, jobs]) => ({ task, jobs, perJob: ratio(slowPath.slowStatementsByTask[task] ?? 0, jobs) }))
        .sort((a, b) => b.jobs - a.jobs),
      outsideJobs: slowPath.slowStatementsByTask.background ?? 0,
    },
  };
}

export function costOf(mode: ModeResult): BenchResult['cost'] {
  const { modelCostUsd, playerTurns } = mode.slowPath;
  return { perTurnUsd: ratio(modelCostUsd, playerTurns), totalUsd: modelCostUsd, turns: playerTurns, prices: BENCH_PRICES };
}

const playerRequestsOf = ({ stateSyncs, playerTurns, conflictCreations }: SlowPathTotals) => stateSyncs + playerTurns + conflictCreations;

export function cpuOf(totals: SlowPathTotals, backend: BenchResult['backend']): BenchResult['cpu'] {
  const { serverCpuSeconds, workerCpuSeconds, jobsDone } = totals;
  return {
    serverMsPerRequest: ratio(serverCpuSeconds * 1000, playerRequestsOf(totals)),
    workerMsPerFinishedJob: backend === 'embedded' ? null : ratio(workerCpuSeconds * 1000, jobsDone),
  };
}

export function redisOf(mode: ModeResult, durationS: number, backend: BenchResult['backend']): BenchResult['redis'] {
  if (backend === 'embedded') return null;
  const measured = mode.measuredSlowPath;
  const playerSeconds = mode.players * durationS;
  return {
    commandsPerRequest: ratio(measured.redisCommands, playerRequestsOf(measured)),
    commandsPerPlayerSecond: ratio(measured.redisCommands, playerSeconds),
    cpuMsPerPlayerSecond: ratio(measured.redisCpuSeconds * 1000, playerSeconds),
  };
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);
const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 0)} ms`;
const percent = (share: number) => `${(share * 100).toFixed(1)} %`;

export function assembleResult(parts: {
  startedAt: Date;
  backend: BenchResult['backend'];
  options: BenchOptions;
  async: ModeResult;
  blocking: ModeResult;
  floor: FloorResult;
}): BenchResult {
  const { async, blocking, floor, backend, options } = parts;
  const blockingToAsyncP50 = Object.fromEntries(
    PLAYER_OPERATIONS.map((op) => [op, ratio(blocking.operations[op]!.p50, async.operations[op]!.p50)]),
  );
  const asyncToFloorThroughput = ratio(async.saturationThroughput, floor.throughput);
  const storm = async.storm!;
  const p99Budget = backend === 'embedded' ? 5 : 10;
  const freshness = freshnessOf(async, options);
  const p99Breakdown = p99BreakdownOf(async);
  const goals: Goal[] = [
    ...PLAYER_OPERATIONS.map((op) => ({
      goal: `async ${op} p99 ≤ ${p99Budget} ms (${backend})`,
      figure: ms(async.operations[op]!.p99),
      met: async.operations[op]!.count > 0 && async.operations[op]!.p99 <= p99Budget,
    })),
    ...PLAYER_OPERATIONS.map((op) => ({
      goal: `blocking p50 / async p50 ≥ 500× (${op})`,
      figure: `${blockingToAsyncP50[op]!.toFixed(0)}×`,
      met: blockingToAsyncP50[op]! >= 500,
    })),
    { goal: 'async throughput ≥ 50 % of the floor', figure: percent(asyncToFloorThroughput), met: asyncToFloorThroughput >= 0.5 },
    {
      goal: 'event-loop delay p99 ≤ 10 ms (async, worst second of the measured phase)',
      figure: ms(async.eventLoopP99Ms),
      met: async.eventLoopP99Ms <= 10,
    },
    {
      goal: 'event-loop lag p99 ≤ 10 ms (async, the whole measured phase)',
      figure: ms(p99Breakdown.serverEventLoopMs),
      met: p99Breakdown.serverEventLoopMs <= 10,
    },
    { goal: `dispatch storm (${storm.triggers} syncs) = exactly 1 model call`, figure: `${storm.modelCalls}`, met: storm.modelCalls === 1 },
    {
      goal: `stakeholder content coverage ≥ 90 % (think time ${options.thinkMs} ms${options.thinkMs === 5_000 ? '' : '; the goal is stated at 5000 ms'})`,
      figure: percent(async.coverage.lastSeen.share),
      met: async.coverage.lastSeen.share >= 0.9,
    },
    { goal: 'goodput ≥ 90 % (model calls visible as current)', figure: percent(freshness.goodput), met: freshness.goodput >= 0.9 },
    {
      goal: `peak queue depth ≤ 2 × concurrency (${2 * options.concurrency})`,
      figure: `${freshness.peakQueueDepth}`,
      met: freshness.peakQueueDepth <= 2 * options.concurrency,
    },
    {
      goal: `content age p95 ≤ 2 × model p95 (${ms(2 * freshness.modelP95Ms)})`,
      figure: ms(async.coverage.contentAgeMs.p95),
      met: async.coverage.contentAgeMs.p95 <= 2 * freshness.modelP95Ms,
    },
    freshness.capacityPerS >= freshness.demandPerS
      ? {
          // Under capacity, idle workers write reactions ahead: a choice can show its reactions before any model call of its own.
          goal: `reactions by next sync ≥ the physical bound (${percent(freshness.reactionsBound)}; under capacity, written ahead)`,
          figure: percent(freshness.reactionsByNextSync),
          met: freshness.reactionsByNextSync >= freshness.reactionsBound,
        }
      : {
          goal: `reactions by next sync ≥ 90 % of the physical bound (${percent(freshness.reactionsBound)})`,
          figure: percent(freshness.reactionsByNextSync),
          met: freshness.reactionsByNextSync >= 0.9 * freshness.reactionsBound,
        },
  ];
  return {
    startedAt: parts.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    backend,
    options,
    modes: { async, blocking },
    floor,
    ratios: { blockingToAsyncP50, asyncToFloorThroughput },
    eventLoopP99Ms: async.eventLoopP99Ms,
    modelCalls: modelCallsOf(async),
    cost: costOf(async),
    statements: statementsOf(async),
    cpu: cpuOf(async.slowPath, backend),
    redis: redisOf(async, options.durationS, backend),
    p99Breakdown,
    queueDepth: async.queueDepth,
    coverage: async.coverage,
    contentAgeMs: async.coverage.contentAgeMs,
    storm,
    freshness,
    goals,
  };
}
