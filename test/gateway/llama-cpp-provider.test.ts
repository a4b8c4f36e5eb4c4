import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config.js';
import { kinds, LlmGateway, LlamaCppProvider, ModelTimeoutError, taskKinds, type Kind } from '../../src/gateway/index.js';
import { metrics } from '../../src/observability/metrics.js';
import { sampleInputs } from './sample-inputs.js';

/**
 * The real-model contract: a real inference engine (node-llama-cpp) runs a real GGUF (tiny, random
 * weights) under each kind's JSON-schema grammar, offline. Its answers are gibberish in the right
 * shape, with the quirks of small models: numbers out of range or Infinity, U+FFFD, strings past
 * their limit. Every kind must still yield a usable answer.
 */

const modelPath = fileURLToPath(new URL('../fixtures/models/llama-2-tiny-random.gguf', import.meta.url));
const SEQUENCES = 2;

let provider: LlamaCppProvider;
let gateway: LlmGateway;

beforeAll(async () => {
  // One thread: llama.cpp's worker threads spin, and on a shared CI machine more threads only slow it down.
  provider = new LlamaCppProvider({ modelPath, sequences: SEQUENCES, gpu: 'off', threads: 1, contextSize: 2048 });
  await provider.ready();
  gateway = new LlmGateway(provider, 30_000);
}, 120_000);

afterAll(() => provider?.close());

async function corrections(): Promise<number> {
  const { values } = await metrics.modelOutputCorrections.get();
  return values.reduce((total, sample) => total + sample.value, 0);
}

describe('LlamaCppProvider: a real model under JSON-schema grammars', () => {
  it.each(kinds)(
    '%s: a grammar-constrained generation yields a usable answer',
    async (kind: Kind) => {
      // The longest budget: on a loaded CI machine a long kind may need more than its own 15 s.
      const { value, usage } = await gateway.generate(
        kind,
        { input: sampleInputs[kind] as never, context: { seed: 7 } },
        { timeoutMs: 30_000 },
      );
      expect(taskKinds[kind].output.safeParse(value).success).toBe(true);
      expect(usage).toMatchObject({ provider: 'llama-cpp' });
      expect(usage.outputTokens).toBeGreaterThan(0);
    },
    60_000,
  );

  it('puts right what the grammar does not enforce, and counts it', async () => {
    // Over all kinds the random weights never stay inside every range and length.
    expect(await corrections()).toBeGreaterThan(0);
  });

  it('asks for one repair when the answer is unusable, then gives up for good', async () => {
    const calls = metrics.modelCalls;
    const before = (await calls.get()).values
      .filter((v) => v.labels.kind === 'phase_narration' && v.labels.outcome === 'invalid_output')
      .reduce((t, v) => t + v.value, 0);
    const { z } = await import('zod');
    // A refinement is invisible to the grammar, so the model cannot meet it.
    const impossible = z.object({ text: z.string().refine((text) => text.startsWith('\u2603')) });
    await expect(gateway.generate('phase_narration', { input: sampleInputs.phase_narration, schema: impossible })).rejects.toMatchObject({
      reason: 'invalid_output',
    });
    const after = (await calls.get()).values
      .filter((v) => v.labels.kind === 'phase_narration' && v.labels.outcome === 'invalid_output')
      .reduce((t, v) => t + v.value, 0);
    expect(after - before).toBe(2);
  }, 30_000);

  it('times out, cancels the generation and frees its sequence for the next call', async () => {
    const started = Date.now();
    // Seeded: unseeded, the random weights now and then end the answer after a few tokens, inside
    // the budget (seen once in CI). Seed 1 writes ≈ 190 tokens, ≈ 220 ms here, four times the budget.
    const failure = await gateway
      .generate('beat_prose', { input: sampleInputs.beat_prose, context: { seed: 1 } }, { timeoutMs: 50 })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ModelTimeoutError);
    expect(Date.now() - started).toBeLessThan(5_000);
    // Both sequences are free again: two calls at once still complete.
    const results = await Promise.all(
      [0, 1].map((seed) => gateway.generate('reputation_narration', { input: sampleInputs.reputation_narration, context: { seed } })),
    );
    expect(results).toHaveLength(2);
  }, 30_000);

  it('serves more concurrent calls than it has sequences, each with a usable answer', async () => {
    // A short kind keeps this quick; calls waiting for a sequence spend their budget waiting.
    const many = Array.from({ length: SEQUENCES * 3 }, (_, seed) =>
      gateway.generate('phase_narration', { input: sampleInputs.phase_narration, context: { seed } }, { timeoutMs: 30_000 }),
    );
    const results = await Promise.all(many);
    for (const { value } of results) expect(taskKinds.phase_narration.output.safeParse(value).success).toBe(true);
  }, 60_000);

  it('refuses a model file that is not there, naming LLM_MODEL_PATH', () => {
    expect(() => new LlamaCppProvider({ modelPath: '/nonexistent/model.gguf', sequences: 1, gpu: 'off', threads: 1 })).toThrow(ConfigError);
    expect(() => new LlamaCppProvider({ modelPath: '/nonexistent/model.gguf', sequences: 1, gpu: 'off', threads: 1 })).toThrow(
      /LLM_MODEL_PATH/,
    );
  });
});
