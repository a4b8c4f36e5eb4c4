import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface HttpResult<T = unknown> {
  /** 0 when no response came (connection error or cut off). */
  status: number;
  body: T;
  /** From sending the request to the last byte of the answer; JSON parsing is not counted. */
  ms: number;
  /** True when the run ended while the request was still in flight. */
  cutOff: boolean;
}

/**
 * A keep-alive HTTP client on node:http with no socket limit: every virtual player keeps its own
 * connection, as a browser tab would. `cutOffAll()` ends the requests still in flight when a
 * phase is over (blocking mode can hold one for many seconds).
 */
export class HttpClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 4096 });
  /** Each request in flight, with the function that cuts it off. */
  private readonly inFlight = new Map<http.ClientRequest, () => void>();
  private readonly url: URL;

  constructor(baseUrl: string) {
    this.url = new URL(baseUrl);
    if (this.url.hostname !== '127.0.0.1') throw new Error(`the benchmark only sends traffic to 127.0.0.1, not ${this.url.hostname}`);
  }

  get baseUrl(): string {
    return this.url.origin;
  }

  request<T = unknown>(method: 'GET' | 'POST', path: string, options: { token?: string; body?: unknown } = {}): Promise<HttpResult<T>> {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: http.OutgoingHttpHeaders = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    return new Promise((resolve) => {
      const started = performance.now();
      let cutOff = false;
      const request = http.request(
        { host: this.url.hostname, port: this.url.port, method, path, headers, agent: this.agent },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', () => settle(0, undefined));
          response.on('end', () => {
            const ms = performance.now() - started;
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown = text;
            try {
              body = text.length > 0 ? JSON.parse(text) : undefined;
            } catch {
              // Not JSON (e.g. /metrics): the text itself is the body.
            }
            settle(response.statusCode ?? 0, body, ms);
          });
        },
      );
      const settle = (status: number, body: unknown, ms = performance.now() - started) => {
        this.inFlight.delete(request);
        resolve({ status, body: body as T, ms, cutOff });
      };
      request.on('error', () => settle(0, undefined));
      this.inFlight.set(request, () => {
        cutOff = true;
        request.destroy();
      });
      request.end(payload);
    });
  }

  /** Ends every request still waiting for its answer; each resolves with `cutOff: true`. */
  cutOffAll(): void {
    for (const cut of [...this.inFlight.values()]) cut();
  }

  get pending(): number {
    return this.inFlight.size;
  }

  close(): void {
    this.cutOffAll();
    this.agent.destroy();
  }
}
