import type { BudgetRefusal } from '../../runtime/spend/budget.js';

/**
 * A call refused before it started because a budget is spent. Not retryable: the task gives up at
 * once and the player keeps the rule-written fallback.
 */
export class BudgetExceededError extends Error {
  readonly retryable = false;
  readonly reason = 'over_budget';
  constructor(
    readonly kind: string,
    readonly refusal: BudgetRefusal,
  ) {
    const whose = refusal.scope === 'game' ? 'the game budget (GAME_BUDGET_USD)' : 'the hourly budget (LLM_BUDGET_USD_PER_HOUR)';
    super(`model call "${kind}" refused: ${whose} of $${refusal.limitUsd} is spent ($${refusal.spentUsd.toFixed(6)} so far)`);
    this.name = 'BudgetExceededError';
  }
}
