import { randomBytes, randomUUID } from 'node:crypto';
import { GameError, invalid, notFound, stale } from '../../src/conflict/engine/game-errors.js';
import type {
  ChoiceOutcome,
  ConflictView,
  FeedPage,
  GameApi,
  GameState,
  ScenarioSummary,
  StateSync,
} from '../../src/conflict/engine/game-state.js';
import { stateTag } from '../../src/conflict/engine/state-views.js';
import { assertModelCallAllowed } from '../../src/runtime/hot-path/hot-path.js';
import type { ContentHub } from '../../src/runtime/hub/content-hub.js';

export const SCENARIOS: ScenarioSummary[] = [
  { id: 'harbour', title: 'Harbour Dock Rights', summary: 'Who holds the quay when the fleet comes in?' },
  { id: 'court', title: 'Court of Succession', summary: 'The regent is dying; the heirs are smiling.' },
];

/** A scenario id that makes createGame fail the way a bug would (a plain Error, not a GameError). */
export const BUGGY_SCENARIO = 'bug';
/** A scenario id that makes createGame call a model, as a hot-path bug would. */
export const MODEL_CALL_SCENARIO = 'model-call';

const NPCS = [
  { id: 1, key: 'bram', name: 'Old Bram' },
  { id: 2, key: 'nell', name: 'Nell Cotter' },
  { id: 3, key: 'fen', name: 'Fenwick Ayre' },
];

interface FakeGame {
  token: string;
  scenario: ScenarioSummary;
  version: number;
  conflicts: ConflictView[];
  content: GameState['content'];
}

/**
 * An in-memory GameApi for the server's tests: two scenarios, tokens per game, choices that go
 * stale when the state moves on, and a content event on the hub for every choice made.
 */
export class FakeGameApi implements GameApi {
  readonly games = new Map<string, FakeGame>();
  /** Makes getState slow, to hold a request in flight. */
  stateDelayMs = 0;
  /** Makes createConflict slow, to hold a write in flight. */
  writeDelayMs = 0;

  constructor(private readonly hub: ContentHub) {}

  async listScenarios(): Promise<ScenarioSummary[]> {
    return SCENARIOS;
  }

  async createGame(input: { scenario: string; seed?: number }) {
    if (input.scenario === MODEL_CALL_SCENARIO) assertModelCallAllowed('scenario_intro');
    if (input.scenario === BUGGY_SCENARIO) throw new TypeError('cannot read properties of undefined (secret internals)');
    // As the real store does: the seed column is a PostgreSQL integer.
    if (input.seed !== undefined && !(Number.isInteger(input.seed) && input.seed >= 0 && input.seed <= 2 ** 31 - 1)) {
      throw new RangeError(`seed ${input.seed} is out of range for type integer`);
    }
    const scenario = SCENARIOS.find((s) => s.id === input.scenario);
    if (!scenario) throw invalid('scenario', `Unknown scenario "${input.scenario}"`);
    const gameId = randomUUID();
    const token = randomBytes(16).toString('hex');
    this.games.set(gameId, { token, scenario, version: 1, conflicts: [], content: [] });
    return { gameId, token, state: this.stateOf(gameId) };
  }

  async authorize(gameId: string, token: string) {
    const game = this.games.get(gameId);
    if (!game) return 'unknown_game' as const;
    return game.token === token ? ('ok' as const) : ('forbidden' as const);
  }

