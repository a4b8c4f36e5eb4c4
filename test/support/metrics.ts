/** A prom-client metric as tests read it: its samples, each with labels and a value. */
interface ReadableMetric {
  get(): Promise<{ values: ReadonlyArray<{ value: number; labels: Record<string, unknown>; metricName?: string }> }>;
}

/**
 * The sum of `metric`'s samples whose labels include `labels` (0 when none does); `metricName`
 * picks one series of a histogram, such as `<name>_count` or `<name>_sum`.
 */
export async function metricValue(metric: ReadableMetric, labels: Record<string, string>, metricName?: string): Promise<number> {
  const { values } = await metric.get();
  return values
    .filter(
      (sample) =>
        (metricName === undefined || sample.metricName === metricName) &&
        Object.entries(labels).every(([key, wanted]) => sample.labels[key] === wanted),
    )
    .reduce((sum, sample) => sum + sample.value, 0);
}
