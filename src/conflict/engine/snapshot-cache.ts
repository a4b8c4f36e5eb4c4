import type { Cache } from '../../runtime/cache/cache.js';
import { cacheKeys } from '../domain/cache-contract.js';
import type { GameStore } from '../store/game-store.js';
import { GameSnapshot, type StoredSnapshot } from '../store/game-snapshot.js';
import type { GameHeads } from './game-heads.js';

/**
 * Read-through cache of a game's entities, so a request whose game did not change reads no
 * database at all: the game's head (its versions) comes from `GameHeads`, which every writer moves
 * on, and the entities from here. The hot path is the only writer of what the hot path reads (the
 * slow path writes just a stakeholder's enriched profile, which no handler reads), and every
 * hot-path save bumps the game's `entities_version`; a cached snapshot is used only while its
 * version matches the head's, so a failed cache write or another web process's save can never
 * serve stale entities.
 */
const SNAPSHOT_TTL_SECONDS = 3600;

export class SnapshotCache {
  constructor(
    private readonly store: GameStore,
    private readonly cache: Cache,
    private readonly heads: GameHeads,
  ) {}

  async load(gameId: string): Promise<GameSnapshot | undefined> {
    const game = await this.heads.read(gameId);
    if (!game) return undefined;
    return this.entitiesOf(game);
  }

  /**
   * The game's current snapshot when the cache holds the entities of its current head, with no
   * statement; undefined when it does not (or the game is gone), where `load` would read them.
   */
  async cached(gameId: string): Promise<GameSnapshot | undefined> {
    const game = await this.heads.read(gameId);
    const stored = game && (await this.storedFor(game));
    return stored && GameSnapshot.fromStored(game, stored);
  }

  /** After a lost compare-and-set: the head was behind, so read it from the database. */
  async reload(gameId: string): Promise<GameSnapshot | undefined> {
    const game = await this.heads.refresh(gameId);
    if (!game) return undefined;
    return this.entitiesOf(game);
  }

  /** Writes the snapshot back only when the cache is behind it: most state syncs change nothing. */
  async remember(snapshot: GameSnapshot): Promise<void> {
    if (!snapshot.needsCaching) return;
    if (await this.cache.setJson(cacheKeys.snapshot(snapshot.game.id), snapshot.toStored(), SNAPSHOT_TTL_SECONDS)) snapshot.markCached();
  }

  private async entitiesOf(game: GameSnapshot['game']): Promise<GameSnapshot> {
    const stored = await this.storedFor(game);
    return stored ? GameSnapshot.fromStored(game, stored) : this.store.loadEntities(game);
  }

  /** The cached entities, if they are those of `game`'s entities version. */
  private async storedFor(game: GameSnapshot['game']): Promise<StoredSnapshot | undefined> {
    const stored = await this.cache.getJson<StoredSnapshot>(cacheKeys.snapshot(game.id));
    return stored?.entitiesVersion === game.entitiesVersion ? stored : undefined;
  }
}
