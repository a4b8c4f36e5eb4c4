import { mkdirSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { logger } from '../../observability/logger.js';
import { promptHash } from '../prompt-hash.js';
import { type Completion, type CompletionRequest, type ModelProvider, ProviderDecorator } from '../providers/model-provider.js';
import { RECORDING_EXTENSION, type RecordedCall } from './recorded-call.js';

const log = logger.child({ module: 'llm-recording' });

/**
 * LLM_RECORD: appends every answer the model gives (failures are not answers) to a JSON-lines file
 * of its own in the folder, one file per process, so several processes can record into one folder
 * and `LLM_PROVIDER=replay` plays them all back.
 */
export class RecordingProvider extends ProviderDecorator {
  /** The file this process appends to. */
  readonly file: string;
  /** Appends run one after another so lines never interleave. */
  private writing: Promise<void> = Promise.resolve();

  constructor(inner: ModelProvider, dir: string) {
    super(inner);
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, `nyx-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}${RECORDING_EXTENSION}`);
  }

  async complete(request: CompletionRequest): Promise<Completion> {
    const started = performance.now();
    const completion = await this.inner.complete(request);
    const call: RecordedCall = {
      kind: request.kind,
      model: completion.model,
      promptHash: promptHash(request.prompt),
      seed: request.seed ?? null,
      output: completion.answer,
      usage: { promptTokens: completion.promptTokens, outputTokens: completion.outputTokens },
      latencyMs: Math.round(performance.now() - started),
      at: new Date().toISOString(),
    };
    const line = `${JSON.stringify(call)}\n`;
    this.writing = this.writing
      .then(() => appendFile(this.file, line))
      // A full disk must not fail the game: the answer is still good, only the recording misses it.
      .catch((error: unknown) => log.error({ err: error, file: this.file }, 'model answer not recorded'));
    await this.writing;
    return completion;
  }
}
