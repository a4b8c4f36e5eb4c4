import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import {
  BudgetExceededError,
  CompletionCache,
  LlmGateway,
  MeteredProvider,
  PriceList,
  type Completion,
  type CompletionRequest,
  type ModelProvider,
} from '../../src/gateway/index.js';
import { metrics } from '../../src/observability/metrics.js';
import type { Cache } from '../../src/runtime/cache/cache.js';
import { MemoryCache } from '../../src/runtime/cache/memory-cache.js';
import { RedisCache } from '../../src/runtime/cache/redis-cache.js';
import { Budget, hourlyShare, type BudgetLimits } from '../../src/runtime/spend/budget.js';
import { SpendLedger } from '../../src/runtime/spend/spend-ledger.js';
import { describeWithServices, redisUrl, uniquePrefix } from '../support/services.js';
import { sampleInputs } from './sample-inputs.js';
import { metricValue } from '../support/metrics.js';

/** A model that answers a valid narration after `delayMs`, reports fixed token counts and counts its calls. */
class CountingProvider implements ModelProvider {
  readonly name = 'counting';
  calls = 0;
  constructor(
    private readonly delayMs = 0,
    private readonly tokens = { promptTokens: 1000, outputTokens: 100 },
  ) {}

  modelFor(): string {
    return 'priced-model';
  }

  async complete(_request: CompletionRequest): Promise<Completion> {
    this.calls += 1;
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return { answer: { type: 'json', value: { text: 'The harbour bell rings twice.' } }, model: 'priced-model', ...this.tokens };
  }
}

/** $2 in and $10 out per million: 1000 prompt + 100 output tokens cost exactly $0.003. */
const prices = new PriceList({ 'priced-model': { input: 2, output: 10 } });
const CALL_USD = 0.003;
const noLimits: BudgetLimits = { gameUsd: undefined, hourlyUsd: undefined };

const backends = [
  { name: 'memory', needs: [] as const, open: async (prefix: string): Promise<Cache> => new MemoryCache({ keyPrefix: prefix }) },
  {
    name: 'Redis',
    needs: ['redis'] as const,
    open: async (prefix: string): Promise<Cache> => {
      const cache = new RedisCache({ url: redisUrl!, keyPrefix: prefix });
      await cache.whenReady();
      return cache;
    },
  },
];

