import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { ModelHealthRecord } from '../runtime/health/model-health-record.js';
import type { QueueCounts } from '../runtime/queue/task-queue.js';

/** What `GET /api/ops` answers: the dashboard's view of the process, read from the metrics registry. */
export interface OpsSnapshot {
  hotPath: Record<string, { count: number; p50Ms: number; p99Ms: number }>;
  /** Reads of generated content only: a miss there is a player served a rule fallback. */
  cache: { hits: number; misses: number; hitRate: number };
  /** Null when the queue could not be asked (its backend is down). */
  queue: QueueCounts | null;
  model: { calls: number; failures: number; timeouts: number; status: 'ok' | 'failing' | 'unknown'; reason?: string };
  /**
   * Model spend in the current clock hour across every process, and per player turn in it; null
   * when the server has no ledger. `cacheHits` and `savedUsd` are this process's completion cache.
   */
  cost: { hourUsd: number; turnsThisHour: number; perTurnUsd: number; cacheHits: number; cacheMisses: number; savedUsd: number } | null;
  sseClients: number;
  degraded: boolean;
}

type Metric = MetricObjectWithValues<MetricValue<string>>;
type Sample = MetricValue<string> & { metricName?: string };

const HOT_PATH = 'nyx_hot_path_duration_seconds';

function samples(metrics: Metric[], name: string): Sample[] {
  return metrics.find((metric) => metric.name === name)?.values ?? [];
}

const sum = (values: Sample[]) => values.reduce((total, sample) => total + sample.value, 0);

/**
 * The q-quantile of a cumulative histogram, interpolated linearly inside its bucket as PromQL's
 * histogram_quantile does; beyond the last finite bound it reports that bound.
 */
export function bucketQuantile(buckets: { le: number; count: number }[], q: number): number {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total === 0) return 0;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const bucket of sorted) {
    if (bucket.count >= rank) {
      if (!Number.isFinite(bucket.le)) return lowerBound;
      const inBucket = bucket.count - lowerCount;
      return inBucket === 0 ? bucket.le : lowerBound + ((bucket.le - lowerBound) * (rank - lowerCount)) / inBucket;
    }
    lowerBound = bucket.le;
    lowerCount = bucket.count;
  }
  return lowerBound;
}

function hotPathSummary(metrics: Metric[]): OpsSnapshot['hotPath'] {
  const byOperation = new Map<string, { le: number; count: number }[]>();
  for (const sample of samples(metrics, HOT_PATH)) {
    if (sample.metricName !== `${HOT_PATH}_bucket`) continue;
    const operation = String(sample.labels.operation);
    const le = sample.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(sample.labels.le);
    const buckets = byOperation.get(operation) ?? [];
    buckets.push({ le, count: sample.value });
    byOperation.set(operation, buckets);
  }
  const summary: OpsSnapshot['hotPath'] = {};
  for (const [operation, buckets] of byOperation) {
    const count = Math.max(...buckets.map((bucket) => bucket.count));
    if (count === 0) continue;
    summary[operation] = {
      count,
      p50Ms: bucketQuantile(buckets, 0.5) * 1000,
      p99Ms: bucketQuantile(buckets, 0.99) * 1000,
    };
  }
  return summary;
}

export function opsSnapshot(
  metrics: Metric[],
  live: {
    queue: QueueCounts | null;
    spend: { hourUsd: number; hourTurns: number } | null;
    sseClients: number;
    degraded: boolean;
    modelHealth?: ModelHealthRecord | undefined;
  },
): OpsSnapshot {
  const cache = samples(metrics, 'nyx_cache_requests_total').filter((sample) => sample.labels.class === 'generated');
  const hits = sum(cache.filter((sample) => sample.labels.result === 'hit'));
  const misses = sum(cache.filter((sample) => sample.labels.result === 'miss'));
  const failures = samples(metrics, 'nyx_model_failures_total');
  const completions = samples(metrics, 'nyx_completion_cache_total');
  return {
    hotPath: hotPathSummary(metrics),
    cache: { hits, misses, hitRate: hits + misses === 0 ? 0 : hits / (hits + misses) },
    queue: live.queue,
    model: {
      calls: sum(samples(metrics, 'nyx_model_calls_total')),
      failures: sum(failures),
      timeouts: sum(failures.filter((sample) => sample.labels.reason === 'timeout')),
      status: live.modelHealth?.status ?? 'unknown',
      ...(live.modelHealth?.reason ? { reason: live.modelHealth.reason } : {}),
    },
    cost: live.spend && {
      hourUsd: live.spend.hourUsd,
      turnsThisHour: live.spend.hourTurns,
      perTurnUsd: live.spend.hourTurns === 0 ? 0 : live.spend.hourUsd / live.spend.hourTurns,
      cacheHits: sum(completions.filter((sample) => sample.labels.result === 'hit')),
      cacheMisses: sum(completions.filter((sample) => sample.labels.result === 'miss')),
      savedUsd: sum(samples(metrics, 'nyx_completion_cache_saved_usd_total')),
    },
    sseClients: live.sseClients,
    degraded: live.degraded,
  };
}
