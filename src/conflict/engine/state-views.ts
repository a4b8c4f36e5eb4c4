import { LRUCache } from 'lru-cache';
import type { GameState, StateSync } from './game-state.js';

/**
 * Games whose latest view a process keeps. A player reads the version they just moved to, so one
 * or two views per live game; 10 KB each.
 */
const KEPT_VIEWS = 2_000;

interface View {
  state: GameState;
  tag: string;
  /** Serialized on the first sync that needs the text, then reused by every other. */
  body?: string;
}

/**
 * Each version of a game's state, built and serialized once per process: a version is fixed at its
 * first build (its feed, canon, tension, cost), so every later request for it is answered from
 * here, and a client that already has it gets no body at all (`tag`, answered as ETag /
 * If-None-Match). Degraded mode shows in the state, so it is part of the view's identity.
 */
export class StateViews {
  private readonly views = new LRUCache<string, View>({ max: KEPT_VIEWS });

  /** The state of `gameId` at `version`, built by `build` unless this process built it already. */
  async state(gameId: string, version: number, degraded: boolean, build: () => Promise<GameState>): Promise<GameState> {
    return (await this.view(gameId, version, degraded, build)).state;
  }

  /** A sync's answer: nothing when `knownTag` is the current one, else the serialized state. */
  async sync(
    gameId: string,
    version: number,
    degraded: boolean,
    knownTag: string | undefined,
    build: () => Promise<GameState>,
  ): Promise<StateSync> {
    const unchanged = knownTag === undefined ? undefined : notModified(version, degraded, knownTag);
    if (unchanged) return unchanged;
    const tag = stateTag(version, degraded);
    const view = await this.view(gameId, version, degraded, build);
    view.body ??= JSON.stringify(view.state);
    return { tag, body: view.body, state: view.state };
  }

  private async view(gameId: string, version: number, degraded: boolean, build: () => Promise<GameState>): Promise<View> {
    const key = `${gameId}:${stateTag(version, degraded)}`;
    const kept = this.views.get(key);
    if (kept) return kept;
    const view: View = { state: await build(), tag: stateTag(version, degraded) };
    this.views.set(key, view);
    return view;
  }
}

/**
 * A weak entity tag: two processes may build the same version a moment apart (its cost can differ
 * by a call still being billed), equal for everything the player reads.
 */
export function stateTag(version: number, degraded: boolean): string {
  return `W/"${version}${degraded ? '-degraded' : ''}"`;
}

/** The answer to a client whose If-None-Match holds the tag of `version`; undefined when it holds another. */
export function notModified(version: number, degraded: boolean, knownTag: string): StateSync | undefined {
  const tag = stateTag(version, degraded);
  return matchesTag(knownTag, tag) ? { tag, notModified: true } : undefined;
}

/** If-None-Match: a list of tags, or `*`; compared weakly (a GET may answer 304 on a weak match). */
function matchesTag(header: string, tag: string): boolean {
  const opaque = tag.replace(/^W\//, '');
  return header
    .split(',')
    .map((candidate) => candidate.trim())
    .some((candidate) => candidate === '*' || candidate.replace(/^W\//, '') === opaque);
}
