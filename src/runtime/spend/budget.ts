import type { SpendLedger } from './spend-ledger.js';

export interface BudgetLimits {
  /** GAME_BUDGET_USD: what one game may spend; undefined for no limit. */
  gameUsd: number | undefined;
  /** LLM_BUDGET_USD_PER_HOUR: what all games together may spend in a clock hour; undefined for no limit. */
  hourlyUsd: number | undefined;
}

/** Why a model call may not start: whose budget, what it allows, what is spent. */
export interface BudgetRefusal {
  scope: 'game' | 'hour';
  limitUsd: number;
  spentUsd: number;
}

/** A game's spend as the state shows it. */
export interface GameCost {
  spentUsd: number;
  /** Null when games have no budget. */
  budgetUsd: number | null;
  /** True once the game has spent its budget: from then on it gets rule-written text only. */
  exhausted: boolean;
}

/** Task priorities run from 1 (least valuable) to 10. */
const LOWEST_PRIORITY = 1;
const HIGHEST_PRIORITY = 10;
/** Priority 1 stops at half the hourly budget; each step up may spend further, priority 10 all of it. */
const LOWEST_PRIORITY_SHARE = 0.5;

/**
 * The share of the hourly budget a task of `priority` may spend into. Shedding by share keeps the
 * last part of each hour for the work players notice most (reactions before narration).
 */
export function hourlyShare(priority: number): number {
  const clamped = Math.min(Math.max(priority, LOWEST_PRIORITY), HIGHEST_PRIORITY);
  return LOWEST_PRIORITY_SHARE + ((1 - LOWEST_PRIORITY_SHARE) * (clamped - LOWEST_PRIORITY)) / (HIGHEST_PRIORITY - LOWEST_PRIORITY);
}

/**
 * The spending limits. A call is checked before it starts and charged when it ends, so calls
 * already in flight when a budget runs out still land: that is the only overshoot.
 */
export class Budget {
  constructor(
    private readonly ledger: SpendLedger,
    readonly limits: BudgetLimits,
  ) {}

  /** Undefined when a call for `gameId` at `priority` may start now. */
  async refusal(gameId: string | undefined, priority: number): Promise<BudgetRefusal | undefined> {
    const { gameUsd, hourlyUsd } = this.limits;
    const [gameSpent, hourSpent] = await Promise.all([
      gameUsd === undefined || gameId === undefined ? 0 : this.ledger.gameSpentUsd(gameId),
      hourlyUsd === undefined ? 0 : this.ledger.hourSpentUsd(),
    ]);
    if (gameUsd !== undefined && gameSpent >= gameUsd) return { scope: 'game', limitUsd: gameUsd, spentUsd: gameSpent };
    if (hourlyUsd !== undefined && hourSpent >= hourlyUsd * hourlyShare(priority)) {
      return { scope: 'hour', limitUsd: hourlyUsd, spentUsd: hourSpent };
    }
    return undefined;
  }

  /** True once the game has spent GAME_BUDGET_USD; answered without a read when games have no budget. */
  async gameBudgetSpent(gameId: string): Promise<boolean> {
    const { gameUsd } = this.limits;
    return gameUsd !== undefined && (await this.ledger.gameSpentUsd(gameId)) >= gameUsd;
  }

  async gameCost(gameId: string): Promise<GameCost> {
    const spentUsd = await this.ledger.gameSpentUsd(gameId);
    const budgetUsd = this.limits.gameUsd ?? null;
    return { spentUsd, budgetUsd, exhausted: budgetUsd !== null && spentUsd >= budgetUsd };
  }
}
