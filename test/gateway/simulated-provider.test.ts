import { describe, expect, it } from 'vitest';
import {
  LlmGateway,
  ModelOutputInvalidError,
  ModelRateLimitedError,
  ModelServerError,
  ModelTimeoutError,
  OfflineProvider,
  SimulatedProvider,
  simulatedRetryAfterMs,
  type SimulationSettings,
} from '../../src/gateway/index.js';
import { Grammar } from '../../src/gateway/providers/offline/grammar.js';
import { sampleInputs } from './sample-inputs.js';

function seededRandom(seed: string): () => number {
  const grammar = new Grammar(seed);
  return () => grammar.next();
}

function simulatedGateway(settings: Partial<SimulationSettings>, maxTimeoutMs = 30_000): LlmGateway {
  const provider = new SimulatedProvider(new OfflineProvider(), {
    latencyMs: { min: 0, max: 0 },
    failRate: 0,
    faults: ['5xx'],
    random: seededRandom('simulated-test'),
    ...settings,
  });
  return new LlmGateway(provider, maxTimeoutMs);
}

const narrate = (gateway: LlmGateway, timeoutMs?: number) =>
  gateway.generate('phase_narration', { input: sampleInputs.phase_narration }, timeoutMs === undefined ? {} : { timeoutMs });

describe('SimulatedProvider', () => {
  it('fails at the configured rate', async () => {
    const gateway = simulatedGateway({ failRate: 0.2, faults: ['5xx'] });
    let failures = 0;
    for (let call = 0; call < 1000; call++) {
      await narrate(gateway).catch((error: unknown) => {
        expect(error).toBeInstanceOf(ModelServerError);
        failures += 1;
      });
    }
    expect(failures).toBeGreaterThanOrEqual(150);
    expect(failures).toBeLessThanOrEqual(250);
  });

  it('never fails at rate 0 and always at rate 1', async () => {
    const never = simulatedGateway({ failRate: 0 });
    for (let call = 0; call < 50; call++) await expect(narrate(never)).resolves.toBeDefined();
    const always = simulatedGateway({ failRate: 1 });
    for (let call = 0; call < 50; call++) await expect(narrate(always)).rejects.toBeInstanceOf(ModelServerError);
  });

  it('delays each call within the configured latency range', async () => {
    const gateway = simulatedGateway({ latencyMs: { min: 40, max: 120 }, random: Math.random });
    const latencies = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const started = performance.now();
        await narrate(gateway);
        return performance.now() - started;
      }),
    );
    for (const latency of latencies) {
      expect(latency).toBeGreaterThanOrEqual(38);
      expect(latency).toBeLessThan(120 + 500);
    }
    // Uniform, not fixed: 20 draws over an 80 ms range do not all land in one 20 ms band.
    expect(Math.max(...latencies) - Math.min(...latencies)).toBeGreaterThan(20);
  });

  it('with outputChars, takes longer for a longer answer in proportion, and never less than the draw', async () => {
    // A fixed draw of 60 ms for an answer of up to 200 characters.
    const gateway = simulatedGateway({ latencyMs: { min: 60, max: 60 }, outputChars: 200 });
    const timed = async <T>(call: () => Promise<T>) => {
      const started = performance.now();
      const result = await call();
      return { ms: performance.now() - started, chars: JSON.stringify((result as { value: unknown }).value).length };
    };
    const turn = await timed(() => gateway.generate('turn_prose', { input: sampleInputs.turn_prose }));
    expect(turn.chars).toBeGreaterThan(400);
    expect(turn.ms).toBeGreaterThanOrEqual((60 * turn.chars) / 200 - 2);
    expect(turn.ms).toBeLessThan((60 * turn.chars) / 200 + 500);
    // A fault is still a fault when the latency follows the answer.
    const failing = simulatedGateway({ latencyMs: { min: 0, max: 0 }, outputChars: 200, failRate: 1, faults: ['5xx'] });
    await expect(narrate(failing)).rejects.toBeInstanceOf(ModelServerError);
    const short = await timed(() => gateway.generate('stakeholder_profile', { input: sampleInputs.stakeholder_profile }));
    expect(short.ms).toBeGreaterThanOrEqual(58);
    expect(short.ms).toBeLessThan(Math.max(60, (60 * short.chars) / 200) + 500);
  });

  it('injects a 429 with a retry-after', async () => {
    const failure = await narrate(simulatedGateway({ failRate: 1, faults: ['429'] })).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ModelRateLimitedError);
    expect((failure as ModelRateLimitedError).retryAfterMs).toBe(simulatedRetryAfterMs);
  });

  it('injects a hang that ends in the gateway timeout', async () => {
    const started = performance.now();
    await expect(narrate(simulatedGateway({ failRate: 1, faults: ['timeout'] }), 150)).rejects.toBeInstanceOf(ModelTimeoutError);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('injects garbage: unrepairable when every answer is garbage, repaired when one is', async () => {
    const gateway = simulatedGateway({ failRate: 1, faults: ['garbage'] });
    expect(gateway.provider.name).toBe('offline+simulated');
    await expect(narrate(gateway)).rejects.toBeInstanceOf(ModelOutputInvalidError);

    const flaky = simulatedGateway({ failRate: 0.5, faults: ['garbage'], random: seededRandom('flaky') });
    let repaired = 0;
    for (let call = 0; call < 100; call++) {
      const outcome = await narrate(flaky).catch(() => undefined);
      if (outcome?.usage.attempts === 2) repaired += 1;
    }
    expect(repaired).toBeGreaterThan(10);
  });

  it('aborts its latency wait when the call is cancelled', async () => {
    const gateway = simulatedGateway({ latencyMs: { min: 5000, max: 5000 } });
    const controller = new AbortController();
    const started = performance.now();
    const call = gateway.generate('phase_narration', { input: sampleInputs.phase_narration }, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('player left')), 50);
    await expect(call).rejects.toThrow('player left');
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
