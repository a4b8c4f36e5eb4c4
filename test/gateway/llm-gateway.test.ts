import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import {
  createGateway,
  LlmGateway,
  ModelOutputInvalidError,
  ModelTimeoutError,
  MeteredProvider,
  OfflineProvider,
  PriceList,
  type Completion,
  type CompletionRequest,
  type ModelAnswer,
  type ModelProvider,
} from '../../src/gateway/index.js';
import { metrics } from '../../src/observability/metrics.js';
import { MemoryCache } from '../../src/runtime/cache/memory-cache.js';
import { configureHotPath, hotPath, HotPathViolation, takeHotPathIncidents } from '../../src/runtime/hot-path/hot-path.js';
import { Budget } from '../../src/runtime/spend/budget.js';
import { SpendLedger } from '../../src/runtime/spend/spend-ledger.js';
import { sampleInputs } from './sample-inputs.js';
import { metricValue } from '../support/metrics.js';

/** Answers from a script, and remembers what it was asked. */
class ScriptedProvider implements ModelProvider {
  readonly name = 'scripted';
  readonly requests: CompletionRequest[] = [];
  constructor(private readonly answers: (ModelAnswer | 'hang')[]) {}

  async complete(request: CompletionRequest): Promise<Completion> {
    this.requests.push(request);
    const answer = this.answers.shift() ?? { type: 'text', text: '' };
    if (answer === 'hang') return new Promise<never>(() => {});
    return { answer, model: 'scripted-1', promptTokens: 1000, outputTokens: 100 };
  }
}

const noBudget = { gameUsd: undefined, hourlyUsd: undefined };

const narration: ModelAnswer = { type: 'json', value: { text: 'The quarrel over the harbour tolls grows loud.' } };

