import http from 'node:http';

/**
 * A minimal Server-Sent Events reader for the live-update tests. Over node:http with one connection
 * per stream, unlike fetch's pool, whose spare idle sockets would make every server close wait.
 */

export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  /** Comment lines (`: heartbeat`), without the colon. */
  comments: string[];
}

function parseFrame(block: string): SseFrame {
  const frame: SseFrame = { comments: [] };
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) frame.comments.push(line.slice(1).trim());
    else if (line.startsWith('id: ')) frame.id = line.slice(4);
    else if (line.startsWith('event: ')) frame.event = line.slice(7);
    else if (line.startsWith('data: ')) frame.data = (frame.data === undefined ? '' : `${frame.data}\n`) + line.slice(6);
  }
  return frame;
}

export class SseStream {
  private buffer = '';
  private ended = false;
  private wake: (() => void) | undefined;

  private constructor(
    readonly response: http.IncomingMessage,
    private readonly request: http.ClientRequest,
  ) {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.wake?.();
    });
    const end = () => {
      this.ended = true;
      this.wake?.();
    };
    response.on('close', end);
    response.on('error', end);
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
    return new Promise((resolve, reject) => {
      const request = http.get(url, { agent: false, headers: { accept: 'text/event-stream', ...headers } });
      request.once('response', (response) => resolve(new SseStream(response, request)));
      request.once('error', reject);
    });
  }

  get status(): number | undefined {
    return this.response.statusCode;
  }

  header(name: string): string | undefined {
    const value = this.response.headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  /** The body so far (for error answers, which end at once). */
  async text(): Promise<string> {
    while (!this.ended) await this.waitForData(5_000);
    return this.buffer;
  }

  /** The next frame, or undefined once the server has ended the stream. */
  async next(timeoutMs = 5_000): Promise<SseFrame | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        return parseFrame(block);
      }
      if (this.ended) return undefined;
      await this.waitForData(deadline - Date.now());
    }
  }

  /** The next frame that carries an event (skipping the preamble and heartbeats). */
  async nextEvent(timeoutMs = 5_000): Promise<SseFrame> {
    for (;;) {
      const frame = await this.next(timeoutMs);
      if (frame === undefined) throw new Error('stream ended before an event arrived');
      if (frame.event !== undefined) return frame;
    }
  }

  close(): void {
    this.request.destroy();
  }

  private waitForData(timeoutMs: number): Promise<void> {
    if (timeoutMs <= 0) return Promise.reject(new Error('timed out waiting for an SSE frame'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for an SSE frame')), timeoutMs);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }
}
