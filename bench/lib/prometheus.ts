import { HttpClient } from './http-client.js';

/** The few lines of the Prometheus text format the benchmark reads from `GET /metrics`. */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseMetrics(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = LINE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** Sum of a metric's samples whose labels match `where` (a value prefixed with `!` excludes). */
export function sumOf(samples: MetricSample[], name: string, where: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name)
    .filter((s) =>
      Object.entries(where).every(([key, wanted]) =>
        wanted.startsWith('!') ? s.labels[key] !== wanted.slice(1) : s.labels[key] === wanted,
      ),
    )
    .reduce((total, s) => total + s.value, 0);
}

/** A process's CPU seconds, user and system, from Node's default metrics under Nyx's prefix. */
export const CPU_SECONDS = 'nyx_process_process_cpu_seconds_total';

/** The samples `client`'s server answers at `path` now. */
export async function readMetrics(client: HttpClient, path = '/metrics'): Promise<MetricSample[]> {
  const response = await client.request<string>('GET', path);
  if (response.status !== 200) throw new Error(`GET ${client.baseUrl}${path} answered ${response.status}`);
  return parseMetrics(response.body);
}

/** The samples a process's metrics endpoint (a full URL, e.g. a worker's `http://127.0.0.1:9464/metrics`) answers now. */
export async function scrapeMetrics(url: string): Promise<MetricSample[]> {
  const { origin, pathname } = new URL(url);
  const scraper = new HttpClient(origin);
  try {
    return await readMetrics(scraper, pathname);
  } finally {
    scraper.close();
  }
}
