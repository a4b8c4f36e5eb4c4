import { describe, expect, it } from 'vitest';
import { cpuOf, redisOf } from '../../bench/lib/bench-result.js';
import { slowPathTotals } from '../../bench/lib/metrics-sampler.js';
import type { ModeResult } from '../../bench/lib/mode-run.js';
import { parseMetrics } from '../../bench/lib/prometheus.js';
import { NO_REDIS_WORK } from '../../bench/lib/redis-work-meter.js';

/** One process's /metrics, in the Prometheus text format, with the series the totals read. */
function processMetrics(figures: { modelCalls: number; slowStatements: number; lateTimers: number; cpuSeconds: number }) {
  return parseMetrics(
    [
      `nyx_model_calls_total{kind="reaction",outcome="ok"} ${figures.modelCalls}`,
      `nyx_task_completed_total{task="stakeholders.react"} ${figures.modelCalls}`,
      `nyx_db_statements_total{path="slow",operation="stakeholders.react"} ${figures.slowStatements}`,
      `nyx_event_loop_lag_seconds_bucket{le="0.01"} ${figures.lateTimers}`,
      `nyx_process_process_cpu_seconds_total ${figures.cpuSeconds}`,
    ].join('\n'),
  );
}

describe("the benchmark's totals over the web server and its worker processes", () => {
  const server = processMetrics({ modelCalls: 0, slowStatements: 1, lateTimers: 100, cpuSeconds: 2.5 });
  const worker = processMetrics({ modelCalls: 30, slowStatements: 29, lateTimers: 900, cpuSeconds: 6 });

  it("count the workers' model calls, jobs and statements with the server's", () => {
    const totals = slowPathTotals(server, worker, NO_REDIS_WORK);
    expect(totals.modelCalls).toBe(30);
    expect(totals.jobsDone).toBe(30);
    expect(totals.slowPathStatements).toBe(30);
    expect(totals.slowStatementsByTask).toEqual({ 'stakeholders.react': 30 });
  });

  it("keep the event loop and the CPU per process: the event loop is the server's, the workers' CPU apart", () => {
    const totals = slowPathTotals(server, worker, NO_REDIS_WORK);
    expect(totals.eventLoopLagBuckets).toEqual({ '0.01': 100 });
    expect(totals.serverCpuSeconds).toBe(2.5);
    expect(totals.workerCpuSeconds).toBe(6);
  });

  it("with no worker process, are the server's alone and give the workers no CPU", () => {
    const totals = slowPathTotals(worker, [], NO_REDIS_WORK);
    expect(totals.modelCalls).toBe(30);
    expect(totals.eventLoopLagBuckets).toEqual({ '0.01': 900 });
    expect(totals.serverCpuSeconds).toBe(6);
    expect(totals.workerCpuSeconds).toBe(0);
  });
});

describe("the benchmark's CPU per player request and per finished job", () => {
  const answered = (operation: string, count: number) => `nyx_hot_path_duration_seconds_count{operation="${operation}"} ${count}`;
  const server = parseMetrics(
    [
      answered('http.GET /api/games/:gameId/state', 300),
      answered('game.player_choice', 180),
      answered('http.POST /api/games/:gameId/conflicts', 20),
      'nyx_process_process_cpu_seconds_total 2',
    ].join('\n'),
  );
  const worker = parseMetrics(
    [
      'nyx_task_completed_total{task="stakeholders.react"} 150',
      'nyx_task_failed_total{task="turn.write_turn",final="true"} 10',
      'nyx_task_failed_total{task="turn.write_turn",final="false"} 40',
      'nyx_process_process_cpu_seconds_total 1.2',
    ].join('\n'),
  );

  it("divide the web server's CPU by the player requests it answered, and the worker's by the jobs that finished", () => {
    // 2 s over 500 requests; 1.2 s over 160 jobs (a failed attempt to be retried has not finished).
    expect(cpuOf(slowPathTotals(server, worker, NO_REDIS_WORK), 'distributed')).toEqual({
      serverMsPerRequest: 4,
      workerMsPerFinishedJob: 7.5,
    });
  });

  it("give no worker figure when embedded, where the workers share the web server's process", () => {
    expect(cpuOf(slowPathTotals(server, [], NO_REDIS_WORK), 'embedded')).toEqual({ serverMsPerRequest: 4, workerMsPerFinishedJob: null });
  });
});

describe("the benchmark's Redis work per player request and per player-second", () => {
  const server = parseMetrics(
    [
      'nyx_hot_path_duration_seconds_count{operation="http.GET /api/games/:gameId/state"} 300',
      'nyx_hot_path_duration_seconds_count{operation="game.player_choice"} 180',
      'nyx_hot_path_duration_seconds_count{operation="http.POST /api/games/:gameId/conflicts"} 20',
    ].join('\n'),
  );
  // 50 players for 10 s: 500 player-seconds, over which 500 requests were answered.
  const measured = slowPathTotals(server, [], { commands: 7_000, cpuSeconds: 0.25 });
  const mode = { players: 50, measuredSlowPath: measured } as ModeResult;

  it("divide every process's commands and Redis's CPU over the measured phase's requests and player-seconds", () => {
    expect(redisOf(mode, 10, 'distributed')).toEqual({ commandsPerRequest: 14, commandsPerPlayerSecond: 14, cpuMsPerPlayerSecond: 0.5 });
    expect(redisOf(mode, 20, 'distributed')).toEqual({ commandsPerRequest: 14, commandsPerPlayerSecond: 7, cpuMsPerPlayerSecond: 0.25 });
  });

  it('give none when embedded, with no Redis', () => {
    expect(redisOf(mode, 10, 'embedded')).toBeNull();
  });
});
