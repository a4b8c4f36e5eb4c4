import type { ModelPrice } from '../../config/config.js';

/** LLM_PRICES: US dollars per million tokens, by model id. A model not listed is free. */
export class PriceList {
  private readonly prices: ReadonlyMap<string, ModelPrice>;

  constructor(prices: Record<string, ModelPrice> = {}) {
    this.prices = new Map(Object.entries(prices));
  }

  /** True when no model has a price: every cost reads 0 because nothing was priced, not because nothing was spent. */
  get empty(): boolean {
    return this.prices.size === 0;
  }

  costUsd(model: string, promptTokens: number, outputTokens: number): number {
    const price = this.prices.get(model);
    if (!price) return 0;
    return (promptTokens * price.input + outputTokens * price.output) / 1_000_000;
  }
}
