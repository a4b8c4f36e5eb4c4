import type { GameState } from '../../src/conflict/engine/game-state.js';
import type { ContentCoverage } from './content-coverage.js';
import type { HttpClient } from './http-client.js';
import type { LoadRecorder } from './load-recorder.js';
import type { PhaseClock } from './phase-clock.js';

export const SCENARIO = 'harbour-dock-rights';

export interface PlayerGame {
  gameId: string;
  token: string;
}

export interface PlayerDeps {
  client: HttpClient;
  clock: PhaseClock;
  recorder: LoadRecorder;
  coverage: ContentCoverage;
  /** Mean think time; each pause is drawn from ±50 % of it. No thinking while saturating. */
  thinkMs: number;
  random: () => number;
}

export async function createGame(client: HttpClient, seed: number): Promise<PlayerGame & { state: GameState }> {
  const created = await client.request<PlayerGame & { state: GameState }>('POST', '/api/games', { body: { scenario: SCENARIO, seed } });
  if (created.status !== 201) throw new Error(`POST /api/games answered ${created.status}: ${JSON.stringify(created.body)}`);
  return created.body;
}

/** One player on one game: sync, pick one of the offered choices, make it, think, again. */
export class VirtualPlayer {
  /** The last state this player was shown (the conflict creator reads NPC ids from it). */
  latest: GameState | undefined;

  constructor(
    readonly id: number,
    readonly game: PlayerGame,
    private readonly deps: PlayerDeps,
  ) {}

  /**
   * Players arrive spread over one mean think time, as a steady state looks: started together,
   * 200 players' turns stay in step for several turns and each wave queues 200 writes at once,
   * which measures the bench's own start rather than a server's load.
   */
  async play(): Promise<void> {
    const { clock } = this.deps;
    await clock.sleep(this.deps.thinkMs * this.deps.random());
    while (clock.phase !== 'stopping') {
      await this.turn();
      if (clock.phase !== 'saturate') await clock.sleep(this.deps.thinkMs * (0.5 + this.deps.random()));
    }
  }

  private async turn(): Promise<void> {
    const { client, recorder, coverage, random } = this.deps;
    const { gameId, token } = this.game;
    const synced = await recorder.timed('stateSync', () => client.request<GameState>('GET', `/api/games/${gameId}/state`, { token }));
    if (synced.status !== 200) return;
    this.latest = synced.body;
    coverage.synced(this.id, synced.body.content);
    const choices = synced.body.choices;
    if (choices.length === 0 || this.deps.clock.phase === 'stopping') return;
    const choice = choices[Math.floor(random() * choices.length)]!;
    const made = await recorder.timed('playerChoice', () =>
      client.request<{ state: GameState }>('POST', `/api/games/${gameId}/choices`, { token, body: { choiceId: choice.id } }),
    );
    if (made.status !== 200) return;
    this.latest = made.body.state;
    coverage.choiceAnswered(this.id, made.body.state.content);
  }
}

/** Opens conflicts at a steady rate across all players' games, between two NPCs of the scene. */
export async function createConflictsSteadily(
  players: readonly VirtualPlayer[],
  perSecond: number,
  deps: Pick<PlayerDeps, 'client' | 'clock' | 'recorder' | 'random'>,
): Promise<void> {
  if (perSecond <= 0) return;
  const { client, clock, recorder, random } = deps;
  const inFlight = new Set<Promise<unknown>>();
  while (clock.phase !== 'stopping') {
    const player = players[Math.floor(random() * players.length)]!;
    const npcs = player.latest?.scene.npcs ?? [];
    if (npcs.length >= 2) {
      const first = Math.floor(random() * npcs.length);
      const second = (first + 1 + Math.floor(random() * (npcs.length - 1))) % npcs.length;
      const { gameId, token } = player.game;
      // Not awaited: the rate holds even while a blocking-mode request takes seconds.
      const sent = recorder.timed('conflictCreation', () =>
        client.request('POST', `/api/games/${gameId}/conflicts`, {
          token,
          body: { type: 'trade dispute', npcIds: [npcs[first]!.id, npcs[second]!.id] },
        }),
      );
      inFlight.add(sent);
      void sent.finally(() => inFlight.delete(sent));
    }
    await sleepUnlessStopping(clock, 1000 / perSecond);
  }
  await Promise.all(inFlight);
}

/** Unlike a think pause, the conflict rate is not cut short by a phase change (only by stopping). */
async function sleepUnlessStopping(clock: PhaseClock, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (clock.phase !== 'stopping' && Date.now() < until) await clock.sleep(until - Date.now());
}
