import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { APICallError, generateText, NoObjectGeneratedError, NoOutputGeneratedError, Output, RetryError } from 'ai';
import { ModelRateLimitedError, ModelRequestRejectedError, ModelServerError } from '../errors.js';
import type { Kind } from '../kinds/index.js';
import type { Completion, CompletionRequest, ModelProvider } from './model-provider.js';
import { estimateTokens } from './model-provider.js';

export interface OpenAiCompatibleSettings {
  baseUrl: string;
  apiKey: string | undefined;
  /** Default model id. */
  model: string;
  /** Per-kind model ids, keyed by the upper-cased kind (LLM_MODEL_<KIND>). */
  modelByKind: Record<string, string>;
}

/** When a 429 carries no usable Retry-After. */
export const defaultRetryAfterMs = 5_000;

/**
 * Any server speaking the OpenAI chat-completions dialect (OpenAI, vLLM, llama.cpp, Ollama), asked
 * for structured output so the JSON schema travels with the request. Retries are the job queue's.
 */
export class OpenAiCompatibleProvider implements ModelProvider {
  readonly name = 'openai-compatible';
  private readonly client: ReturnType<typeof createOpenAICompatible>;

  constructor(private readonly settings: OpenAiCompatibleSettings) {
    this.client = createOpenAICompatible({
      name: 'nyx',
      baseURL: settings.baseUrl,
      apiKey: settings.apiKey,
      supportsStructuredOutputs: true,
    });
  }

  modelFor(kind: Kind): string {
    return this.settings.modelByKind[kind.toUpperCase()] ?? this.settings.model;
  }

  /** Lists the server's models: every OpenAI-compatible server answers it, and it costs no tokens. */
  async probe(signal: AbortSignal): Promise<void> {
    const response = await fetch(`${this.settings.baseUrl.replace(/\/$/, '')}/models`, {
      headers: this.settings.apiKey ? { authorization: `Bearer ${this.settings.apiKey}` } : {},
      signal,
    });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
  }

  async complete(request: CompletionRequest): Promise<Completion> {
    const model = this.modelFor(request.kind);
    try {
      const result = await generateText({
        model: this.client.chatModel(model),
        system: request.prompt.system,
        prompt: request.prompt.data,
        output: Output.object({ schema: request.schema, name: request.kind }),
        maxOutputTokens: request.maxOutputTokens,
        seed: request.seed,
        abortSignal: request.signal,
        maxRetries: 0,
      });
      return {
        answer: { type: 'json', value: result.output },
        model,
        promptTokens: result.usage.inputTokens ?? estimateTokens(request.prompt.system + request.prompt.data),
        outputTokens: result.usage.outputTokens ?? estimateTokens(result.text),
      };
    } catch (error) {
      // Unparseable or schema-invalid JSON is an answer to repair, not a transport failure.
      if (NoObjectGeneratedError.isInstance(error)) {
        const text = error.text ?? '';
        return {
          answer: { type: 'text', text },
          model,
          promptTokens: error.usage?.inputTokens ?? estimateTokens(request.prompt.system + request.prompt.data),
          outputTokens: error.usage?.outputTokens ?? estimateTokens(text),
        };
      }
      if (NoOutputGeneratedError.isInstance(error)) {
        return {
          answer: { type: 'text', text: '' },
          model,
          promptTokens: estimateTokens(request.prompt.system + request.prompt.data),
          outputTokens: 0,
        };
      }
      throw typedFailure(request.kind, RetryError.isInstance(error) ? error.lastError : error);
    }
  }
}

function typedFailure(kind: Kind, error: unknown): unknown {
  if (!APICallError.isInstance(error)) return error;
  const status = error.statusCode;
  if (status === 429) return new ModelRateLimitedError(kind, retryAfterMs(error.responseHeaders?.['retry-after']), { cause: error });
  if (status !== undefined && status >= 400 && status < 500 && status !== 408)
    return new ModelRequestRejectedError(kind, status, { cause: error });
  return new ModelServerError(kind, status, { cause: error });
}

/** Retry-After is either delay-seconds or an HTTP date (RFC 9110, section 10.2.3). */
export function retryAfterMs(header: string | undefined, now = Date.now()): number {
  if (header === undefined || header.trim() === '') return defaultRetryAfterMs;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(header);
  if (Number.isNaN(date)) return defaultRetryAfterMs;
  return Math.max(0, date - now);
}
