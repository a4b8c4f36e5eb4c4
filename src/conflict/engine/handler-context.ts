import type { Cache } from '../../runtime/cache/cache.js';
import type { Locks } from '../../runtime/locks/locks.js';
import type { Scenario } from '../scenarios/schema.js';
import type { Random } from '../domain/random.js';
import type { PlannedActions } from '../store/planned-actions.js';
import type { ContentFeed } from './content-feed.js';
import type { GameStore } from '../store/game-store.js';
import type { GameSnapshot } from '../store/game-snapshot.js';
import type { DispatchScope } from './task-dispatcher.js';

/**
 * What a hot-path handler may use: the request's game snapshot, fast stores, and the dispatcher.
 * No gateway, no model — by construction (and `nyx guard` checks it).
 */
export interface HandlerContext {
  readonly snapshot: GameSnapshot;
  readonly store: GameStore;
  readonly feed: ContentFeed;
  readonly planned: PlannedActions;
  readonly cache: Cache;
  readonly locks: Locks;
  /** The slow work this request asks for, sent once its writes commit. */
  readonly scope: DispatchScope;
  /** The game's scenario: its conflicts' own endings. Undefined for a game whose scenario is gone. */
  readonly scenario: Scenario | undefined;
  /** The rules' dice for this request (`Math.random` unless the engine was given its own). */
  readonly random: Random;
  readonly now: () => number;
}
