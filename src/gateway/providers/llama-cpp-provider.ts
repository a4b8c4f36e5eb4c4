import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Llama, LlamaContextSequence, LlamaGrammar, LlamaModel } from 'node-llama-cpp';
import PQueue from 'p-queue';
import { z } from 'zod';
import { ConfigError } from '../../config/config.js';
import { logger } from '../../observability/logger.js';
import { ModelServerError } from '../errors.js';
import type { Completion, CompletionRequest, ModelProvider } from './model-provider.js';

export interface LlamaCppSettings {
  /** LLM_MODEL_PATH: a GGUF file. */
  modelPath: string;
  /** LLM_SEQUENCES: answers generated at once; further calls wait for a free one. */
  sequences: number;
  /** LLM_GPU: `auto` uses a GPU when node-llama-cpp finds one (CUDA, Vulkan, Metal); `off` stays on the CPU. */
  gpu: 'auto' | 'off';
  /** LLM_THREADS: CPU threads per evaluation; 0 lets llama.cpp take every core. */
  threads: number;
  /** Tokens each sequence can hold (prompt and answer). Default 4096, or less if the model was trained on less. */
  contextSize?: number;
}

/** The loaded engine: a context with `sequences` slots, each handed to one call at a time. */
interface LoadedModel {
  llama: Llama;
  model: LlamaModel;
  freeSequences: LlamaContextSequence[];
  modelName: string;
}

type NodeLlamaCpp = typeof import('node-llama-cpp');

const DEFAULT_CONTEXT_SIZE = 4096;
// Small models repeat themselves at temperature 0; a little randomness, seeded per request, does not.
const TEMPERATURE = 0.7;
const log = logger.child({ module: 'llama-cpp' });

/**
 * A GGUF model run inside this process by node-llama-cpp (an optional dependency): no server.
 * Inference runs on llama.cpp's own threads, so the event loop stays free while it generates. Each
 * kind's JSON schema becomes a grammar, so the answer is JSON of the right shape; ranges and
 * lengths, which grammars do not enforce, are the gateway's corrections.
 */
export class LlamaCppProvider implements ModelProvider {
  readonly name = 'llama-cpp';
  private readonly loaded: Promise<LoadedModel>;
  private readonly slots: PQueue;
  private readonly grammars = new WeakMap<z.ZodType, Promise<LlamaGrammar>>();

  /**
   * Checks at once that node-llama-cpp is installed and the file exists (a ConfigError naming the
   * variable otherwise), then loads the model in the background; `ready()` tells when it is loaded.
   */
  constructor(settings: LlamaCppSettings) {
    assertInstalled();
    if (!existsSync(settings.modelPath))
      throw new ConfigError('LLM_MODEL_PATH', 'an existing GGUF file when LLM_PROVIDER=llama-cpp', settings.modelPath);
    this.slots = new PQueue({ concurrency: settings.sequences });
    this.loaded = load(settings);
    // A failed load is reported by ready() and by every call; it must not crash the process unheard.
    this.loaded.catch((error: unknown) => log.error({ err: error, modelPath: settings.modelPath }, 'model could not be loaded'));
  }

  /** Resolves once the model is loaded and can answer; rejects with the reason it cannot. */
  async ready(): Promise<void> {
    await this.loaded;
  }

  probe(): Promise<void> {
    return this.ready();
  }

  async complete(request: CompletionRequest): Promise<Completion> {
    const loaded = await this.loaded.catch((error: unknown) => {
      throw new ModelServerError(request.kind, undefined, { cause: error });
    });
    const grammar = await this.grammarFor(loaded.llama, request.schema);
    // No signal for the slot itself: p-queue would free the slot on abort while the generation still
    // holds the sequence. A call cancelled while it waits leaves as soon as its turn comes.
    return this.slots.add(async () => {
      request.signal.throwIfAborted();
      const sequence = loaded.freeSequences.pop()!;
      try {
        return await this.generate(loaded, sequence, grammar, request);
      } finally {
        loaded.freeSequences.push(sequence);
      }
    });
  }

  /** Frees the model and its context; calls after this fail. */
  async close(): Promise<void> {
    const loaded = await this.loaded.catch(() => undefined);
    this.slots.clear();
    await this.slots.onIdle();
    await loaded?.llama.dispose();
  }

  private async generate(
    loaded: LoadedModel,
    sequence: LlamaContextSequence,
    grammar: LlamaGrammar,
    request: CompletionRequest,
  ): Promise<Completion> {
    const { LlamaChatSession } = await importNodeLlamaCpp();
    await sequence.clearHistory();
    const session = new LlamaChatSession({ contextSequence: sequence, systemPrompt: request.prompt.system, autoDisposeSequence: false });
    try {
      const text = await session.prompt(request.prompt.data, {
        grammar,
        maxTokens: request.maxOutputTokens,
        temperature: TEMPERATURE,
        ...(request.seed !== undefined ? { seed: request.seed } : {}),
        signal: request.signal,
      });
      return {
        answer: { type: 'text', text },
        model: loaded.modelName,
        promptTokens: loaded.model.tokenize(`${request.prompt.system}\n${request.prompt.data}`).length,
        outputTokens: loaded.model.tokenize(text).length,
      };
    } finally {
      session.dispose({ disposeSequence: false });
    }
  }

  private grammarFor(llama: Llama, schema: z.ZodType): Promise<LlamaGrammar> {
    let grammar = this.grammars.get(schema);
    if (!grammar) {
      const { $schema: _dialect, ...jsonSchema } = z.toJSONSchema(schema, { io: 'output' }) as Record<string, unknown>;
      // The zod-emitted schema is a subset of what node-llama-cpp's GBNF builder accepts; its types are narrower.
      grammar = llama
        .createGrammarForJsonSchema(jsonSchema as Parameters<Llama['createGrammarForJsonSchema']>[0])
        .catch((error: unknown) => {
          // A caller's schema may use what GBNF cannot express (patterns): any JSON, then validation decides.
          log.warn({ err: error }, 'no grammar for this schema; generating plain JSON');
          return llama.getGrammarFor('json');
        });
      this.grammars.set(schema, grammar);
    }
    return grammar;
  }
}

function assertInstalled(): void {
  try {
    createRequire(import.meta.url).resolve('node-llama-cpp');
  } catch {
    throw new ConfigError('LLM_PROVIDER', 'node-llama-cpp installed for llama-cpp (npm install node-llama-cpp@3.21.1)', 'llama-cpp');
  }
}

async function importNodeLlamaCpp(): Promise<NodeLlamaCpp> {
  return import('node-llama-cpp');
}

async function load(settings: LlamaCppSettings): Promise<LoadedModel> {
  const { getLlama, LlamaLogLevel } = await importNodeLlamaCpp();
  // `build: 'never'`: only the prebuilt binaries that came with the package; nothing is compiled or downloaded.
  const llama = await getLlama({ gpu: settings.gpu === 'off' ? false : 'auto', build: 'never', logLevel: LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath: settings.modelPath });
  const trained = model.trainContextSize;
  const context = await model.createContext({
    sequences: settings.sequences,
    contextSize: Math.min(settings.contextSize ?? DEFAULT_CONTEXT_SIZE, trained),
    ...(settings.threads > 0 ? { threads: settings.threads } : {}),
  });
  const freeSequences = Array.from({ length: settings.sequences }, () => context.getSequence());
  log.info(
    { modelPath: settings.modelPath, gpu: llama.gpu, sequences: settings.sequences, contextSize: context.contextSize },
    'local model loaded',
  );
  return { llama, model, freeSequences, modelName: model.fileInfo.metadata.general?.name ?? settings.modelPath };
}
