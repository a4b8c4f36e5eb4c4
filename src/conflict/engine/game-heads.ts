import type { SQL } from 'drizzle-orm';
import type { Cache } from '../../runtime/cache/cache.js';
import { isLockBusy, type Locks } from '../../runtime/locks/locks.js';
import { cacheKeys } from '../domain/cache-contract.js';
import type { ContentItemView } from './game-state.js';
import type { GameRecord } from '../store/game-snapshot.js';
import type { ContentSettlement, GameStore } from '../store/game-store.js';
import { GameLanes } from './game-lanes.js';
import { contentItemView, type ContentRow } from './content-feed.js';
import { unchangedFeed, withReadyItems, withSettledItems, writeChronicleThrough, type FeedChange } from './state-view.js';

/**
 * Seconds a cached head lives. Every writer moves it on as it commits, so the TTL only bounds how
 * long a writer that died between its commit and its cache write can leave the previous version on
 * show (the next write to the game, or this TTL, heals it): one read of the game row per game and
 * TTL at most.
 */
const HEAD_TTL_SECONDS = 60;
/** Long enough for one primary-key read on a loaded machine; a holder that dies frees it by then. */
const REBUILD_LOCK_TTL_MS = 2_000;

/**
 * What a slow-path job lands with a version move: its own statements (planned moves, a profile),
 * run in the same statement, and how its writes changed the feed window (undefined when it does
 * not know: that version's chronicle is then read from the database).
 */
export interface JobWrites {
  writes?: readonly SQL[];
  change?: FeedChange | undefined;
}

/**
 * The game row (version, entities version, scenario, seed, token hash) in the cache, written
 * through by every writer — the hot path's saves and the slow path's version bumps alike — so a
 * request learns whether anything changed without a statement.
 *
 * Writers finish out of order across processes, so a head only ever moves forward
 * (`setJsonIfNewer`, by version): a late writer never puts an older version back. Only a save that
 * won its compare-and-set writes a head; a save that lost reads the row again (`refresh`), since
 * losing means the cached head was behind. A missing head (a flushed or evicted cache) is rebuilt
 * from the database once: one request per process reads the row while the others of that process
 * wait for it, and across processes under a lock; a process that finds the lock held reads the row
 * for itself without writing it.
 *
 * Every writer writes the new version's chronicle before the new head: whoever reads a head finds
 * its feed window cached, not a moment before it is written.
 *
 * A slow-path version move writes the new version's chronicle from the previous one's, so this
 * process's moves of one game run one at a time: two jobs finishing together would otherwise each
 * look for the other's chronicle before it is written, and the next sync would rebuild it from the
 * database. Moves from other processes can still interleave; the rebuild then heals it.
 */
export class GameHeads {
  private readonly rebuilding = new Map<string, Promise<GameRecord | undefined>>();
  private readonly versionMoves = new GameLanes();

  constructor(
    private readonly store: GameStore,
    private readonly cache: Cache,
    private readonly locks: Locks,
  ) {}

  async read(gameId: string): Promise<GameRecord | undefined> {
    const cached = await this.cache.getJson<GameRecord>(cacheKeys.head(gameId));
    if (cached) return cached;
    let rebuild = this.rebuilding.get(gameId);
    if (!rebuild) {
      rebuild = this.rebuild(gameId).finally(() => this.rebuilding.delete(gameId));
      this.rebuilding.set(gameId, rebuild);
    }
    return rebuild;
  }

  /** The row as the database has it now, written to the cache: after a lost compare-and-set. */
  async refresh(gameId: string): Promise<GameRecord | undefined> {
    const game = await this.store.findGame(gameId);
    if (game) await this.advance(game);
    return game;
  }

  /** Writes a head a writer just committed, unless the cache already holds this version or a later one. */
  async advance(game: GameRecord): Promise<void> {
    await this.cache.setJsonIfNewer(cacheKeys.head(game.id), game, game.version, HEAD_TTL_SECONDS);
  }

  /**
   * A slow-path result: settles generating feed items of one game and moves the version on once, in
   * one statement with the job's `writes`, then writes the new version's feed (the items settled,
   * after the job's own `change`), and the new head, through. Undefined when every item was already
   * settled (nothing changed); the job's writes land all the same.
   */
  settleContents(
    gameId: string,
    settlements: ReadonlyArray<{ id: string; change: ContentSettlement }>,
    job: JobWrites = { change: unchangedFeed },
  ): Promise<{ items: ContentItemView[]; version: number } | undefined> {
    return this.versionMoves.run(gameId, async () => {
      const settled = await this.store.settleContents(settlements, job.writes);
      if (!settled) return undefined;
      const { items, game } = settled;
      // A canon item lands with the canon record its job wrote just before, which the previous
      // version's chronicle lacks: that version's chronicle is read from the database instead.
      const change = items.some((item) => item.kind === 'canon') ? undefined : job.change;
      await this.moveHead(game, change && ((content) => withSettledItems(items)(change(content))));
      return { items, version: game.version };
    });
  }

  /**
   * Moves the version on in the database (the slow path's results), in one statement with the job's
   * `writes`, and writes the new head through; with `change`, the new version's chronicle too.
   */
  async bumpVersion(gameId: string, job: JobWrites = {}): Promise<number> {
    return (await this.addReady(gameId, [], job)).version;
  }

  /**
   * Adds feed items ready at once (lines nobody was waiting for: gossip, an alliance, a reference)
   * and moves the version on, in one statement with the job's `writes`; an item whose `sourceKey` the
   * feed already holds is left out, so a redelivered job adds nothing twice. Writes the new version's
   * chronicle (the job's `change`, then the items added) and its head through. Version 0 when the
   * game is gone.
   */
  addReady(gameId: string, rows: readonly ContentRow[], job: JobWrites = {}): Promise<{ version: number; added: ContentItemView[] }> {
    return this.versionMoves.run(gameId, async () => {
      const moved = await this.store.bumpVersion(gameId, { writes: job.writes ?? [], added: rows });
      if (!moved) return { version: 0, added: [] };
      const added = rows.filter((row) => moved.addedIds.has(row.id)).map(contentItemView);
      const { change } = job;
      await this.moveHead(moved.game, change && (added.length === 0 ? change : (content) => withReadyItems(added)(change(content))));
      return { version: moved.game.version, added };
    });
  }

  /** The new version's chronicle (when its change is known), then its head: see the class comment. */
  private async moveHead(game: GameRecord, change: FeedChange | undefined): Promise<void> {
    if (change)
      await writeChronicleThrough(this.cache, { gameId: game.id, fromVersion: game.version - 1, toVersion: game.version }, change);
    await this.advance(game);
  }

  private async rebuild(gameId: string): Promise<GameRecord | undefined> {
    const lock = await this.locks.tryLock(cacheKeys.headLock(gameId), REBUILD_LOCK_TTL_MS);
    if (isLockBusy(lock)) return this.store.findGame(gameId);
    try {
      return await this.refresh(gameId);
    } finally {
      await lock.release();
    }
  }
}
