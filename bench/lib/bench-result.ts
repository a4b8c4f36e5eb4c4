import type { FloorResult } from './floor-load.js';
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
  modelCalls: { issued: number; deduplicated: number; failed: number; source: string };
  /** Model spend of the async mode at the simulated prices; null where the workers run in another process. */
  cost: { perTurnUsd: number; totalUsd: number; turns: number; prices: typeof BENCH_PRICES } | null;
  /**
   * Database statements per request of each kind and per finished job, async mode, whole run (warm-up
   * and saturation included); per job is null where the workers run in another process.
   */
  statements: { perStateSync: number; perChoice: number; perConflictCreation: number; perFinishedJob: number | null };
  queueDepth: ModeResult['queueDepth'];
  coverage: ModeResult['coverage'];
  contentAgeMs: ModeResult['coverage']['contentAgeMs'];
  storm: NonNullable<ModeResult['storm']>;
  goals: Goal[];
}

export interface Goal {
  goal: string;
  figure: string;
  met: boolean;
}

export function modelCallsOf(mode: ModeResult, backend: BenchResult['backend']): BenchResult['modelCalls'] {
  const { slowPath } = mode;
  // A distributed web process has no gateway: its queue's finished jobs stand in for model calls.
  return backend === 'embedded'
    ? {
        issued: slowPath.modelCalls,
        deduplicated: slowPath.dispatchDeduplicated,
        failed: slowPath.modelCallsFailed,
        source: 'gateway counter nyx_model_calls_total',
      }
    : {
        issued: slowPath.jobsFinished,
        deduplicated: slowPath.dispatchDeduplicated,
        failed: slowPath.taskAttemptsFailed,
        source: 'finished jobs (workers run in another process)',
      };
}

export function statementsOf(mode: ModeResult, backend: BenchResult['backend']): BenchResult['statements'] {
  const { slowPath } = mode;
  return {
    perStateSync: ratio(slowPath.statementsOfSyncs, slowPath.stateSyncs),
    perChoice: ratio(slowPath.statementsOfChoices, slowPath.playerTurns),
    perConflictCreation: ratio(slowPath.statementsOfConflictCreations, slowPath.conflictCreations),
    perFinishedJob: backend === 'embedded' ? ratio(slowPath.slowPathStatements, slowPath.jobsDone) : null,
  };
}

export function costOf(mode: ModeResult, backend: BenchResult['backend']): BenchResult['cost'] {
  if (backend !== 'embedded') return null;
  const { modelCostUsd, playerTurns } = mode.slowPath;
  return { perTurnUsd: ratio(modelCostUsd, playerTurns), totalUsd: modelCostUsd, turns: playerTurns, prices: BENCH_PRICES };
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
    { goal: 'event-loop delay p99 ≤ 10 ms (async, measured phase)', figure: ms(async.eventLoopP99Ms), met: async.eventLoopP99Ms <= 10 },
    { goal: `dispatch storm (${storm.triggers} syncs) = exactly 1 model call`, figure: `${storm.modelCalls}`, met: storm.modelCalls === 1 },
    {
      goal: `stakeholder content coverage ≥ 90 % (think time ${options.thinkMs} ms${options.thinkMs === 5_000 ? '' : '; the goal is stated at 5000 ms'})`,
      figure: percent(async.coverage.lastSeen.share),
      met: async.coverage.lastSeen.share >= 0.9,
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
    modelCalls: modelCallsOf(async, backend),
    cost: costOf(async, backend),
    statements: statementsOf(async, backend),
    queueDepth: async.queueDepth,
    coverage: async.coverage,
    contentAgeMs: async.coverage.contentAgeMs,
    storm,
    goals,
  };
}
