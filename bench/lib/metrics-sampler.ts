import { stakeholderTasks } from '../../src/conflict/stakeholders/contracts.js';
import type { EventLoopWindow } from './event-loop-window.js';
import { HttpClient } from './http-client.js';
import { CPU_SECONDS, readMetrics, scrapeMetrics, sumOf, type MetricSample } from './prometheus.js';
import type { Phase, PhaseClock } from './phase-clock.js';
import { NO_REDIS_WORK, type RedisWork, type RedisWorkMeter } from './redis-work-meter.js';

export interface QueueDepthPoint {
  /** Seconds since the mode's load began. */
  t: number;
  phase: Phase;
  waiting: number;
  active: number;
  delayed: number;
}

/** Counters whose difference over a run the report shows. */
export interface SlowPathTotals {
  /** Model calls through the gateway (in the processes that run workers). */
  modelCalls: number;
  modelCallsFailed: number;
  dispatchAccepted: number;
  /** Of those, the jobs that write reactions ahead on idle workers: spare work, not demand. */
  dispatchAcceptedAhead: number;
  dispatchDeduplicated: number;
  dispatchRejected: number;
  taskAttemptsFailed: number;
  /** What the model calls cost at the run's LLM_PRICES (in the processes that run workers). */
  modelCostUsd: number;
  /** Player choices the server answered. */
  playerTurns: number;
  /** State syncs and conflict creations the server answered. */
  stateSyncs: number;
  conflictCreations: number;
  /** Jobs that finished (completed, or failed for good) in the workers, wherever they run. */
  jobsDone: number;
  /** Database statements run inside each request (nyx_db_statements_total, path hot), and by the workers (path slow). */
  statementsOfSyncs: number;
  statementsOfChoices: number;
  statementsOfConflictCreations: number;
  slowPathStatements: number;
  /** Of those, by the task whose job ran them (`background`: outside any job). */
  slowStatementsByTask: Record<string, number>;
  /** Jobs that finished (completed, or failed for good), by task. */
  jobsDoneByTask: Record<string, number>;
  /** Model calls of finished jobs whose result players could read as current, and those it was wasted on. */
  modelCallsVisible: number;
  modelCallsWasted: number;
  /** Model calls that wrote reactions ahead on idle workers, the reactions they wrote, and those a choice showed. */
  modelCallsSpeculative: number;
  reactionsAheadWritten: number;
  reactionsAheadUsed: number;
  /** Work given up before any model call (nyx_slow_path_dropped_total), by reason. */
  droppedShed: number;
  droppedExpired: number;
  droppedSuperseded: number;
  droppedNotVisible: number;
  droppedSettled: number;
  /** Shed items sent again once the queue had room. */
  recovered: number;
  /** Feed items opened on their fallback because admission refused their task. */
  feedItemsShed: number;
  /** How old feed items were when the model filled them: cumulative counts per bucket bound (seconds). */
  writeAgeBuckets: Record<string, number>;
  /**
   * How long the server's handler took for each player route (nyx_hot_path_duration_seconds):
   * cumulative counts per bucket bound (seconds). Beside the players' own latency it splits a
   * request's time into the handler and everything before it (the load generator, the socket, the
   * event loop's queue).
   */
  handlerBuckets: Record<PlayerRoute, Record<string, number>>;
  /** How long a statement sent inside a request took, queue included (nyx_db_statement_duration_seconds, path hot). */
  hotStatementBuckets: Record<string, number>;
  /** Embedded only: how long those statements ran on the database thread, queue excluded (nyx_db_statement_run_seconds, path hot). */
  hotStatementRunBuckets: Record<string, number>;
  /** Embedded only: how long the slow path's statements ran on the database thread (path slow); a hot statement that arrives meanwhile waits for one. */
  slowStatementRunBuckets: Record<string, number>;
  /** How late the server's 10 ms timer fired, every time (nyx_event_loop_lag_seconds). */
  eventLoopLagBuckets: Record<string, number>;
  /** CPU seconds the web server process spent (user and system; its in-process workers included when embedded). */
  serverCpuSeconds: number;
  /** CPU seconds the worker processes spent (none when embedded: the workers run in the web server). */
  workerCpuSeconds: number;
  /** Commands Redis ran, from every process, and its CPU seconds (see RedisWorkMeter); 0 when embedded. */
  redisCommands: number;
  redisCpuSeconds: number;
}

