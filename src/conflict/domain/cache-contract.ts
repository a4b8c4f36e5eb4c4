import type { CanonEventType } from './canon.js';
import type { StakeholderReaction } from './stakeholder.js';

/**
 * Every cache key of the conflict system with its TTL and the ONE type stored under it, shared by
 * the slow-path writer and the hot-path reader so they cannot disagree (a writer storing
 * `prose` where the reader looks for `text`, or `hash` where it looks for `scene_hash`, or a key the
 * hot path reads and no worker writes). Keys are namespaced per game; the key names
 * (`social_bundle:{hash}`, `conflict:{id}:beat:{beatId}`, …) follow the prefix.
 */

/** Seconds. */
export const CACHE_TTL = {
  socialBundle: 1800,
  tensionBundle: 1800,
  /** A bundle settled on its rule fallback after its task failed for good: short, so the model is asked again soon. */
  fallbackBundle: 300,
  manifestations: 1800,
  canonRecord: 3600,
  canonReferences: 12 * 3600,
  lorePlaceholder: 60,
  loreResult: 3600,
  /** Reactions written ahead of a choice: about as long as a player thinks, and a turn lasts. */
  reactionsAhead: 120,
} as const;

/** Milliseconds: the stampede guard of cache-first-with-lock. */
export const BUNDLE_LOCK_TTL_MS = 15_000;

const game = (gameId: string) => `game:${gameId}`;

export const cacheKeys = {
  /** Version labels bumped on a major state change; bundle keys are built on them. */
  sceneVersionLabels: (gameId: string) => [`${game(gameId)}:social_bundle`, `${game(gameId)}:tension_bundle`],
  socialBundleLabel: (gameId: string) => `${game(gameId)}:social_bundle`,
  /** Bumped by the slow path after every ready planned action it writes: the hot path claims only when it moved. */
  plannedActionsLabel: (gameId: string) => `${game(gameId)}:planned_actions`,
  tensionBundleLabel: (gameId: string) => `${game(gameId)}:tension_bundle`,
  /** A bundle key at a given version: `game:{id}:social_bundle:{hash}:v{n}`. */
  socialBundle: (gameId: string, sceneHash: string, version: number) => `${game(gameId)}:social_bundle:${sceneHash}:v${version}`,
  socialBundleLock: (gameId: string, sceneHash: string) => `${game(gameId)}:social_bundle:${sceneHash}:lock`,
  tensionBundle: (gameId: string, sceneHash: string, version: number) => `${game(gameId)}:tension_bundle:${sceneHash}:v${version}`,
  tensionBundleLock: (gameId: string, sceneHash: string) => `${game(gameId)}:tension_bundle:${sceneHash}:lock`,
  sceneGossipLock: (gameId: string, sceneHash: string) => `${game(gameId)}:gossip:${sceneHash}:lock`,
  manifestations: (gameId: string, sceneHash: string) => `${game(gameId)}:manifestations:${sceneHash}`,
  canonRecord: (gameId: string, conflictId: number) => `${game(gameId)}:canon:conflict:${conflictId}`,
  canonReferences: (gameId: string, conflictId: number) => `${game(gameId)}:canon:references:${conflictId}`,
  /** Reactions written ahead to one choice of one turn (a list of `AnticipatedReaction`), and the lock of asking for one stakeholder's. */
  reactionsAhead: (gameId: string, turn: number, choiceId: string) => `${game(gameId)}:reactions_ahead:t${turn}:${choiceId}`,
  reactionsAheadLock: (gameId: string, turn: number, choiceId: string, stakeholderId: number) =>
    `${game(gameId)}:reactions_ahead:t${turn}:${choiceId}:${stakeholderId}:lock`,
  loreCheck: (gameId: string, category: string, hash: string) => `${game(gameId)}:lore_check:${category}:${hash}`,
  /** The engine's own read models: the game's entities and, per state version, its feed and canon. */
  snapshot: (gameId: string) => `${game(gameId)}:snapshot`,
  /** The game row, written through by every writer (`GameHeads`), and the lock of its rebuild after a miss. */
  head: (gameId: string) => `${game(gameId)}:head`,
  headLock: (gameId: string) => `${game(gameId)}:head:lock`,
  chronicle: (gameId: string, version: number) => `${game(gameId)}:chronicle:v${version}`,
  /** The tension subsystem's memory: the last score it reported and when the scene last escalated. */
  tensionLastScore: (gameId: string) => `${game(gameId)}:tension:last_score`,
  tensionLastEscalation: (gameId: string) => `${game(gameId)}:tension:last_escalation_at`,
};

/**
 * What a cache read of a key is for, as `nyx_cache_requests_total` labels it:
 * - `generated`: a result the slow path writes for the hot path (bundles, narration, canon, lore);
 *   a miss means the player got a rule fallback while it is generated, so its hit rate is the one
 *   an operator watches;
 * - `read_model`: the engine's head, snapshot and chronicle caches; a miss is one database read;
 * - `bookkeeping`: version labels and the tension memory; a miss is their normal start.
 */
export type CacheKeyClass = 'generated' | 'read_model' | 'bookkeeping';

export function cacheKeyClass(key: string): CacheKeyClass {
  const inGame = key.replace(/^game:[^:]+:/, '');
  if (inGame === 'snapshot' || inGame === 'head' || inGame.startsWith('chronicle:')) return 'read_model';
  if (/^(social_bundle|tension_bundle|planned_actions)$/.test(inGame) || inGame.startsWith('tension:')) return 'bookkeeping';
  return 'generated';
}

/** A stakeholder's reaction written ahead of a choice, for the role it held then. */
export interface AnticipatedReaction {
  stakeholderId: number;
  role: string;
  reaction: StakeholderReaction;
  /** The line the feed shows, the name already in it. */
  text: string;
}

export interface CanonReference {
  npcId: number;
  npcName: string;
  text: string;
}

export interface CachedCanonRecord {
  canonId: number;
  eventType: CanonEventType;
  name: string;
  canonText: string | null;
  significanceScore: number;
  culturalImpact: string | null;
  createdAt: number;
}
