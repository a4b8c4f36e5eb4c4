import { metrics } from '../observability/metrics.js';
import { cacheKey, type Cache } from '../runtime/cache/cache.js';
import type { PriceList } from './cost/price-list.js';
import { promptHash, schemaVersion } from './prompt-hash.js';
import {
  type Completion,
  type CompletionRequest,
  type ModelAnswer,
  type ModelProvider,
  ProviderDecorator,
} from './providers/model-provider.js';

/** What a cache entry keeps: the answer and what it cost to get, so a hit can count the saving. */
interface CachedCompletion {
  answer: ModelAnswer;
  model: string;
  promptTokens: number;
  outputTokens: number;
}

/**
 * Answers a request identical to a recent one (same kind, model, prompt and output schema) from the
 * cache backend in use, so every process shares the answers and a repeat makes no model call. Only
 * answers that fit the schema are kept: a garbled one must reach the gateway's repair, not be served
 * again. A hit reports no tokens and no cost, since none were spent.
 */
export class CompletionCache extends ProviderDecorator {
  constructor(
    inner: ModelProvider,
    private readonly cache: Cache,
    private readonly prices: PriceList,
    /** LLM_CACHE_TTL_MS: how long an answer is served again; must be positive. */
    private readonly ttlMs: number,
  ) {
    super(inner);
  }

  async complete(request: CompletionRequest): Promise<Completion> {
    const model = this.modelFor(request.kind);
    const key = cacheKey('llm', 'completion', request.kind, model, promptHash(request.prompt), schemaVersion(request.schema));
    const cached = await this.cache.getJson<CachedCompletion>(key);
    if (cached) {
      metrics.completionCache.inc({ kind: request.kind, result: 'hit' });
      metrics.completionCacheSavedUsd.inc(
        { kind: request.kind, model: cached.model },
        this.prices.costUsd(cached.model, cached.promptTokens, cached.outputTokens),
      );
      return { answer: cached.answer, model: cached.model, promptTokens: 0, outputTokens: 0, costUsd: 0 };
    }
    metrics.completionCache.inc({ kind: request.kind, result: 'miss' });
    const completion = await this.inner.complete(request);
    if (fitsSchema(completion.answer, request)) {
      const entry: CachedCompletion = {
        answer: completion.answer,
        model: completion.model,
        promptTokens: completion.promptTokens,
        outputTokens: completion.outputTokens,
      };
      await this.cache.setJson(key, entry, this.ttlMs / 1000);
    }
    return completion;
  }
}

function fitsSchema(answer: ModelAnswer, request: CompletionRequest): boolean {
  if (answer.type === 'json') return request.schema.safeParse(answer.value).success;
  try {
    return request.schema.safeParse(JSON.parse(answer.text)).success;
  } catch {
    return false;
  }
}