for (const backend of backends) {
  describeWithServices(`model cost and budgets on the ${backend.name} cache`, [...backend.needs], () => {
    const prefix = uniquePrefix('cost');
    let cache: Cache;
    let ledger: SpendLedger;

    beforeAll(async () => {
      cache = await backend.open(prefix);
      ledger = new SpendLedger(cache);
    });
    afterAll(async () => {
      await cache.deleteKeys('*');
      await cache.close();
    });

    function gatewayOver(inner: ModelProvider, limits: BudgetLimits = noLimits): LlmGateway {
      return new LlmGateway(new MeteredProvider(inner, prices, ledger, new Budget(ledger, limits)), 30_000);
    }

    it('prices a call from its tokens, charges its game and the hour, and counts the cost by kind and model', async () => {
      const gameId = `game-${uniquePrefix()}`;
      const hourBefore = await ledger.hourSpentUsd();
      const metricBefore = await metricValue(metrics.modelCost, { kind: 'phase_narration', model: 'priced-model' });
      const { usage } = await gatewayOver(new CountingProvider()).generate('phase_narration', {
        input: sampleInputs.phase_narration,
        context: { gameId },
      });
      expect(usage.estimatedCostUsd).toBeCloseTo(CALL_USD, 12);
      expect(await ledger.gameSpentUsd(gameId)).toBeCloseTo(CALL_USD, 12);
      expect((await ledger.hourSpentUsd()) - hourBefore).toBeCloseTo(CALL_USD, 12);
      expect((await metricValue(metrics.modelCost, { kind: 'phase_narration', model: 'priced-model' })) - metricBefore).toBeCloseTo(
        CALL_USD,
        12,
      );
    });

    it('costs nothing for a model without a price', async () => {
      const gameId = `game-${uniquePrefix()}`;
      const unpriced = new LlmGateway(
        new MeteredProvider(
          new CountingProvider(),
          new PriceList({ other: { input: 5, output: 5 } }),
          ledger,
          new Budget(ledger, noLimits),
        ),
        30_000,
      );
      const { usage } = await unpriced.generate('phase_narration', { input: sampleInputs.phase_narration, context: { gameId } });
      expect(usage.estimatedCostUsd).toBe(0);
      expect(await ledger.gameSpentUsd(gameId)).toBe(0);
    });

    it('stops a game at its budget: calls in flight land, nothing starts after', async () => {
      const gameId = `game-${uniquePrefix()}`;
      const model = new CountingProvider(100);
      // Two calls fit the budget; five start together, before any has been charged.
      const gateway = gatewayOver(model, { gameUsd: 2 * CALL_USD, hourlyUsd: undefined });
      const inFlight = 5;
      const results = await Promise.allSettled(
        Array.from({ length: inFlight }, () =>
          gateway.generate('phase_narration', { input: sampleInputs.phase_narration, context: { gameId } }),
        ),
      );
      expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
      const spent = await ledger.gameSpentUsd(gameId);
      expect(spent).toBeLessThanOrEqual(2 * CALL_USD + inFlight * CALL_USD + 1e-12);

      const callsBefore = model.calls;
      const refused = await gateway
        .generate('phase_narration', { input: sampleInputs.phase_narration, context: { gameId } })
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(BudgetExceededError);
      expect(refused).toMatchObject({ retryable: false, refusal: { scope: 'game', limitUsd: 2 * CALL_USD } });
      expect((refused as Error).message).toContain('GAME_BUDGET_USD');
      expect(model.calls).toBe(callsBefore);
      expect(await ledger.gameSpentUsd(gameId)).toBe(spent);

      // Another game has its own budget.
      await expect(
        gateway.generate('phase_narration', { input: sampleInputs.phase_narration, context: { gameId: `${gameId}-other` } }),
      ).resolves.toBeDefined();
      expect(await new Budget(ledger, { gameUsd: 2 * CALL_USD, hourlyUsd: undefined }).gameCost(gameId)).toEqual({
        spentUsd: spent,
        budgetUsd: 2 * CALL_USD,
        exhausted: true,
      });
    });

    it('sheds the least valuable work first under the hourly budget, and stops everything at it', async () => {
      await ledger.charge(undefined, CALL_USD);
      const hourSpent = await ledger.hourSpentUsd();
      // A limit that leaves exactly 0.6 of it spent now.
      const limit = hourSpent / 0.6;
      const budget = new Budget(ledger, { gameUsd: undefined, hourlyUsd: limit });
      expect(await budget.refusal(undefined, 1)).toMatchObject({ scope: 'hour' });
      expect(await budget.refusal(undefined, 3)).toBeUndefined();
      expect(await budget.refusal(undefined, 8)).toBeUndefined();
      const spentOut = new Budget(ledger, { gameUsd: undefined, hourlyUsd: hourSpent });
      expect(await spentOut.refusal(undefined, 10)).toMatchObject({ scope: 'hour', limitUsd: hourSpent });

      const model = new CountingProvider();
      const refused = await gatewayOver(model, { gameUsd: undefined, hourlyUsd: limit })
        .generate('phase_narration', { input: sampleInputs.phase_narration, context: { priority: 1 } })
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(BudgetExceededError);
      expect((refused as Error).message).toContain('LLM_BUDGET_USD_PER_HOUR');
      expect(model.calls).toBe(0);
    });

    it('answers an identical request from the cache: no call, no cost, counted as a hit with its saving', async () => {
      const model = new CountingProvider();
      const gameId = `game-${uniquePrefix()}`;
      const gateway = gatewayOver(new CompletionCache(model, cache, prices, 60_000));
      const request = { input: { ...sampleInputs.phase_narration, conflict_title: `Cache ${gameId}` }, context: { gameId } };
      const hitsBefore = await metricValue(metrics.completionCache, { kind: 'phase_narration', result: 'hit' });
      const savedBefore = await metricValue(metrics.completionCacheSavedUsd, { kind: 'phase_narration', model: 'priced-model' });
      const first = await gateway.generate('phase_narration', request);
      const second = await gateway.generate('phase_narration', request);
      expect(second.value).toEqual(first.value);
      expect(model.calls).toBe(1);
      expect(second.usage.estimatedCostUsd).toBe(0);
      expect(await ledger.gameSpentUsd(gameId)).toBeCloseTo(CALL_USD, 12);
      expect((await metricValue(metrics.completionCache, { kind: 'phase_narration', result: 'hit' })) - hitsBefore).toBe(1);
      expect(
        (await metricValue(metrics.completionCacheSavedUsd, { kind: 'phase_narration', model: 'priced-model' })) - savedBefore,
      ).toBeCloseTo(CALL_USD, 12);
    });

    it('keeps no answer that fails the schema, so the repair is asked of the model again next time', async () => {
      const garbled: ModelProvider = {
        name: 'garbled',
        complete: async () => ({ answer: { type: 'json', value: { verdict: 'no' } }, model: 'garbled', promptTokens: 1, outputTokens: 1 }),
      };
      let calls = 0;
      const counted: ModelProvider = { name: 'garbled', complete: (r) => ((calls += 1), garbled.complete(r)) };
      const gateway = gatewayOver(new CompletionCache(counted, cache, prices, 60_000));
      const request = { input: { ...sampleInputs.phase_narration, conflict_title: `Garbled ${uniquePrefix()}` } };
      await expect(gateway.generate('phase_narration', request)).rejects.toMatchObject({ name: 'ModelOutputInvalidError' });
      await expect(gateway.generate('phase_narration', request)).rejects.toMatchObject({ name: 'ModelOutputInvalidError' });
      expect(calls).toBe(4);
    });

    it('lets a cached answer expire after the TTL', async () => {
      const model = new CountingProvider();
      const gateway = gatewayOver(new CompletionCache(model, cache, prices, 150));
      const request = { input: { ...sampleInputs.phase_narration, conflict_title: `Expiring ${uniquePrefix()}` } };
      await gateway.generate('phase_narration', request);
      await new Promise((resolve) => setTimeout(resolve, 400));
      await gateway.generate('phase_narration', request);
      expect(model.calls).toBe(2);
    });
  });
}

