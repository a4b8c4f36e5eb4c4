import { createHistogram } from 'node:perf_hooks';

/** One benchmarked call. `run` is timed; `check` and `after` are not. */
export interface Operation<R = unknown> {
  name: string;
  warmup: number;
  samples: number;
  run(i: number): Promise<R>;
  /** Throws when the call did not do its job (a cache miss, a busy lock, a rejected dispatch…). */
  check(result: R, i: number): void;
  /** Restores the starting state between calls (the claim puts back what it consumed). */
  after?(result: R, i: number): Promise<void>;
}

export interface Measurement {
  operation: string;
  backend: string;
  implementation: string;
  samples: number;
  warmup: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  /** Samples per second of time spent inside the timed calls, one call in flight. */
  opsPerSec: number;
}

const NS_PER_MS = 1e6;

/** Runs `operation` sequentially: warm-up calls, then `samples` timed calls into an HDR histogram. */
export async function measure(operation: Operation, backend: string, implementation: string): Promise<Measurement> {
  const call = async (i: number, timed: boolean): Promise<bigint> => {
    const started = process.hrtime.bigint();
    const result = await operation.run(i);
    const elapsed = process.hrtime.bigint() - started;
    try {
      operation.check(result, i);
    } catch (error) {
      throw new Error(`${operation.name} on ${implementation} (${timed ? 'sample' : 'warm-up'} ${i}): ${(error as Error).message}`);
    }
    await operation.after?.(result, i);
    return elapsed;
  };

  for (let i = 0; i < operation.warmup; i++) await call(i, false);
  const histogram = createHistogram();
  let totalNs = 0n;
  for (let i = 0; i < operation.samples; i++) {
    const elapsed = await call(operation.warmup + i, true);
    // The histogram's lowest trackable value is 1 ns.
    histogram.record(elapsed > 0n ? elapsed : 1n);
    totalNs += elapsed;
  }
  return {
    operation: operation.name,
    backend,
    implementation,
    samples: operation.samples,
    warmup: operation.warmup,
    p50Ms: histogram.percentile(50) / NS_PER_MS,
    p95Ms: histogram.percentile(95) / NS_PER_MS,
    p99Ms: histogram.percentile(99) / NS_PER_MS,
    maxMs: histogram.max / NS_PER_MS,
    meanMs: histogram.mean / NS_PER_MS,
    opsPerSec: totalNs > 0n ? operation.samples / (Number(totalNs) / 1e9) : Infinity,
  };
}

/** A fixed-width text table: operation × backend, latencies in milliseconds. */
export function formatTable(measurements: readonly Measurement[]): string {
  const header = ['operation', 'backend', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'ops/s', 'samples'];
  const rows = measurements.map((m) => [
    m.operation,
    `${m.backend} (${m.implementation})`,
    ms(m.p50Ms),
    ms(m.p95Ms),
    ms(m.p99Ms),
    ms(m.maxMs),
    Math.round(m.opsPerSec).toLocaleString('en-US'),
    m.samples.toLocaleString('en-US'),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  // Text columns align left, numbers right.
  const line = (cells: string[]) => cells.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function ms(value: number): string {
  return value.toFixed(value < 10 ? 3 : 1);
}
