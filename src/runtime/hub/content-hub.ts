import type { EventId } from './event-id.js';

/**
 * Content events: whenever a slow-path task stores (or fails to store) player-visible content it
 * publishes one, and the server's live updates fan them out. Each game's events also go into a
 * capped, ordered log, so a live-update client that reconnects to any web process replays exactly
 * what it missed. InProcessHub (EventEmitter and an in-memory log) when embedded; RedisHub (a Redis
 * stream per game, announced over pub/sub) when distributed, so an event published by a worker
 * process reaches every web process with the same id.
 */
export interface ContentEvent {
  gameId: string;
  /** Content kind: action, reaction, narration, beat, gossip, reputation, canon, references, ... */
  kind: string;
  /** The content item's id (stable across generating → ready/failed). */
  id: string;
  status: 'ready' | 'generating' | 'failed';
  origin: 'generated' | 'fallback';
  [extra: string]: unknown;
}

/** A content event as its game's log holds it; ids increase within a game, on every process. */
export interface LoggedEvent {
  id: EventId;
  event: ContentEvent;
}

export type LoggedEventListener = (logged: LoggedEvent) => void;

export interface ContentHub {
  /** Appends the event to its game's log and delivers it to every subscriber of the game. */
  publish(event: ContentEvent): Promise<void>;
  /** Listens to one game's events, in log order; returns the unsubscribe function. */
  subscribe(gameId: string, listener: LoggedEventListener): () => void;
  /** Listens to every game's events (tests, diagnostics). */
  subscribeAll(listener: LoggedEventListener): () => void;
  /**
   * The game's logged events after `after`, oldest first. An id older than the log's oldest
   * retained event gives the whole retained log; the log keeps the last `logLength` events per game.
   */
  readAfter(gameId: string, after: EventId): Promise<LoggedEvent[]>;
  close(): Promise<void>;
}

/** Events each game's log keeps for replay by default: several minutes of a busy game. */
export const DEFAULT_LOG_LENGTH = 200;
/** How long a game's log outlives its last event by default: covers any client's reconnect. */
export const DEFAULT_LOG_IDLE_MS = 60 * 60_000;