type PlayerRoute = keyof typeof ROUTE_OPERATIONS;

/** The hot-path operation every statement of a request is counted under: its route. */
const ROUTE_OPERATIONS = {
  sync: 'http.GET /api/games/:gameId/state',
  choice: 'http.POST /api/games/:gameId/choices',
  conflict: 'http.POST /api/games/:gameId/conflicts',
} as const;

/**
 * The run's counters from the web server's samples and the worker processes' (none when embedded):
 * the workers' model calls, jobs and statements count with the server's. The event loop is the web
 * server's alone (the one players wait on), and each side's CPU is reported apart. Redis's commands
 * come from Redis itself, which counts every process's.
 */
export function slowPathTotals(server: MetricSample[], workers: MetricSample[], redis: RedisWork): SlowPathTotals {
  const samples = [...server, ...workers.filter((sample) => !sample.name.startsWith('nyx_event_loop_'))];
  return {
    modelCalls: sumOf(samples, 'nyx_model_calls_total'),
    modelCallsFailed: sumOf(samples, 'nyx_model_calls_total', { outcome: '!ok' }),
    dispatchAccepted: sumOf(samples, 'nyx_queue_dispatch_total', { result: 'accepted' }),
    dispatchAcceptedAhead: sumOf(samples, 'nyx_queue_dispatch_total', {
      result: 'accepted',
      task: stakeholderTasks.anticipateReaction.name,
    }),
    dispatchDeduplicated: sumOf(samples, 'nyx_queue_dispatch_total', { result: 'deduplicated' }),
    dispatchRejected: sumOf(samples, 'nyx_queue_dispatch_total', { result: 'rejected' }),
    taskAttemptsFailed: sumOf(samples, 'nyx_task_failed_total'),
    modelCostUsd: sumOf(samples, 'nyx_model_cost_usd_total'),
    playerTurns: sumOf(samples, 'nyx_hot_path_duration_seconds_count', { operation: 'game.player_choice' }),
    stateSyncs: sumOf(samples, 'nyx_hot_path_duration_seconds_count', { operation: ROUTE_OPERATIONS.sync }),
    conflictCreations: sumOf(samples, 'nyx_hot_path_duration_seconds_count', { operation: ROUTE_OPERATIONS.conflict }),
    jobsDone: sumOf(samples, 'nyx_task_completed_total') + sumOf(samples, 'nyx_task_failed_total', { final: 'true' }),
    statementsOfSyncs: sumOf(samples, 'nyx_db_statements_total', { path: 'hot', operation: ROUTE_OPERATIONS.sync }),
    statementsOfChoices: sumOf(samples, 'nyx_db_statements_total', { path: 'hot', operation: ROUTE_OPERATIONS.choice }),
    statementsOfConflictCreations: sumOf(samples, 'nyx_db_statements_total', { path: 'hot', operation: ROUTE_OPERATIONS.conflict }),
    slowPathStatements: sumOf(samples, 'nyx_db_statements_total', { path: 'slow' }),
    slowStatementsByTask: sumsBy(samples, 'nyx_db_statements_total', 'operation', { path: 'slow' }),
    jobsDoneByTask: sumsOfBoth(
      sumsBy(samples, 'nyx_task_completed_total', 'task'),
      sumsBy(samples, 'nyx_task_failed_total', 'task', { final: 'true' }),
    ),
    modelCallsVisible: sumOf(samples, 'nyx_model_calls_by_use_total', { use: 'visible' }),
    modelCallsWasted: sumOf(samples, 'nyx_model_calls_by_use_total', { use: 'wasted' }),
    modelCallsSpeculative: sumOf(samples, 'nyx_model_calls_by_use_total', { use: 'speculative' }),
    reactionsAheadWritten: sumOf(samples, 'nyx_reactions_ahead_total', { outcome: 'written' }),
    reactionsAheadUsed: sumOf(samples, 'nyx_reactions_ahead_total', { outcome: 'used' }),
    droppedShed: sumOf(samples, 'nyx_slow_path_dropped_total', { reason: 'shed' }),
    droppedExpired: sumOf(samples, 'nyx_slow_path_dropped_total', { reason: 'expired' }),
    droppedSuperseded: sumOf(samples, 'nyx_slow_path_dropped_total', { reason: 'superseded' }),
    droppedNotVisible: sumOf(samples, 'nyx_slow_path_dropped_total', { reason: 'not_visible' }),
    droppedSettled: sumOf(samples, 'nyx_slow_path_dropped_total', { reason: 'settled' }),
    recovered: sumOf(samples, 'nyx_slow_path_recovered_total'),
    feedItemsShed: sumOf(samples, 'nyx_feed_items_shed_total'),
    writeAgeBuckets: bucketsOf(samples, 'nyx_content_write_age_seconds_bucket'),
    handlerBuckets: {
      sync: bucketsOf(samples, 'nyx_hot_path_duration_seconds_bucket', { operation: ROUTE_OPERATIONS.sync }),
      choice: bucketsOf(samples, 'nyx_hot_path_duration_seconds_bucket', { operation: ROUTE_OPERATIONS.choice }),
      conflict: bucketsOf(samples, 'nyx_hot_path_duration_seconds_bucket', { operation: ROUTE_OPERATIONS.conflict }),
    },
    hotStatementBuckets: bucketsOf(samples, 'nyx_db_statement_duration_seconds_bucket', { path: 'hot' }),
    hotStatementRunBuckets: bucketsOf(samples, 'nyx_db_statement_run_seconds_bucket', { path: 'hot' }),
    slowStatementRunBuckets: bucketsOf(samples, 'nyx_db_statement_run_seconds_bucket', { path: 'slow' }),
    eventLoopLagBuckets: bucketsOf(samples, 'nyx_event_loop_lag_seconds_bucket'),
    serverCpuSeconds: sumOf(server, CPU_SECONDS),
    workerCpuSeconds: sumOf(workers, CPU_SECONDS),
    redisCommands: redis.commands,
    redisCpuSeconds: redis.cpuSeconds,
  };
}