describeWithServices('the completion cache across two Redis connections', ['redis'], () => {
  const prefix = uniquePrefix('completions');
  let caches: RedisCache[];

  beforeAll(async () => {
    caches = [new RedisCache({ url: redisUrl!, keyPrefix: prefix }), new RedisCache({ url: redisUrl!, keyPrefix: prefix })];
    await Promise.all(caches.map((c) => c.whenReady()));
  });
  afterAll(async () => {
    await caches[0]!.deleteKeys('*');
    await Promise.all(caches.map((c) => c.close()));
  });

  it("serves one gateway's answer to another, and both charge one shared ledger", async () => {
    const models = [new CountingProvider(), new CountingProvider()];
    const gameId = `game-${uniquePrefix()}`;
    const gateways = caches.map((cache, i) => {
      const ledger = new SpendLedger(cache);
      return new LlmGateway(
        new MeteredProvider(new CompletionCache(models[i]!, cache, prices, 60_000), prices, ledger, new Budget(ledger, noLimits)),
        30_000,
      );
    });
    const request = { input: sampleInputs.phase_narration, context: { gameId } };
    const first = await gateways[0]!.generate('phase_narration', request);
    const second = await gateways[1]!.generate('phase_narration', request);
    expect(second.value).toEqual(first.value);
    expect(models.map((m) => m.calls)).toEqual([1, 0]);
    expect(await new SpendLedger(caches[1]!).gameSpentUsd(gameId)).toBeCloseTo(CALL_USD, 12);
  });
});

describe('hourlyShare', () => {
  it('gives priority 1 half the hour, priority 10 all of it, and more to each step up', () => {
    expect(hourlyShare(1)).toBe(0.5);
    expect(hourlyShare(10)).toBe(1);
    expect(hourlyShare(8)).toBeGreaterThan(hourlyShare(5));
    expect(hourlyShare(0)).toBe(0.5);
    expect(hourlyShare(42)).toBe(1);
  });
});

describe('cost and budget settings', () => {
  it('reads LLM_PRICES inline or from a file, and defaults to none', () => {
    expect(loadConfig({}).llm.prices).toEqual({});
    const inline = '{"gpt-4o-mini": {"input": 0.15, "output": 0.6}}';
    expect(loadConfig({ LLM_PRICES: inline }).llm.prices).toEqual({ 'gpt-4o-mini': { input: 0.15, output: 0.6 } });
    const file = join(mkdtempSync(join(tmpdir(), 'nyx-prices-')), 'prices.json');
    writeFileSync(file, inline);
    expect(loadConfig({ LLM_PRICES: file }).llm.prices).toEqual({ 'gpt-4o-mini': { input: 0.15, output: 0.6 } });
  });

  it('names LLM_PRICES and what is wrong with it', () => {
    expect(() => loadConfig({ LLM_PRICES: '{"m": {"input": -1, "output": 1}}' })).toThrow(/^LLM_PRICES: expected .*at m\.input/);
    expect(() => loadConfig({ LLM_PRICES: '{"m": ' })).toThrow(/^LLM_PRICES: expected JSON/);
    expect(() => loadConfig({ LLM_PRICES: '/nonexistent/prices.json' })).toThrow(ConfigError);
  });

  it('reads the budgets and the cache TTL, and refuses nonsense', () => {
    expect(loadConfig({}).budget).toEqual({ gameUsd: undefined, hourlyUsd: undefined });
    expect(loadConfig({}).llm.cacheTtlMs).toBe(60_000);
    expect(loadConfig({ GAME_BUDGET_USD: '0.5', LLM_BUDGET_USD_PER_HOUR: '20', LLM_CACHE_TTL_MS: '0' })).toMatchObject({
      budget: { gameUsd: 0.5, hourlyUsd: 20 },
      llm: { cacheTtlMs: 0 },
    });
    expect(() => loadConfig({ GAME_BUDGET_USD: '-1' })).toThrow(/^GAME_BUDGET_USD: expected a number of US dollars/);
    expect(() => loadConfig({ LLM_PROVIDER: 'replay' })).toThrow(/^LLM_REPLAY: expected the folder of a recording/);
  });
});