  async getState(gameId: string): Promise<GameState> {
    if (this.stateDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.stateDelayMs));
    return this.stateOf(gameId);
  }

  async syncState(gameId: string, knownTag?: string): Promise<StateSync> {
    const state = await this.getState(gameId);
    const tag = stateTag(state.version, state.degraded);
    return knownTag === tag ? { tag, notModified: true } : { tag, body: JSON.stringify(state), state };
  }

  /** Newest first; the cursor is the index of the next item to read, as text. */
  async readFeed(gameId: string, page: { before?: string; limit: number }): Promise<FeedPage> {
    const newestFirst = [...this.game(gameId).content].reverse();
    const from = page.before === undefined ? 0 : Number(page.before.replace(/^i/, ''));
    if (!Number.isInteger(from) || from < 0) throw invalid('before', 'not a feed cursor');
    const items = newestFirst.slice(from, from + page.limit);
    return { items, next: from + page.limit < newestFirst.length ? `i${from + page.limit}` : null };
  }

  async makeChoice(gameId: string, choiceId: string) {
    const game = this.game(gameId);
    const match = /^v(\d+)-(talk|wait)$/.exec(choiceId);
    if (!match) throw invalid('choiceId', `Unknown choice "${choiceId}"`);
    if (Number(match[1]) !== game.version) throw stale('choiceId', 'That choice is no longer available');
    game.version++;
    const contentId = `reaction-${game.version}`;
    game.content.push({
      id: contentId,
      kind: 'reaction',
      status: 'generating',
      origin: 'fallback',
      text: 'Bram grunts.',
      fallbackText: 'Bram grunts.',
      subject: { npcId: 1 },
      createdAt: new Date(0).toISOString(),
      stateVersion: game.version,
    });
    await this.hub.publish({ gameId, kind: 'reaction', id: contentId, status: 'generating', origin: 'fallback' });
    const outcome: ChoiceOutcome = { choiceId, label: match[2]!, text: 'You chose.', reactionsDispatched: 1 };
    return { outcome, state: this.stateOf(gameId) };
  }

  async createConflict(gameId: string, input: { type: string; npcIds: number[]; title?: string }) {
    if (this.writeDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.writeDelayMs));
    const game = this.game(gameId);
    const unknown = input.npcIds.find((id) => !NPCS.some((npc) => npc.id === id));
    if (unknown !== undefined) throw invalid('npcIds', `No NPC ${unknown} in this scene`);
    const conflict: ConflictView = {
      id: game.conflicts.length + 1,
      title: input.title ?? `A ${input.type}`,
      type: input.type,
      description: '',
      status: 'active',
      phase: 'seeds',
      pacing: 'slow_burn',
      intensity: 0.2,
      momentum: 0,
      phaseProgress: 0,
      stakeholders: [],
    };
    game.conflicts.push(conflict);
    game.version++;
    return { conflict, state: this.stateOf(gameId) };
  }

  async resolveConflict(gameId: string, conflictId: number, _input: { outcome: string; winnerNpcIds?: number[] }) {
    const game = this.game(gameId);
    const conflict = game.conflicts.find((c) => c.id === conflictId);
    if (!conflict) throw notFound(`Conflict ${conflictId}`);
    if (conflict.status === 'resolved') throw stale('conflictId', 'That conflict is already resolved');
    conflict.status = 'resolved';
    game.version++;
    return { state: this.stateOf(gameId) };
  }

  private game(gameId: string): FakeGame {
    const game = this.games.get(gameId);
    if (!game) throw new GameError('not_found', `Game ${gameId} not found`);
    return game;
  }

  private stateOf(gameId: string): GameState {
    const game = this.game(gameId);
    return {
      gameId,
      version: game.version,
      degraded: false,
      cost: { spentUsd: 0, budgetUsd: null, exhausted: false },
      scenario: { id: game.scenario.id, title: game.scenario.title },
      player: { intro: 'You arrive.' },
      scene: {
        location: { id: 'quay', name: 'The Quay', description: 'Wet stone.' },
        npcs: NPCS.map((npc) => ({
          ...npc,
          description: '',
          socialRole: 'alpha',
          traits: [],
          behavior: 'observant',
          stress: 0.1,
          reputation: {},
        })),
      },
      conflicts: game.conflicts,
      tension: { level: 'baseline', score: 0.1, atmosphere: 'calm', status: 'ready' },
      choices: [
        { id: `v${game.version}-talk`, label: 'Talk', type: 'diplomatic' },
        { id: `v${game.version}-wait`, label: 'Wait', type: 'observe' },
      ],
      content: game.content,
      canon: [],
    };
  }
}
