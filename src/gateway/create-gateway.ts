import { ConfigError, type Config } from '../config/config.js';
import { LlmGateway } from './llm-gateway.js';
import { MonitoredProvider, type ModelHealth } from './model-health.js';
import type { ModelProvider } from './providers/model-provider.js';
import { OfflineProvider } from './providers/offline/offline-provider.js';
import { LlamaCppProvider } from './providers/llama-cpp-provider.js';
import { OpenAiCompatibleProvider } from './providers/openai-compatible-provider.js';
import { SimulatedProvider } from './providers/simulated-provider.js';

/** Offline answers are instant; without a delay a player would never see anything arrive later. */
export const defaultOfflineLatencyMs = { min: 300, max: 1500 } as const;

/**
 * The provider stack LLM_* asks for: offline, openai-compatible or llama-cpp, wrapped in simulation
 * if set, and in monitoring when `health` is given.
 */
export function createGateway(llm: Config['llm'], health?: ModelHealth): LlmGateway {
  const base = createBaseProvider(llm);
  const latencyMs = llm.simulated.latencyMs ?? (llm.provider === 'offline' ? defaultOfflineLatencyMs : undefined);
  const simulated = latencyMs !== undefined || llm.simulated.failRate > 0;
  const provider = simulated
    ? new SimulatedProvider(base, { latencyMs: latencyMs ?? { min: 0, max: 0 }, failRate: llm.simulated.failRate, faults: llm.simulated.faults })
    : base;
  return new LlmGateway(health ? new MonitoredProvider(provider, health) : provider, llm.timeoutMs);
}

function createBaseProvider(llm: Config['llm']): ModelProvider {
  if (llm.provider === 'offline') return new OfflineProvider();
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
