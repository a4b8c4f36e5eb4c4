/** The part of autocannon's API the sync-cost benchmark uses (the package ships no types). */
declare module 'autocannon' {
  interface Histogram {
    average: number;
    mean: number;
    p50: number;
    p99: number;
  }
  interface Result {
    requests: Histogram & { total: number };
    latency: Histogram;
    errors: number;
    timeouts: number;
    '2xx': number;
    non2xx: number;
    statusCodeStats: Record<string, { count: number }>;
  }
  interface RawRequest {
    headers?: Record<string, string>;
  }
  interface Request {
    method?: string;
    /** Returns the request to send; `context` is the connection's own. */
    setupRequest?: (request: RawRequest, context: Record<string, string>) => RawRequest;
    onResponse?: (status: number, body: string, context: Record<string, string>, headers: Record<string, string>) => void;
  }
  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    headers?: Record<string, string>;
    requests?: Request[];
  }
  export default function autocannon(options: Options): Promise<Result>;
}
