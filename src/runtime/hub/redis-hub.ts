import type { Redis } from 'ioredis';
import { logger } from '../../observability/logger.js';
import { closeRedis, redisReady } from '../redis/connection.js';
import { createRedis } from '../redis/connection.js';
import type { ContentEvent, ContentHub } from './content-hub.js';
import { InProcessHub } from './in-process-hub.js';

const log = logger.child({ module: 'content-hub' });

export interface RedisHubOptions {
  url: string;
  /** Prepended to every channel, so several deployments (or tests) can share one Redis. */
  keyPrefix?: string;
}

/**
 * Content events across processes. Each event is published as JSON on `{prefix}nyx:content:{gameId}`;
 * every RedisHub holds one pattern subscription to all those channels and fans the events out to its
 * local listeners, so a worker's event reaches every web process. Pub/sub is fire-and-forget: an
 * event published while a process is not subscribed is not replayed to it.
 */
export class RedisHub implements ContentHub {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly local = new InProcessHub();
  private readonly channelPrefix: string;
  private readonly listening: Promise<void>;

  constructor(options: RedisHubOptions) {
    this.channelPrefix = `${options.keyPrefix ?? ''}nyx:content:`;
    this.publisher = createRedis(options.url, 'cache');
    this.subscriber = createRedis(options.url, 'subscriber');
    this.subscriber.on('pmessage', (_pattern: string, channel: string, message: string) => this.deliver(channel, message));
    // The subscriber role queues commands while offline and re-subscribes after a reconnect.
    this.listening = this.subscriber.psubscribe(`${this.channelPrefix}*`).then(
      () => undefined,
      (error: unknown) => log.error({ err: error }, 'content hub could not subscribe'),
    );
  }

  /** Resolves once this hub both publishes and receives events from other processes. */
  async whenReady(): Promise<void> {
    await Promise.all([this.listening, redisReady(this.publisher)]);
  }

  async publish(event: ContentEvent): Promise<void> {
    try {
      await this.publisher.publish(this.channelPrefix + event.gameId, JSON.stringify(event));
    } catch (error) {
      log.error({ err: error, gameId: event.gameId, kind: event.kind, id: event.id }, 'content event not published');
    }
  }

  subscribe(gameId: string, listener: (event: ContentEvent) => void): () => void {
    return this.local.subscribe(gameId, listener);
  }

  subscribeAll(listener: (event: ContentEvent) => void): () => void {
    return this.local.subscribeAll(listener);
  }

  async close(): Promise<void> {
    await this.local.close();
    // QUIT ends the subscription too; an explicit PUNSUBSCRIBE would wait forever while Redis is down.
    await Promise.all([closeRedis(this.subscriber), closeRedis(this.publisher)]);
  }

  private deliver(channel: string, message: string): void {
    try {
      void this.local.publish(JSON.parse(message) as ContentEvent);
    } catch (error) {
      log.error({ err: error, channel }, 'unreadable content event ignored');
    }
  }
}
