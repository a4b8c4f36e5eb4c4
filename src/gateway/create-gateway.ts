import { ConfigError, type Config } from '../config/config.js';
import type { Cache } from '../runtime/cache/cache.js';
import { Budget } from '../runtime/spend/budget.js';
import { SpendLedger } from '../runtime/spend/spend-ledger.js';
import { CompletionCache } from './completion-cache.js';
import { MeteredProvider } from './cost/metered-provider.js';
import { PriceList } from './cost/price-list.js';
import { LlmGateway } from './llm-gateway.js';
import { MonitoredProvider, type ModelHealth } from './model-health.js';
import type { ModelProvider } from './providers/model-provider.js';
import { OfflineProvider } from './providers/offline/offline-provider.js';
import { LlamaCppProvider } from './providers/llama-cpp-provider.js';
import { OpenAiCompatibleProvider } from './providers/openai-compatible-provider.js';
import { SimulatedProvider } from './providers/simulated-provider.js';
import { RecordingProvider } from './recording/recording-provider.js';
import { ReplayProvider } from './recording/replay-provider.js';

/** Offline answers are instant; without a delay a player would never see anything arrive later. */
export const defaultOfflineLatencyMs = { min: 300, max: 1500 } as const;

/** What the gateway shares with the rest of the deployment: the cache backend in use and the budgets. */
export interface GatewayRuntime {
  /** Holds the spend ledger and the completion cache, so every process sees the same ones. */
  cache: Cache;
  budget: Config['budget'];
  /** Where calls report the model's health (a worker process); absent, nobody watches. */
  health?: ModelHealth;
}

/**
 * The provider stack LLM_* asks for, outermost first: metering and budgets, the completion cache,
 * recording, health monitoring, simulation, and the provider that answers (offline,
 * openai-compatible, llama-cpp or replay).
 */
export function createGateway(llm: Config['llm'], runtime: GatewayRuntime): LlmGateway {
  const base = createBaseProvider(llm);
  const latencyMs = llm.simulated.latencyMs ?? (llm.provider === 'offline' ? defaultOfflineLatencyMs : undefined);
  const simulated = latencyMs !== undefined || llm.simulated.failRate > 0;
  let provider: ModelProvider = simulated
    ? new SimulatedProvider(base, {
        latencyMs: latencyMs ?? { min: 0, max: 0 },
        failRate: llm.simulated.failRate,
        faults: llm.simulated.faults,
        ...(llm.simulated.outputChars > 0 ? { outputChars: llm.simulated.outputChars } : {}),
      })
    : base;
  if (runtime.health) provider = new MonitoredProvider(provider, runtime.health);
  if (llm.recordDir) provider = new RecordingProvider(provider, llm.recordDir);
  const prices = new PriceList(llm.prices);
  if (llm.cacheTtlMs > 0) provider = new CompletionCache(provider, runtime.cache, prices, llm.cacheTtlMs);
  const ledger = new SpendLedger(runtime.cache);
  provider = new MeteredProvider(provider, prices, ledger, new Budget(ledger, runtime.budget));
  return new LlmGateway(provider, llm.timeoutMs);
}

function createBaseProvider(llm: Config['llm']): ModelProvider {
  if (llm.provider === 'offline') return new OfflineProvider();
  if (llm.provider === 'replay') {
    if (!llm.replay.dir) throw new ConfigError('LLM_REPLAY', 'the folder of a recording when LLM_PROVIDER=replay', llm.replay.dir);
    return new ReplayProvider(llm.replay.dir, {
      latency: llm.replay.latency,
      onMiss: llm.replay.onMiss === 'offline' ? new OfflineProvider() : undefined,
    });
  }
  if (llm.provider === 'llama-cpp') {
    const { modelPath, sequences, gpu, threads } = llm.local;
    if (!modelPath) throw new ConfigError('LLM_MODEL_PATH', 'the path of a GGUF file when LLM_PROVIDER=llama-cpp', modelPath);
    return new LlamaCppProvider({ modelPath, sequences, gpu, threads });
  }
  if (!llm.baseUrl) throw new ConfigError('LLM_BASE_URL', 'an http(s) URL when LLM_PROVIDER=openai-compatible', llm.baseUrl);
  if (!llm.model) throw new ConfigError('LLM_MODEL', 'a model id when LLM_PROVIDER=openai-compatible', llm.model);
  return new OpenAiCompatibleProvider({ baseUrl: llm.baseUrl, apiKey: llm.apiKey, model: llm.model, modelByKind: llm.modelByKind });
}

/** Where the configured model lives, for the start-up line that says it does not answer. */
export function modelEndpoint(llm: Config['llm']): string {
  if (llm.provider === 'llama-cpp') return llm.local.modelPath ?? '(no LLM_MODEL_PATH)';
  if (llm.provider === 'openai-compatible') return llm.baseUrl ?? '(no LLM_BASE_URL)';
  return 'offline';
}