/** Sums of a metric by the values of one label, over the series that match `where`. */
function sumsBy(samples: MetricSample[], name: string, label: string, where: Record<string, string> = {}): Record<string, number> {
  const values = new Set(samples.filter((s) => s.name === name && s.labels[label] !== undefined).map((s) => s.labels[label]!));
  return Object.fromEntries([...values].map((value) => [value, sumOf(samples, name, { ...where, [label]: value })]));
}

const sumsOfBoth = (a: Record<string, number>, b: Record<string, number>): Record<string, number> =>
  Object.fromEntries([...new Set([...Object.keys(a), ...Object.keys(b)])].map((key) => [key, (a[key] ?? 0) + (b[key] ?? 0)]));

/** A histogram's cumulative count per bucket bound, summed over the series that match `labels`. */
const bucketsOf = (samples: MetricSample[], name: string, labels: Record<string, string> = {}): Record<string, number> =>
  sumsBy(samples, name, 'le', labels);

const bucketDifference = (after: Record<string, number>, before: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(after).map(([le, count]) => [le, Math.max(0, count - (before[le] ?? 0))]));

export function difference(after: SlowPathTotals, before: SlowPathTotals): SlowPathTotals {
  const {
    writeAgeBuckets,
    handlerBuckets,
    hotStatementBuckets,
    hotStatementRunBuckets,
    slowStatementRunBuckets,
    eventLoopLagBuckets,
    slowStatementsByTask,
    jobsDoneByTask,
    ...counters
  } = after;
  const keys = Object.keys(counters) as Array<keyof typeof counters>;
  return {
    ...(Object.fromEntries(keys.map((k) => [k, Math.max(0, after[k] - before[k])])) as typeof counters),
    writeAgeBuckets: bucketDifference(writeAgeBuckets, before.writeAgeBuckets),
    handlerBuckets: {
      sync: bucketDifference(handlerBuckets.sync, before.handlerBuckets.sync),
      choice: bucketDifference(handlerBuckets.choice, before.handlerBuckets.choice),
      conflict: bucketDifference(handlerBuckets.conflict, before.handlerBuckets.conflict),
    },
    hotStatementBuckets: bucketDifference(hotStatementBuckets, before.hotStatementBuckets),
    hotStatementRunBuckets: bucketDifference(hotStatementRunBuckets, before.hotStatementRunBuckets),
    slowStatementRunBuckets: bucketDifference(slowStatementRunBuckets, before.slowStatementRunBuckets),
    eventLoopLagBuckets: bucketDifference(eventLoopLagBuckets, before.eventLoopLagBuckets),
    slowStatementsByTask: bucketDifference(slowStatementsByTask, before.slowStatementsByTask),
    jobsDoneByTask: bucketDifference(jobsDoneByTask, before.jobsDoneByTask),
  };
}

