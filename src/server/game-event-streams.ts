import type { ServerResponse } from 'node:http';
import { logger } from '../observability/logger.js';
import { metrics } from '../observability/metrics.js';
import type { ContentHub, LoggedEvent } from '../runtime/hub/content-hub.js';
import { EventId } from '../runtime/hub/event-id.js';

const log = logger.child({ module: 'event-streams' });

export interface EventStreamOptions {
  /** A comment line this often keeps proxies and the browser from timing the stream out. */
  heartbeatMs: number;
  /** A client whose unsent output grows past this is too slow to keep: it is dropped. */
  maxBufferedBytes: number;
  /** How long a game's hub subscription outlives its last client, covering reconnects. */
  idleChannelMs: number;
}

/** One open stream: what it has been sent, and (while it replays) the live events that wait behind the replay. */
interface StreamClient {
  lastSent: EventId;
  waiting?: LoggedEvent[];
}

interface GameChannel {
  clients: Map<ServerResponse, StreamClient>;
  unsubscribe: () => void;
  idleTimer?: NodeJS.Timeout;
}

/** SSE event names the web client listens for; every content kind is a `content` event. */
function sseEventName(kind: string): 'job' | 'state' | 'content' {
  return kind === 'job' || kind === 'state' ? kind : 'content';
}

const RETRY_MS = 2_000;

function frameOf({ id, event }: LoggedEvent): string {
  return `id: ${id.toString()}\nevent: ${sseEventName(event.kind)}\ndata: ${JSON.stringify(event)}\n\n`;
}

/**
 * The live-update streams of one server: one hub subscription per game, fanned out to that game's
 * open Server-Sent Events responses. Event ids are the hub log's, the same on every web process, so
 * a client that reconnects anywhere with Last-Event-ID gets each event it missed once, in order.
 */
export class GameEventStreams {
  private readonly channels = new Map<string, GameChannel>();
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

  /**
   * Streams `gameId`'s events to `response`, first replaying those after `lastEventId`. A header
   * that is no event id is ignored rather than refused: EventSource would not reconnect after an error.
   */
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
    const after = lastEventId === undefined ? undefined : EventId.parse(lastEventId);
    const client: StreamClient = after ? { lastSent: after, waiting: [] } : { lastSent: EventId.ZERO };
    if (after) void this.replay(gameId, response, client, after);

    clearTimeout(channel.idleTimer);
    channel.clients.set(response, client);
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
      for (const response of channel.clients.keys()) response.end();
    }
    this.channels.clear();
  }

  private channelFor(gameId: string): GameChannel {
    const existing = this.channels.get(gameId);
    if (existing) return existing;
    const channel: GameChannel = { clients: new Map(), unsubscribe: () => {} };
    channel.unsubscribe = this.hub.subscribe(gameId, (logged) => this.deliver(channel, logged));
    this.channels.set(gameId, channel);
    return channel;
  }

  private deliver(channel: GameChannel, logged: LoggedEvent): void {
    const frame = frameOf(logged);
    for (const [response, client] of channel.clients) {
      if (client.waiting) client.waiting.push(logged);
      // Detached at once: the socket's 'close' may come a while after destroy().
      else if (!this.send(response, client, logged, frame)) channel.clients.delete(response);
    }
  }

  /**
   * Sends what the log holds after `after`, then the live events that arrived meanwhile; an event in
   * both goes out once. Until then the client's live events wait, so the stream stays in id order.
   */
  private async replay(gameId: string, response: ServerResponse, client: StreamClient, after: EventId): Promise<void> {
    let missed: LoggedEvent[] = [];
    try {
      missed = await this.hub.readAfter(gameId, after);
    } catch (error) {
      log.warn({ err: error, gameId }, 'live-update replay unavailable; streaming new events only');
    }
    const waiting = client.waiting ?? [];
    client.waiting = undefined;
    for (const logged of [...missed, ...waiting]) {
      if (response.destroyed || !this.send(response, client, logged, frameOf(logged))) return;
    }
  }

  /** Writes an event the client has not had yet; false when the client was dropped as too slow. */
  private send(response: ServerResponse, client: StreamClient, logged: LoggedEvent, frame: string): boolean {
    if (!logged.id.isAfter(client.lastSent)) return true;
    client.lastSent = logged.id;
    return this.write(response, frame);
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
