import { EventEmitter } from 'node:events';
import { logger } from '../../observability/logger.js';
import type { LoggedEvent, LoggedEventListener } from './content-hub.js';

const log = logger.child({ module: 'content-hub' });

const EVERY_GAME = 'all';
const topicOf = (gameId: string) => `game:${gameId}`;

/** Delivers logged events to this process's listeners: one EventEmitter topic per game and one for all. */
export class EventFanOut {
  private readonly emitter = new EventEmitter();

  constructor() {
    // Every open live-update stream is a listener; hundreds are normal, not a leak.
    this.emitter.setMaxListeners(0);
  }

  emit(logged: LoggedEvent): void {
    this.emitter.emit(topicOf(logged.event.gameId), logged);
    this.emitter.emit(EVERY_GAME, logged);
  }

  subscribe(gameId: string, listener: LoggedEventListener): () => void {
    return this.listen(topicOf(gameId), listener);
  }

  subscribeAll(listener: LoggedEventListener): () => void {
    return this.listen(EVERY_GAME, listener);
  }

  hasListeners(gameId: string): boolean {
    return this.emitter.listenerCount(topicOf(gameId)) > 0;
  }

  clear(): void {
    this.emitter.removeAllListeners();
  }

  /** A throwing listener must neither break delivery nor starve the listeners after it. */
  private listen(topic: string, listener: LoggedEventListener): () => void {
    const isolated = (logged: LoggedEvent) => {
      try {
        listener(logged);
      } catch (error) {
        log.error({ err: error, gameId: logged.event.gameId, kind: logged.event.kind }, 'content event listener failed');
      }
    };
    this.emitter.on(topic, isolated);
    return () => this.emitter.off(topic, isolated);
  }
}
