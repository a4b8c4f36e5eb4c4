import { EventEmitter } from 'node:events';
import { logger } from '../../observability/logger.js';
import type { ContentEvent, ContentHub } from './content-hub.js';

const log = logger.child({ module: 'content-hub' });

const EVERY_GAME = 'all';
const topicOf = (gameId: string) => `game:${gameId}`;

/** Content events within one process: an EventEmitter with one topic per game and one for all. */
export class InProcessHub implements ContentHub {
  private readonly emitter = new EventEmitter();

  constructor() {
    // Every open live-update stream is a listener; hundreds are normal, not a leak.
    this.emitter.setMaxListeners(0);
  }

  async publish(event: ContentEvent): Promise<void> {
    this.emitter.emit(topicOf(event.gameId), event);
    this.emitter.emit(EVERY_GAME, event);
  }

  subscribe(gameId: string, listener: (event: ContentEvent) => void): () => void {
    return this.listen(topicOf(gameId), listener);
  }

  subscribeAll(listener: (event: ContentEvent) => void): () => void {
    return this.listen(EVERY_GAME, listener);
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }

  /** A throwing listener must neither break publish nor starve the listeners after it. */
  private listen(topic: string, listener: (event: ContentEvent) => void): () => void {
    const isolated = (event: ContentEvent) => {
      try {
        listener(event);
      } catch (error) {
        log.error({ err: error, gameId: event.gameId, kind: event.kind }, 'content event listener failed');
      }
    };
    this.emitter.on(topic, isolated);
    return () => this.emitter.off(topic, isolated);
  }
}
