import { createHash } from 'node:crypto';

/**
 * Hashes that name a scene, a decision context or a piece of content in cache keys and rows.
 * Every hash is the first 16 hex characters of a SHA-256: short in a key, and 64 bits do not
 * collide at the scale of a game.
 */

const HASH_LENGTH = 16;

function sha256Prefix(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, HASH_LENGTH);
}

/**
 * JSON with object keys sorted at every depth, so equal values hash equally whatever order their
 * keys were written in. Undefined members are dropped and undefined array items become null, as
 * JSON.stringify does. Compact separators: these hashes need not match any other implementation's.
 */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const withToJson = value as { toJSON?: () => unknown };
  if (typeof withToJson.toJSON === 'function') return stableStringify(withToJson.toJSON());
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const members = Object.entries(value)
    .filter(([, member]) => member !== undefined && typeof member !== 'function')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, member]) => `${JSON.stringify(key)}:${stableStringify(member)}`);
  return `{${members.join(',')}}`;
}

/** Hash of a whole payload (the social subsystem hashes the entire STATE_SYNC payload). */
export function sceneHash(payload: unknown): string {
  return sha256Prefix(stableStringify(payload));
}

/** Hash of free text, e.g. the content of a lore check (`lore_check:{category}:{hash}`). */
export function contentHash(text: string): string {
  return sha256Prefix(text);
}

function hashOfKeys(source: Record<string, unknown>, keys: readonly string[]): string {
  const present = Object.fromEntries(keys.filter((key) => source[key] !== undefined).map((key) => [key, source[key]]));
  return sceneHash(present);
}

export interface DecisionContext {
  scene_id?: unknown;
  sceneId?: unknown;
  conflict_id?: unknown;
  stakeholder_ids?: unknown;
  phase?: unknown;
  [other: string]: unknown;
}

export const CONTEXT_HASH_KEYS = ['scene_id', 'conflict_id', 'stakeholder_ids', 'phase'] as const;

/**
 * The decision-context hash of a planned stakeholder action: only the four keys that decide
 * whether a planned action still fits, so unrelated context does not defeat reuse. `sceneId` is
 * read as `scene_id`, so callers on either naming convention share one hash.
 */
export function contextHash(context: DecisionContext): string {
  const scene_id = context.scene_id !== undefined ? context.scene_id : context.sceneId;
  return hashOfKeys({ ...context, scene_id }, CONTEXT_HASH_KEYS);
}

export const TENSION_SCENE_KEYS = ['scene_id', 'location', 'npcs_present', 'conflict_ids'] as const;

/** The tension bundle's scene hash covers only what shapes the mood of a scene. */
export function tensionSceneHash(scene: Record<string, unknown>): string {
  return hashOfKeys(scene, TENSION_SCENE_KEYS);
}
