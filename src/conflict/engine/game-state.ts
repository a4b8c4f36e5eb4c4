import type { GameCost } from '../../runtime/spend/budget.js';
import type { ChoiceType } from '../domain/choice.js';

/** What a feed item is about, so the UI can place it. */
export interface ContentSubject {
  npcId?: number;
  conflictId?: number;
  npcName?: string;
  /** What an NPC said, without the speaker's name (a canon reference). */
  quote?: string;
}

/**
 * The player-facing read model: what `GET /state` returns and every mutating call answers with.
 * One type per stored/cached result lives in src/conflict/domain; this is the view built from them.
 */

export type ContentStatus = 'ready' | 'generating' | 'failed';
export type ContentOrigin = 'generated' | 'fallback';
export type ContentKind =
  | 'action'
  | 'reaction'
  | 'narration'
  | 'beat'
  | 'gossip'
  | 'reputation'
  | 'alliance'
  | 'canon'
  | 'reference'
  | 'manifestation'
  | 'escalation'
  | 'profile'
  | 'role';

export interface ContentItemView {
  id: string;
  kind: ContentKind;
  status: ContentStatus;
  origin: ContentOrigin;
  /** The generated text once ready; the fallback text while generating or after a failure. */
  text: string;
  fallbackText: string;
  subject: ContentSubject;
  createdAt: string;
  /** The game state version the content was made for. */
  stateVersion: number;
}

export interface NpcView {
  id: number;
  key: string;
  name: string;
  description: string;
  socialRole: string;
  traits: string[];
  behavior: string;
  stress: number;
  reputation: Record<string, number>;
}

export interface StakeholderView {
  id: number;
  npcId: number;
  name: string;
  role: string;
  decisionStyle: string;
  stress: number;
  commitment: number;
  behavior: string;
}

export interface ConflictView {
  id: number;
  title: string;
  type: string;
  description: string;
  status: 'active' | 'resolved';
  phase: string;
  pacing: string;
  intensity: number;
  momentum: number;
  phaseProgress: number;
  stakeholders: StakeholderView[];
}

export interface ChoiceView {
  id: string;
  label: string;
  type: ChoiceType;
  targetNpcId?: number;
  conflictId?: number;
}

export interface CanonView {
  conflictId: number;
  name: string;
  text: string;
  significance: number;
  status: ContentStatus;
}

/** The scene's ambient pressure: its level, 0–1 score and a line of atmosphere. */
export interface TensionView {
  level: string;
  score: number;
  atmosphere: string;
  status: ContentStatus;
}

/**
 * Parts of the player's state that a subsystem writes, by field. A subsystem that adds a field of
 * its own declares it here by declaration merging (`declare module` on this file), optional, so the
 * state stays valid without it.
 */
export interface StateContributions {
  tension: TensionView;
}

export interface GameState extends StateContributions {
  gameId: string;
  version: number;
  degraded: boolean;
  /** What the game has spent on models so far; once `exhausted`, new content is rule-written only. */
  cost: GameCost;
  scenario: { id: string; title: string };
  player: { name?: string; role?: string; intro: string };
  scene: {
    location: { id: string; name: string; description: string };
    npcs: NpcView[];
  };
  conflicts: ConflictView[];
  choices: ChoiceView[];
  content: ContentItemView[];
  canon: CanonView[];
}

/** A page of a game's whole story, newest first. */
export interface FeedPage {
  items: ContentItemView[];
  /** The cursor of the next (older) page, or null when this page reaches the start of the story. */
  next: string | null;
}

export interface ChoiceOutcome {
  choiceId: string;
  label: string;
  text: string;
  reactionsDispatched: number;
}

export interface ScenarioSummary {
  id: string;
  title: string;
  summary: string;
}

/**
 * A state sync as the HTTP API answers it: the state's entity tag, and either the serialized state
 * or, when the caller already holds that tag, nothing.
 */
export type StateSync = { tag: string; notModified: true } | { tag: string; body: string; state: GameState };

/** The engine's API, used by the HTTP server, the benchmark and library users. */
export interface GameApi {
  listScenarios(): Promise<ScenarioSummary[]>;
  createGame(input: { scenario: string; seed?: number }): Promise<{ gameId: string; token: string; state: GameState }>;
  /** Constant-time check of a bearer token against the game's stored hash. Unknown game → false. */
  authorize(gameId: string, token: string): Promise<'ok' | 'unknown_game' | 'forbidden'>;
  getState(gameId: string): Promise<GameState>;
  /**
   * The state sync with its entity tag: `knownTag` (an If-None-Match value) that names the current
   * version gets `notModified` and no body.
   */
  syncState(gameId: string, knownTag?: string): Promise<StateSync>;
  /**
   * The story read back a page at a time, newest first: `before` is the `next` cursor of the page
   * read last (none for the newest page); `limit` items at most. A cursor this game did not hand
   * out is a 400 naming `before`. (The HTTP route answers 404 for an unknown game before asking.)
   */
  readFeed(gameId: string, page: { before?: string; limit: number }): Promise<FeedPage>;
  makeChoice(gameId: string, choiceId: string): Promise<{ outcome: ChoiceOutcome; state: GameState }>;
  createConflict(
    gameId: string,
    input: { type: string; npcIds: number[]; title?: string },
  ): Promise<{ conflict: ConflictView; state: GameState }>;
  resolveConflict(gameId: string, conflictId: number, input: { outcome: string; winnerNpcIds?: number[] }): Promise<{ state: GameState }>;
}
