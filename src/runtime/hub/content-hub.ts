/**
 * Content events: whenever a slow-path task stores (or fails to store) player-visible content it
 * publishes one, and the server's live updates fan them out. InProcessHub (EventEmitter) when
 * embedded; RedisHub (pub/sub) when distributed, so an event published by a worker process reaches
 * every web process.
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

export interface ContentHub {
  publish(event: ContentEvent): Promise<void>;
  /** Listens to one game's events; returns the unsubscribe function. */
  subscribe(gameId: string, listener: (event: ContentEvent) => void): () => void;
  /** Listens to every game's events (metrics, tests, the bench). */
  subscribeAll(listener: (event: ContentEvent) => void): () => void;
  close(): Promise<void>;
}
