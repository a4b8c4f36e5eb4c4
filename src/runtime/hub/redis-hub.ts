import type { Redis } from 'ioredis';
import { logger } from '../../observability/logger.js';
import { closeRedis, createRedis, redisReady } from '../redis/connection.js';
import {
  DEFAULT_LOG_IDLE_MS,
  DEFAULT_LOG_LENGTH,
  type ContentEvent,
  type ContentHub,
  type LoggedEvent,
  type LoggedEventListener,
} from './content-hub.js';
import { EventFanOut } from './event-fan-out.js';
import { EventId } from './event-id.js';

const log = logger.child({ module: 'content-hub' });

export interface RedisHubOptions {
  url: string;
  /** Prepended to every key and channel, so several deployments (or tests) can share one Redis. */
  keyPrefix?: string;
  /** Events kept per game for replay (the stream is trimmed with `MAXLEN ~`). Default 200. */
  logLength?: number;
  /** A game's stream expires this long after its last event. Default 1 hour. */
  logIdleMs?: number;
}

/**
 * Appends to the game's stream and announces the entry with its id in one script: Redis runs a
 * script alone, so announcements go out in stream order even when several processes publish at once.
 * KEYS[1] stream; ARGV: channel, max length, idle ms, event JSON.
 */
const APPEND_AND_ANNOUNCE = `
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'event', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PUBLISH', ARGV[1], id .. ' ' .. ARGV[4])
return id`;

type StreamEntry = [id: string, fields: string[]];

/**
 * Content events across processes. Each game's events go into a capped Redis stream
 * `{prefix}nyx:events:{gameId}`, whose ids (from Redis, so one order for the cluster) are the
 * events' ids; each entry is announced on `{prefix}nyx:content:{gameId}`. Every RedisHub holds one
 * pattern subscription to those channels and fans the events out to its local listeners. Pub/sub
 * drops what arrives while a subscriber is disconnected, so after a reconnect the hub reads what its
 * subscribed games missed from their streams before delivering anything newer.
 */
export class RedisHub implements ContentHub {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly fanOut = new EventFanOut();
  private readonly channelPrefix: string;
  private readonly streamPrefix: string;
  private readonly logLength: number;
  private readonly logIdleMs: number;
  private readonly listening: Promise<void>;
  /** The newest id delivered per game with local listeners: what a catch-up starts after. */
  private readonly delivered = new Map<string, EventId>();
  /** Announcements held back while a game catches up, delivered after what it missed. */
  private readonly heldBack = new Map<string, LoggedEvent[]>();

  constructor(options: RedisHubOptions) {
    const prefix = options.keyPrefix ?? '';
    this.channelPrefix = `${prefix}nyx:content:`;
    this.streamPrefix = `${prefix}nyx:events:`;
    this.logLength = options.logLength ?? DEFAULT_LOG_LENGTH;
    this.logIdleMs = options.logIdleMs ?? DEFAULT_LOG_IDLE_MS;
    this.publisher = createRedis(options.url, 'cache');
    // Named, so an operator (or a test) can tell the hub's subscription apart in CLIENT LIST.
    this.subscriber = createRedis(options.url, 'subscriber', { connectionName: `${prefix}nyx-hub-subscriber` });
    this.subscriber.on('pmessage', (_pattern: string, channel: string, message: string) => this.announced(channel, message));
    // The subscriber role queues commands while offline and re-subscribes after a reconnect.
    this.listening = this.subscriber.psubscribe(`${this.channelPrefix}*`).then(
      () => undefined,
      (error: unknown) => log.error({ err: error }, 'content hub could not subscribe'),
    );
    this.subscriber.on('ready', () => void this.catchUp());
  }

  /** Resolves once this hub both publishes and receives events from other processes. */
  async whenReady(): Promise<void> {
    await Promise.all([this.listening, redisReady(this.publisher)]);
  }

  async publish(event: ContentEvent): Promise<void> {
    try {
      await this.publisher.eval(
        APPEND_AND_ANNOUNCE,
        1,
        this.streamPrefix + event.gameId,
        this.channelPrefix + event.gameId,
        this.logLength,
        this.logIdleMs,
        JSON.stringify(event),
      );
    } catch (error) {
      log.error({ err: error, gameId: event.gameId, kind: event.kind, id: event.id }, 'content event not published');
    }
  }

  subscribe(gameId: string, listener: LoggedEventListener): () => void {
    const stop = this.fanOut.subscribe(gameId, listener);
    return () => {
      stop();
      if (!this.fanOut.hasListeners(gameId)) this.delivered.delete(gameId);
    };
  }

  subscribeAll(listener: LoggedEventListener): () => void {
    return this.fanOut.subscribeAll(listener);
  }

  async readAfter(gameId: string, after: EventId): Promise<LoggedEvent[]> {
    // Newest first and counted, so a client far behind costs one bounded read; then oldest first.
    const entries = (await this.publisher.xrevrange(
      this.streamPrefix + gameId,
      '+',
      `(${after.toString()}`,
      'COUNT',
      this.logLength,
    )) as StreamEntry[];
    const logged: LoggedEvent[] = [];
    for (const [id, fields] of entries.reverse()) {
      const parsed = this.parse(id, fields[1] ?? '');
      if (parsed) logged.push(parsed);
    }
    return logged;
  }

  async close(): Promise<void> {
    this.fanOut.clear();
    // QUIT ends the subscription too; an explicit PUNSUBSCRIBE would wait forever while Redis is down.
    await Promise.all([closeRedis(this.subscriber), closeRedis(this.publisher)]);
  }

  private announced(channel: string, message: string): void {
    const space = message.indexOf(' ');
    const logged = this.parse(message.slice(0, space), message.slice(space + 1));
    if (!logged) {
      log.error({ channel }, 'unreadable content event ignored');
      return;
    }
    const held = this.heldBack.get(logged.event.gameId);
    if (held) held.push(logged);
    else this.deliver(logged);
  }

  /** Delivers each event once, in id order: a catch-up and a live announcement may carry the same one. */
  private deliver(logged: LoggedEvent): void {
    const gameId = logged.event.gameId;
    const last = this.delivered.get(gameId);
    if (last && !logged.id.isAfter(last)) return;
    if (this.fanOut.hasListeners(gameId)) this.delivered.set(gameId, logged.id);
    this.fanOut.emit(logged);
  }

  private async catchUp(): Promise<void> {
    await Promise.all(
      [...this.delivered].map(async ([gameId, last]) => {
        this.heldBack.set(gameId, []);
        try {
          for (const missed of await this.readAfter(gameId, last)) this.deliver(missed);
        } catch (error) {
          log.warn({ err: error, gameId }, 'could not read the live events missed while disconnected');
        } finally {
          const held = this.heldBack.get(gameId) ?? [];
          this.heldBack.delete(gameId);
          for (const logged of held) this.deliver(logged);
        }
      }),
    );
  }

  private parse(id: string, json: string): LoggedEvent | undefined {
    const eventId = EventId.parse(id);
    try {
      return eventId ? { id: eventId, event: JSON.parse(json) as ContentEvent } : undefined;
    } catch {
      return undefined;
    }
  }
}