describe('LlmGateway', () => {
  it('refuses to call a model inside a hot-path operation, naming the operation and kind', async () => {
    const previous = configureHotPath({ disableLlm: true });
    try {
      const gateway = new LlmGateway(new OfflineProvider(), 30_000);
      const failure = await hotPath('player_choice', () => gateway.generate('gossip', { input: sampleInputs.gossip })).catch(
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(HotPathViolation);
      expect(failure).toMatchObject({ operation: 'player_choice', kind: 'model-call' });
      expect((failure as Error).message).toMatch(/"player_choice".*"gossip"/);
      expect(takeHotPathIncidents()).toEqual([failure]);
      await expect(gateway.generate('gossip', { input: sampleInputs.gossip })).resolves.toMatchObject({ usage: { provider: 'offline' } });
    } finally {
      configureHotPath(previous);
    }
  });

  it("reports usage: tokens, attempts, latency and cost at the model's price", async () => {
    const provider = new ScriptedProvider([narration]);
    const cache = new MemoryCache();
    const ledger = new SpendLedger(cache);
    const metered = new MeteredProvider(
      provider,
      new PriceList({ 'scripted-1': { input: 2, output: 10 } }),
      ledger,
      new Budget(ledger, noBudget),
    );
    const { value, usage } = await new LlmGateway(metered, 30_000).generate('phase_narration', {
      input: sampleInputs.phase_narration,
      context: { seed: 4 },
    });
    expect(value.text).toContain('harbour tolls');
    expect(usage).toMatchObject({ provider: 'scripted', model: 'scripted-1', promptTokens: 1000, outputTokens: 100, attempts: 1 });
    expect(usage.estimatedCostUsd).toBeCloseTo((1000 * 2 + 100 * 10) / 1_000_000, 9);
    expect(usage.latencyMs).toBeGreaterThanOrEqual(0);
    expect(provider.requests[0]!.seed).toBe(4);
  });

  it('asks once for a repair, with the problem and the rejected answer in the data section only', async () => {
    const provider = new ScriptedProvider([{ type: 'json', value: { text: '' } }, narration]);
    const { usage } = await new LlmGateway(provider, 30_000).generate('phase_narration', { input: sampleInputs.phase_narration });
    expect(usage.attempts).toBe(2);
    expect(usage.promptTokens).toBe(2000);
    const [first, repair] = provider.requests;
    expect(repair!.prompt.system).toBe(first!.prompt.system);
    expect(repair!.prompt.data.startsWith(first!.prompt.data)).toBe(true);
    expect(repair!.prompt.data).toContain('REJECTED PREVIOUS ANSWER');
    expect(repair!.prompt.data).toContain('does not match the schema');
  });

  it('gives up after the repair with a permanent ModelOutputInvalidError, and counts both failures', async () => {
    const labels = { kind: 'beat_prose', reason: 'invalid_output' };
    const before = await metricValue(metrics.modelFailures, labels);
    const provider = new ScriptedProvider([
      { type: 'text', text: 'once upon a time' },
      { type: 'json', value: { prose: 'wrong field' } },
      narration,
    ]);
    const failure = await new LlmGateway(provider, 30_000)
      .generate('beat_prose', { input: sampleInputs.beat_prose })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ModelOutputInvalidError);
    expect((failure as ModelOutputInvalidError).retryable).toBe(false);
    expect(provider.requests).toHaveLength(2);
    expect((await metricValue(metrics.modelFailures, labels)) - before).toBe(2);
  });

  it('validates against a caller-supplied schema', async () => {
    const onceUponATime = z.object({ text: z.string().startsWith('Once') });
    const provider = new ScriptedProvider([narration, narration]);
    await expect(
      new LlmGateway(provider, 30_000).generate('phase_narration', { input: sampleInputs.phase_narration, schema: onceUponATime }),
    ).rejects.toBeInstanceOf(ModelOutputInvalidError);
  });

  it('corrects by the caller-supplied schema: its limits, not the kind’s', async () => {
    const short = z.object({ text: z.string().max(20) });
    const provider = new ScriptedProvider([narration]);
    const { value, usage } = await new LlmGateway(provider, 30_000).generate('phase_narration', {
      input: sampleInputs.phase_narration,
      schema: short,
    });
    expect(value).toEqual({ text: 'The quarrel over the' });
    expect(usage.attempts).toBe(1);
  });

  it('accepts a usable answer after correcting it, without a repair, and counts each correction', async () => {
    const labels = { kind: 'stakeholder_reaction', field: 'stress_impact', correction: 'clamped' };
    const before = await metricValue(metrics.modelOutputCorrections, labels);
    const answer = {
      reaction_type: 'support',
      emotional_response: 'angry',
      description: 'Mara\uFFFD nods.',
      relationship_impact: 0,
      stress_impact: 0.8,
    };
    const provider = new ScriptedProvider([{ type: 'text', text: JSON.stringify(answer) }]);
    const { value, usage } = await new LlmGateway(provider, 30_000).generate('stakeholder_reaction', {
      input: sampleInputs.stakeholder_reaction,
    });
    expect(value).toMatchObject({ description: 'Mara nods.', stress_impact: 0.3 });
    expect(usage.attempts).toBe(1);
    expect((await metricValue(metrics.modelOutputCorrections, labels)) - before).toBe(1);
  });

  it('keeps the rest of an answer whose number parsed as Infinity, and clamps 187E9', async () => {
    const answer =
      '{"reaction_type":"support","emotional_response":"angry","description":"Mara nods.","relationship_impact":1e999,"stress_impact":187E9}';
    const provider = new ScriptedProvider([{ type: 'text', text: answer }]);
    const { value, usage } = await new LlmGateway(provider, 30_000).generate('stakeholder_reaction', {
      input: sampleInputs.stakeholder_reaction,
    });
    expect(usage.attempts).toBe(1);
    expect(value).toMatchObject({ description: 'Mara nods.', relationship_impact: 0, stress_impact: 0.3 });
  });

  it('asks for a repair naming only the field that is unusable, after correcting the others', async () => {
    const broken = '{"reaction_type":"support","emotional_response":"angry","description":"","relationship_impact":0,"stress_impact":0.8}';
    const provider = new ScriptedProvider([
      { type: 'text', text: broken },
      { type: 'text', text: broken.replace('""', '"Mara nods."') },
    ]);
    const { value, usage } = await new LlmGateway(provider, 30_000).generate('stakeholder_reaction', {
      input: sampleInputs.stakeholder_reaction,
    });
    expect(usage.attempts).toBe(2);
    expect(value).toMatchObject({ description: 'Mara nods.', stress_impact: 0.3 });
    const { problem } = JSON.parse(provider.requests[1]!.prompt.data.split('REJECTED PREVIOUS ANSWER (JSON):\n')[1]!) as {
      problem: string;
    };
    expect(problem).toContain('description');
    expect(problem).not.toContain('stress_impact');
  });

  it('caps every time budget at LLM_TIMEOUT_MS', async () => {
    const gateway = new LlmGateway(new ScriptedProvider(['hang']), 150);
    const started = performance.now();
    const failure = await gateway
      .generate('canon_record', { input: sampleInputs.canon_record }, { timeoutMs: 60_000 })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ModelTimeoutError);
    expect((failure as ModelTimeoutError).timeoutMs).toBe(150);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('counts calls, tokens, durations and failures by kind', async () => {
    const ok = { kind: 'lore_check', provider: 'offline', outcome: 'ok' };
    const calls = await metricValue(metrics.modelCalls, ok);
    const tokens = await metricValue(metrics.modelTokens, { kind: 'lore_check', direction: 'output' });
    await new LlmGateway(new OfflineProvider(), 30_000).generate('lore_check', { input: sampleInputs.lore_check });
    expect((await metricValue(metrics.modelCalls, ok)) - calls).toBe(1);
    expect(await metricValue(metrics.modelTokens, { kind: 'lore_check', direction: 'output' })).toBeGreaterThan(tokens);
    const durations = await metrics.modelCallDuration.get();
    expect(durations.values.some((entry) => entry.labels.kind === 'lore_check' && entry.labels.provider === 'offline')).toBe(true);

    const timeouts = await metricValue(metrics.modelFailures, { kind: 'tension_manifestations', reason: 'timeout' });
    await new LlmGateway(new ScriptedProvider(['hang']), 50)
      .generate('tension_manifestations', { input: sampleInputs.tension_manifestations })
      .catch(() => undefined);
    expect((await metricValue(metrics.modelFailures, { kind: 'tension_manifestations', reason: 'timeout' })) - timeouts).toBe(1);
  });
});

describe('createGateway', () => {
  const runtime = { cache: new MemoryCache(), budget: noBudget };

  it('defaults to the offline provider with a visible latency', () => {
    const gateway = createGateway(loadConfig({}).llm, runtime);
    expect(gateway.provider.name).toBe('offline+simulated');
  });

  it('uses the configured latency and failure simulation', async () => {
    const gateway = createGateway(loadConfig({ LLM_SIM_LATENCY_MS: '0', LLM_SIM_FAIL_RATE: '1', LLM_SIM_FAULTS: '5xx' }).llm, runtime);
    await expect(gateway.generate('gossip', { input: sampleInputs.gossip })).rejects.toMatchObject({ name: 'ModelServerError' });
  });

  it('builds the openai-compatible provider, and demands a model for it', () => {
    const gateway = createGateway(loadConfig({ LLM_BASE_URL: 'http://127.0.0.1:1/v1', LLM_MODEL: 'qwen' }).llm, runtime);
    expect(gateway.provider.name).toBe('openai-compatible');
    expect(() => createGateway(loadConfig({ LLM_BASE_URL: 'http://127.0.0.1:1/v1' }).llm, runtime)).toThrow(ConfigError);
  });
});
