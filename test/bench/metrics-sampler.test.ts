import { describe, expect, it } from 'vitest';
import { slowPathTotals } from '../../bench/lib/metrics-sampler.js';
import { parseMetrics } from '../../bench/lib/prometheus.js';

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
    const totals = slowPathTotals(server, worker);
    expect(totals.modelCalls).toBe(30);
    expect(totals.jobsDone).toBe(30);
    expect(totals.slowPathStatements).toBe(30);
    expect(totals.slowStatementsByTask).toEqual({ 'stakeholders.react': 30 });
  });

  it("keep the event loop and the CPU per process: the event loop is the server's, the workers' CPU apart", () => {
    const totals = slowPathTotals(server, worker);
    expect(totals.eventLoopLagBuckets).toEqual({ '0.01': 100 });
    expect(totals.serverCpuSeconds).toBe(2.5);
    expect(totals.workerCpuSeconds).toBe(6);
  });

  it("with no worker process, are the server's alone and give the workers no CPU", () => {
    const totals = slowPathTotals(worker);
    expect(totals.modelCalls).toBe(30);
    expect(totals.eventLoopLagBuckets).toEqual({ '0.01': 900 });
    expect(totals.serverCpuSeconds).toBe(6);
    expect(totals.workerCpuSeconds).toBe(0);
  });
});