/**
 * Scrapes the server's /metrics every second: queue depth over time, and the event loop when it is
 * another process; and, for the run's totals, every worker process's /metrics beside it.
 */
export class MetricsSampler {
  readonly queueDepth: QueueDepthPoint[] = [];
  private readonly client: HttpClient;
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt = Date.now();

  /**
   * `workerMetricsUrls`: each worker process's /metrics (none when embedded); `redis`: what reads
   * the target's Redis's work (none when embedded).
   */
  constructor(
    baseUrl: string,
    private readonly clock: PhaseClock,
    private readonly eventLoop: EventLoopWindow,
    private readonly workerMetricsUrls: readonly string[],
    private readonly redis: RedisWorkMeter | undefined,
  ) {
    this.client = new HttpClient(baseUrl);
  }

  /** The web server's samples. */
  async scrape(): Promise<MetricSample[]> {
    const samples = await readMetrics(this.client);
    this.eventLoop.observe(samples);
    return samples;
  }

  /** The run's counters so far, over the web server, every worker process and Redis. */
  async totals(): Promise<SlowPathTotals> {
    const [server, workers, redis] = await Promise.all([
      this.scrape(),
      Promise.all(this.workerMetricsUrls.map(scrapeMetrics)),
      this.redis?.read() ?? NO_REDIS_WORK,
    ]);
    return slowPathTotals(server, workers.flat(), redis);
  }

  start(everyMs = 1_000): void {
    this.timer = setInterval(() => void this.sample(), everyMs);
  }

  latestDepth(): number {
    const last = this.queueDepth.at(-1);
    return last ? last.waiting + last.delayed : 0;
  }

  private async sample(): Promise<void> {
    try {
      const samples = await this.scrape();
      this.queueDepth.push({
        t: (Date.now() - this.startedAt) / 1000,
        phase: this.clock.phase,
        waiting: sumOf(samples, 'nyx_queue_jobs', { state: 'waiting' }),
        active: sumOf(samples, 'nyx_queue_jobs', { state: 'active' }),
        delayed: sumOf(samples, 'nyx_queue_jobs', { state: 'delayed' }),
      });
    } catch {
      // A missed sample leaves a gap in the series; the run goes on.
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.client.close();
  }
}
