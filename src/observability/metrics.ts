import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { EventLoopDelay } from './event-loop-delay.js';

/**
 * Every Nyx metric lives in this one registry, declared here so no two modules register the same
 * name. `GET /metrics` serves it.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'nyx_process_' });
// prom-client names these gauges `*_total`, which Prometheus reserves for counters (promtool rejects
// them); nyx_process_nodejs_active_resources, by type, counts the same resources.
for (const gauge of ['active_handles', 'active_requests', 'active_resources'])
  registry.removeSingleMetric(`nyx_process_nodejs_${gauge}_total`);

/**
 * How long timers waited for the event loop since the previous scrape: the first sign that
 * something on the hot path blocks. Sampled every 20 ms; each scrape reads and restarts the window.
 */
const eventLoop = new EventLoopDelay(20).enable();
const MS_PER_SECOND = 1000;

const fastBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5];
const slowBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60];

export const metrics = {
  hotPathDuration: new Histogram({
    name: 'nyx_hot_path_duration_seconds',
    help: 'Duration of hot-path operations (HTTP handlers and conflict-event handlers).',
    labelNames: ['operation'] as const,
    buckets: fastBuckets,
    registers: [registry],
  }),
  hotPathBudgetOverruns: new Counter({
    name: 'nyx_hot_path_budget_overruns_total',
    help: 'Hot-path operations that took longer than HOT_PATH_ENFORCE_MS.',
    labelNames: ['operation'] as const,
    registers: [registry],
  }),
  hotPathGuardViolations: new Counter({
    name: 'nyx_hot_path_guard_violations_total',
    help: 'Model calls, AI SDK calls, outbound HTTP requests and job waits attempted inside a hot-path operation, by kind.',
    labelNames: ['operation', 'kind'] as const,
    registers: [registry],
  }),
  hotPathEventLoopBlocks: new Counter({
    name: 'nyx_hot_path_event_loop_blocks_total',
    help: 'Times synchronous work held the event loop longer than HOT_PATH_BLOCK_MS inside a hot-path operation.',
    labelNames: ['operation'] as const,
    registers: [registry],
  }),
  cacheRequests: new Counter({
    name: 'nyx_cache_requests_total',
    help: 'Cache reads by class of key (generated: slow-path results, a miss means a rule fallback; read_model; bookkeeping) and result (hit, miss, error).',
    labelNames: ['backend', 'class', 'result'] as const,
    registers: [registry],
  }),
  dbStatements: new Counter({
    name: 'nyx_db_statements_total',
    help: 'Database statements by path (hot: inside a player request; slow: workers and sweeps), operation (the outermost hot-path operation; on the slow path the task whose job ran it, or "background") and statement kind (select, insert, update, delete, with, ...).',
    labelNames: ['path', 'operation', 'statement'] as const,
    registers: [registry],
  }),
  dbStatementDuration: new Histogram({
    name: 'nyx_db_statement_duration_seconds',
    help: 'Time from sending a database statement to its answer, by path (hot: inside a player request; slow: workers and sweeps): the wait for the embedded database thread or a pooled connection, and the statement itself.',
    labelNames: ['path'] as const,
    buckets: fastBuckets,
    registers: [registry],
  }),
  dbStatementRun: new Histogram({
    name: 'nyx_db_statement_run_seconds',
    help: 'Embedded database only: how long a statement ran on the database thread, by path, its wait in the queue before the thread excluded (compare nyx_db_statement_duration_seconds).',
    labelNames: ['path'] as const,
    buckets: fastBuckets,
    registers: [registry],
  }),
  cacheErrors: new Counter({
    name: 'nyx_cache_errors_total',
    help: 'Cache backend errors swallowed by the cache (reads and writes).',
    labelNames: ['backend', 'operation'] as const,
    registers: [registry],
  }),
  queueDispatches: new Counter({
    name: 'nyx_queue_dispatch_total',
    help: 'Task dispatches by task and result (accepted, deduplicated, rejected).',
    labelNames: ['task', 'result'] as const,
    registers: [registry],
  }),
  queueJobs: new Gauge({
    name: 'nyx_queue_jobs',
    help: 'Jobs in the whole queue by state, sampled on scrape; every process reports the same queue, so aggregate with max, not sum.',
    labelNames: ['state'] as const,
    registers: [registry],
  }),
  slowPathBacklogBound: new Gauge({
    name: 'nyx_slow_path_backlog_bound',
    help: 'How many jobs may wait in the queue (one freshness horizon of measured completions, between QUEUE_CONCURRENCY and twice it), as this process last computed it.',
    registers: [registry],
  }),
  slowPathDropped: new Counter({
    name: 'nyx_slow_path_dropped_total',
    help: "Slow-path work given up before any model call, by task and reason: shed (over the admission bound for its value), expired (waited in the queue past SLOW_PATH_HORIZON_MS: shed late), superseded (a newer item of the same subject), not_visible (out of the player's feed window), settled (its item was already settled).",
    labelNames: ['task', 'reason'] as const,
    registers: [registry],
  }),
  feedItemsShed: new Counter({
    name: 'nyx_feed_items_shed_total',
    help: 'Feed items opened on their rule fallback because admission refused their task (the slow path had no room for its value), by kind: the visible demand the slow path could not take.',
    labelNames: ['kind'] as const,
    registers: [registry],
  }),
  contentWriteAge: new Histogram({
    name: 'nyx_content_write_age_seconds',
    help: "How old a feed item was when the model's text filled it (queue wait plus model call), by kind.",
    labelNames: ['kind'] as const,
    buckets: [0.5, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 20, 30, 60, 120],
    registers: [registry],
  }),
  slowPathRecovered: new Counter({
    name: 'nyx_slow_path_recovered_total',
    help: 'Shed feed items whose jobs were sent again once the queue had room, newest first.',
    registers: [registry],
  }),
  modelCallsByUse: new Counter({
    name: 'nyx_model_calls_by_use_total',
    help: 'Model calls made by finished jobs, by use: visible (the result was written where players read it, as current), wasted (the job found its item settled or its context stale after the call) or speculative (written ahead on idle workers; nyx_reactions_ahead_total says how many were used). Goodput is visible / (visible + wasted).',
    labelNames: ['use'] as const,
    registers: [registry],
  }),
  turnPieces: new Counter({
    name: 'nyx_turn_pieces_total',
    help: "Pieces of a player turn asked of one model call (ONE_CALL_PER_TURN), by piece (reaction, narration, beat) and outcome: written from that call, or sent_alone (the call's answer left it out, so its own task writes it).",
    labelNames: ['piece', 'outcome'] as const,
    registers: [registry],
  }),
  reactionsAhead: new Counter({
    name: 'nyx_reactions_ahead_total',
    help: 'Reactions written ahead of a choice on idle workers, by outcome: written, stale (the turn, phase or role moved on before the call; no call made), used (shown at once, ready, when the player made that choice).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  }),
  taskCompletions: new Counter({
    name: 'nyx_task_completed_total',
    help: 'Background tasks completed, by task.',
    labelNames: ['task'] as const,
    registers: [registry],
  }),
  taskFailures: new Counter({
    name: 'nyx_task_failed_total',
    help: 'Background task attempts that failed, by task and whether the failure was final.',
    labelNames: ['task', 'final'] as const,
    registers: [registry],
  }),
  taskDuration: new Histogram({
    name: 'nyx_task_duration_seconds',
    help: 'Run time of background task attempts.',
    labelNames: ['task'] as const,
    buckets: slowBuckets,
    registers: [registry],
  }),
  modelCallDuration: new Histogram({
    name: 'nyx_model_call_duration_seconds',
    help: 'Latency of model calls through the gateway.',
    labelNames: ['kind', 'provider'] as const,
    buckets: slowBuckets,
    registers: [registry],
  }),
  modelCalls: new Counter({
    name: 'nyx_model_calls_total',
    help: 'Model calls through the gateway, by kind, provider and outcome (ok or the failure reason).',
    labelNames: ['kind', 'provider', 'outcome'] as const,
    registers: [registry],
  }),
  modelTokens: new Counter({
    name: 'nyx_model_tokens_total',
    help: 'Tokens used by model calls, by kind and direction (prompt, output).',
    labelNames: ['kind', 'direction'] as const,
    registers: [registry],
  }),
  modelFailures: new Counter({
    name: 'nyx_model_failures_total',
    help: 'Failed model calls by kind and reason (timeout, rate_limited, server_error, invalid_output, ...).',
    labelNames: ['kind', 'reason'] as const,
    registers: [registry],
  }),
  modelCost: new Counter({
    name: 'nyx_model_cost_usd_total',
    help: 'What model calls cost in US dollars at LLM_PRICES, by kind and model (0 for a model without a price).',
    labelNames: ['kind', 'model'] as const,
    registers: [registry],
  }),
  modelBudgetRefusals: new Counter({
    name: 'nyx_model_budget_refusals_total',
    help: 'Model calls refused before they started because a budget was spent, by scope (game, hour) and kind.',
    labelNames: ['scope', 'kind'] as const,
    registers: [registry],
  }),
  completionCache: new Counter({
    name: 'nyx_completion_cache_total',
    help: 'Model requests looked up in the completion cache, by kind and result (hit, miss).',
    labelNames: ['kind', 'result'] as const,
    registers: [registry],
  }),
  completionCacheSavedUsd: new Counter({
    name: 'nyx_completion_cache_saved_usd_total',
    help: 'What the calls answered from the completion cache would have cost at LLM_PRICES, in US dollars.',
    labelNames: ['kind', 'model'] as const,
    registers: [registry],
  }),
  modelOutputCorrections: new Counter({
    name: 'nyx_model_output_corrections_total',
    help: 'Fields of model answers put right before validation, by kind, field and correction (clamped, trimmed, cleaned, ...).',
    labelNames: ['kind', 'field', 'correction'] as const,
    registers: [registry],
  }),
  eventLoopLag: new Histogram({
    name: 'nyx_event_loop_lag_seconds',
    help: 'How late a timer set every 10 ms fired, each time: cumulative, so a p99 can be taken over any window (nyx_event_loop_delay_seconds restarts its window at every scrape).',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  }),
  eventLoopDelay: new Gauge({
    name: 'nyx_event_loop_delay_seconds',
    help: 'How late a timer sampled every 20 ms ran, since the previous scrape, by statistic (p50, p99, max): 0 on an idle loop.',
    labelNames: ['stat'] as const,
    registers: [registry],
    collect() {
      this.set({ stat: 'p50' }, eventLoop.percentileMs(50) / MS_PER_SECOND);
      this.set({ stat: 'p99' }, eventLoop.percentileMs(99) / MS_PER_SECOND);
      this.set({ stat: 'max' }, eventLoop.maxMs() / MS_PER_SECOND);
      eventLoop.reset();
    },
  }),
  sseClients: new Gauge({
    name: 'nyx_sse_clients',
    help: 'Open Server-Sent Events streams in this process.',
    registers: [registry],
  }),
};

/** Feeds nyx_event_loop_lag_seconds: unref'd, so it never keeps a process alive. */
const LAG_TICK_MS = 10;
let lagExpectedAt = performance.now() + LAG_TICK_MS;
setInterval(() => {
  const now = performance.now();
  metrics.eventLoopLag.observe(Math.max(0, now - lagExpectedAt) / 1000);
  lagExpectedAt = now + LAG_TICK_MS;
}, LAG_TICK_MS).unref();
