import { metrics } from '../../observability/metrics.js';
import type { Budget } from '../../runtime/spend/budget.js';
import type { SpendLedger } from '../../runtime/spend/spend-ledger.js';
import { type Completion, type CompletionRequest, type ModelProvider, ProviderDecorator } from '../providers/model-provider.js';
import { BudgetExceededError } from './budget-exceeded-error.js';
import type { PriceList } from './price-list.js';

/**
 * Prices every call and holds it to the budgets: a call is refused before it starts when its game
 * or the hour has spent its budget, and charged to both (in the shared ledger) once it answers.
 */
export class MeteredProvider extends ProviderDecorator {
  constructor(
    inner: ModelProvider,
    private readonly prices: PriceList,
    private readonly ledger: SpendLedger,
    private readonly budget: Budget,
  ) {
    super(inner);
  }

  async complete(request: CompletionRequest): Promise<Completion> {
    const refusal = await this.budget.refusal(request.gameId, request.priority);
    if (refusal) {
      metrics.modelBudgetRefusals.inc({ scope: refusal.scope, kind: request.kind });
      throw new BudgetExceededError(request.kind, refusal);
    }
    const completion = await this.inner.complete(request);
    const costUsd = this.prices.costUsd(completion.model, completion.promptTokens, completion.outputTokens);
    metrics.modelCost.inc({ kind: request.kind, model: completion.model }, costUsd);
    await this.ledger.charge(request.gameId, costUsd);
    return { ...completion, costUsd };
  }
}
