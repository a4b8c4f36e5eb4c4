import type { Cache } from '../../runtime/cache/cache.js';
import { cacheKeys } from '../domain/cache-contract.js';
import type { GameStore } from '../store/game-store.js';
import { GameSnapshot, type StoredSnapshot } from '../store/game-snapshot.js';

/**
 * Read-through cache of a game's entities, so a request costs one indexed read of the game row
 * instead of six. The hot path is the only writer of what the hot path reads (the slow path writes
 * just a stakeholder's enriched profile, which no handler reads), and every hot-path save bumps the
 * game's `entities_version`; a cached snapshot is used only while its version matches the row's, so
 * a failed cache write or another web process's save can never serve stale entities.
 */
const SNAPSHOT_TTL_SECONDS = 3600;

export class SnapshotCache {
  constructor(
    private readonly store: GameStore,
    private readonly cache: Cache,
  ) {}

  async load(gameId: string): Promise<GameSnapshot | undefined> {
    const game = await this.store.findGame(gameId);
    if (!game) return undefined;
    const stored = await this.cache.getJson<StoredSnapshot>(cacheKeys.snapshot(gameId));
    if (stored && stored.entitiesVersion === game.entitiesVersion) return GameSnapshot.fromStored(game, stored);
    return this.store.loadEntities(game);
  }

  /** Writes the snapshot back only when the cache is behind it: most state syncs change nothing. */
  async remember(snapshot: GameSnapshot): Promise<void> {
    if (!snapshot.needsCaching) return;
    if (await this.cache.setJson(cacheKeys.snapshot(snapshot.game.id), snapshot.toStored(), SNAPSHOT_TTL_SECONDS)) snapshot.markCached();
  }
}
