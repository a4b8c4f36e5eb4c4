import type { ServerResponse } from 'node:http';
import { logger } from '../observability/logger.js';
import { metrics } from '../observability/metrics.js';
import type { ContentEvent, ContentHub } from '../runtime/hub/content-hub.js';

const log = logger.child({ module: 'event-streams' });

export interface EventStreamOptions {
  /** A comment line this often keeps proxies and the browser from timing the stream out. */
  heartbeatMs: number;
  /** Events kept per game so a reconnecting client (Last-Event-ID) gets what it missed. */
  replayBuffer: number;
  /** A client whose unsent output grows past this is too slow to keep: it is dropped. */
  maxBufferedBytes: number;
  /** How long a game's buffer outlives its last client, covering reconnects. */
  idleChannelMs: number;
}

interface BufferedEvent {
  id: number;
  frame: string;
}

interface GameChannel {
  events: BufferedEvent[];
  clients: Set<ServerResponse>;
  unsubscribe: () => void;
  idleTimer?: NodeJS.Timeout;
}

/** SSE event names the web client listens for; every content kind is a `content` event. */
function sseEventName(kind: string): 'job' | 'state' | 'content' {
  return kind === 'job' || kind === 'state' ? kind : 'content';
}

const RETRY_MS = 2_000;

/**
 * The live-update streams of one server: one hub subscription per game with a bounded replay
 * buffer, fanned out to that game's open Server-Sent Events responses.
 *
 * Event ids come from one counter seeded with the clock, so ids issued after a restart are larger
 * than any a client saw before it: a stale Last-Event-ID then replays the whole buffer.
 */
export class GameEventStreams {
  private readonly channels = new Map<string, GameChannel>();
  private nextId = Date.now();
  private closed = false;

  constructor(
    private readonly hub: ContentHub,
    private readonly options: EventStreamOptions,
  ) {}

  get clientCount(): number {
    let count = 0;
    for (const channel of this.channels.values()) count += channel.clients.size;
    return count;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Streams `gameId`'s events to `response`, first replaying those after `lastEventId`. */
  open(gameId: string, response: ServerResponse, lastEventId?: string): void {
    const channel = this.channelFor(gameId);
    // The connection ends with the stream, so server.close() has nothing left to wait on.
    response.shouldKeepAlive = false;
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    response.write(`retry: ${RETRY_MS}\n: connected\n\n`);
    const after = Number(lastEventId);
    if (lastEventId !== undefined && Number.isFinite(after)) {
      for (const event of channel.events) if (event.id > after) response.write(event.frame);
    }

    clearTimeout(channel.idleTimer);
    channel.clients.add(response);
    metrics.sseClients.inc();
    const heartbeat = setInterval(() => this.write(response, ': heartbeat\n\n'), this.options.heartbeatMs);
    heartbeat.unref();
    response.once('close', () => {
      clearInterval(heartbeat);
      metrics.sseClients.dec();
      channel.clients.delete(response);
      if (channel.clients.size === 0 && !this.closed) this.retireWhenIdle(gameId, channel);
    });
  }

  /** Ends every stream and subscription; the server can then close without waiting on them. */
  close(): void {
    this.closed = true;
    for (const channel of this.channels.values()) {
      clearTimeout(channel.idleTimer);
      channel.unsubscribe();
      for (const response of channel.clients) response.end();
    }
    this.channels.clear();
  }

  private channelFor(gameId: string): GameChannel {
    const existing = this.channels.get(gameId);
    if (existing) return existing;
    const channel: GameChannel = { events: [], clients: new Set(), unsubscribe: () => {} };
    channel.unsubscribe = this.hub.subscribe(gameId, (event) => this.deliver(channel, event));
    this.channels.set(gameId, channel);
    return channel;
  }

  private deliver(channel: GameChannel, event: ContentEvent): void {
    const id = ++this.nextId;
    const frame = `id: ${id}\nevent: ${sseEventName(event.kind)}\ndata: ${JSON.stringify(event)}\n\n`;
    channel.events.push({ id, frame });
    if (channel.events.length > this.options.replayBuffer) channel.events.shift();
    for (const response of channel.clients) {
      // Detached at once: the socket's 'close' may come a while after destroy().
      if (!this.write(response, frame)) channel.clients.delete(response);
    }
  }

  /** False when the client was too slow and has been dropped; EventSource reconnects and replays. */
  private write(response: ServerResponse, chunk: string): boolean {
    if (response.writableLength > this.options.maxBufferedBytes) {
      log.warn({ buffered: response.writableLength }, 'dropping a live-update client that cannot keep up');
      response.destroy();
      return false;
    }
    response.write(chunk);
    return true;
  }

  private retireWhenIdle(gameId: string, channel: GameChannel): void {
    channel.idleTimer = setTimeout(() => {
      if (channel.clients.size > 0) return;
      channel.unsubscribe();
      this.channels.delete(gameId);
    }, this.options.idleChannelMs);
    channel.idleTimer.unref();
  }
}
