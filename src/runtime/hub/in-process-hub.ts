import { LRUCache } from 'lru-cache';
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

export interface InProcessHubOptions {
  /** Events kept per game for replay. Default 200. */
  logLength?: number;
  /** A game's log is dropped this long after its last event. Default 1 hour. */
  logIdleMs?: number;
}

/** Games whose logs are kept at once; the least recently published-to go first beyond it. */
const MAX_LOGGED_GAMES = 10_000;

/**
 * Content events within one process: an EventEmitter fan-out and, per game, a capped in-memory log.
 * Ids come from the clock (`<ms>-<seq>`), so ids issued after a restart are larger than any a client
 * saw before it: a stale Last-Event-ID then replays the whole (new) log.
 */
export class InProcessHub implements ContentHub {
  private readonly fanOut = new EventFanOut();
  private readonly logs: LRUCache<string, LoggedEvent[]>;
  private readonly logLength: number;
  private lastId = EventId.ZERO;

  constructor(options: InProcessHubOptions = {}) {
    this.logLength = options.logLength ?? DEFAULT_LOG_LENGTH;
    this.logs = new LRUCache({ max: MAX_LOGGED_GAMES, ttl: options.logIdleMs ?? DEFAULT_LOG_IDLE_MS, ttlAutopurge: false });
  }

  async publish(event: ContentEvent): Promise<void> {
    this.lastId = EventId.next(this.lastId, Date.now());
    const logged = { id: this.lastId, event };
    const log = this.logs.get(event.gameId) ?? [];
    log.push(logged);
    if (log.length > this.logLength) log.shift();
    this.logs.set(event.gameId, log);
    this.fanOut.emit(logged);
  }

  subscribe(gameId: string, listener: LoggedEventListener): () => void {
    return this.fanOut.subscribe(gameId, listener);
  }

  subscribeAll(listener: LoggedEventListener): () => void {
    return this.fanOut.subscribeAll(listener);
  }

  async readAfter(gameId: string, after: EventId): Promise<LoggedEvent[]> {
    return (this.logs.get(gameId) ?? []).filter((logged) => logged.id.isAfter(after));
  }

  async close(): Promise<void> {
    this.fanOut.clear();
    this.logs.clear();
  }
}
