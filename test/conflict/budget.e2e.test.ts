import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Nyx } from '../../src/app/nyx.js';
import type { GameState } from '../../src/conflict/engine/game-state.js';
import { describeWithServices } from '../support/services.js';
import { eventually, startTestNyx, type Backend } from '../support/nyx-harness.js';

/** The offline writer at $1 per million tokens either way: every call costs a few hundred micro-dollars. */
const PRICES = JSON.stringify({ 'nyx-offline-grammar-1': { input: 1, output: 1 } });
/** Less than the opening's calls cost, so the game runs out before the player's first choice. */
const BUDGET_USD = 0.0005;

/**
 * A game with a budget, through the whole engine: its state counts what it spent, and once the
 * budget is spent it is marked so and every new item settles on its rule-written fallback.
 */
function budgetedGame(backend: Backend) {
  let nyx: Nyx;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ nyx, stop } = await startTestNyx(backend, { LLM_PRICES: PRICES, GAME_BUDGET_USD: String(BUDGET_USD), LLM_CACHE_TTL_MS: '0' }));
  });
  afterAll(async () => stop?.());

  it('shows the cost so far, marks a spent budget, and answers with rule fallbacks only from then on', async () => {
    const { gameId, state: opening } = await nyx.engine.createGame({ scenario: 'village-well', seed: 5 });
    expect(opening.cost).toMatchObject({ budgetUsd: BUDGET_USD });
    const spent = await eventually(
      () => nyx.engine.getState(gameId),
      (s: GameState) => s.cost.exhausted,
    );
    expect(spent.cost.spentUsd).toBeGreaterThanOrEqual(BUDGET_USD);
    expect(await nyx.spend.gameSpentUsd(gameId)).toBe(spent.cost.spentUsd);

    // Spent games dispatch nothing: their new items are settled on the rule fallback at once.
    const before = new Set(spent.content.map((c) => c.id));
    const choice = spent.choices.find((c) => c.type === 'confrontational') ?? spent.choices[0]!;
    const { outcome, state: afterChoice } = await nyx.engine.makeChoice(gameId, choice.id);
    expect(outcome.reactionsDispatched).toBe(0);
    const added = afterChoice.content.filter((c) => !before.has(c.id));
    expect(added.length).toBeGreaterThan(0);
    for (const item of added) {
      expect(item).toMatchObject({ status: 'failed', origin: 'fallback' });
      expect(item.text).toBe(item.fallbackText);
    }
    expect(afterChoice.cost.exhausted).toBe(true);
  });
}

describe('a game with a budget on the embedded backend', () => budgetedGame('embedded'));
describeWithServices('a game with a budget on the distributed backend', ['redis', 'postgres'], () => budgetedGame('distributed'));
