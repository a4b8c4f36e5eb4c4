/**
 * Latencies of one operation in one phase: every sample kept (exact percentiles), plus a
 * log-scale distribution for the report's charts.
 */
export type OperationName = 'stateSync' | 'playerChoice' | 'conflictCreation' | 'floorRead';

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Completed requests per second over the phase. */
  throughput: number;
  /** Answers that are neither success nor a legitimate game refusal, and requests that got no answer. */
  errors: number;
  /** 409 stale: the game moved on between a player's sync and choice (a legitimate answer). */
  stale: number;
  /** Still waiting for an answer when the phase ended (blocking mode). */
  cutOff: number;
}

/** Bucket edges in ms: 10 per decade from 10 µs to 100 s. */
export const DISTRIBUTION_EDGES_MS: readonly number[] = Array.from({ length: 71 }, (_, i) => 10 ** (-2 + i / 10));

export class OperationStats {
  private readonly samples: number[] = [];
  private errors = 0;
  private stale = 0;
  private cutOff = 0;

  record(ms: number, outcome: 'ok' | 'error' | 'stale' | 'cutOff'): void {
    if (outcome === 'cutOff') {
      this.cutOff++;
      return;
    }
    if (outcome === 'error') this.errors++;
    if (outcome === 'stale') this.stale++;
    this.samples.push(ms);
  }

  get count(): number {
    return this.samples.length;
  }

  summary(durationS: number): LatencySummary {
    const sorted = Float64Array.from(this.samples).sort();
    const at = (p: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!);
    return {
      count: sorted.length,
      p50: at(50),
      p95: at(95),
      p99: at(99),
      max: sorted.length === 0 ? 0 : sorted[sorted.length - 1]!,
      throughput: durationS > 0 ? sorted.length / durationS : 0,
      errors: this.errors,
      stale: this.stale,
      cutOff: this.cutOff,
    };
  }

  /** Counts per bucket of DISTRIBUTION_EDGES_MS (bucket i holds edges[i] ≤ ms < edges[i+1]). */
  distribution(): number[] {
    const counts = new Array<number>(DISTRIBUTION_EDGES_MS.length - 1).fill(0);
    for (const ms of this.samples) {
      const index = Math.floor((Math.log10(Math.max(ms, DISTRIBUTION_EDGES_MS[0]!)) + 2) * 10);
      counts[Math.min(counts.length - 1, index)]!++;
    }
    return counts;
  }
}
