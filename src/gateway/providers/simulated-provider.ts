import type { SimulatedFault } from '../../config/config.js';
import { abortableDelay, untilAbortedForever } from '../abort.js';
import { ModelRateLimitedError, ModelServerError } from '../errors.js';
import type { Kind } from '../kinds/index.js';
import { type Completion, type CompletionRequest, modelOf, type ModelProvider } from './model-provider.js';

export interface SimulationSettings {
  /** Uniform per-call latency; { min: 0, max: 0 } for none. */
  latencyMs: { min: number; max: number };
  /** Probability (0–1) that a call fails with one of `faults`. */
  failRate: number;
  faults: readonly SimulatedFault[];
  /**
   * The answer length, in JSON characters, that the drawn latency is for: a longer answer takes
   * proportionally longer (a real model's time grows with what it decodes), a shorter one no less.
   * Unset: every call takes the drawn latency, whatever it writes.
   */
  outputChars?: number;
  /** Injectable for tests; Math.random by default. */
  random?: () => number;
}

/** The Retry-After a simulated 429 carries. */
export const simulatedRetryAfterMs = 2_000;

/** Unparseable or schema-invalid answers, alternately, so both halves of the repair path run. */
const garbage = [
  { type: 'text', text: 'The tide took the answer {"half": "a sentence' },
  { type: 'json', value: { verdict: 'the chamberlain shrugs', confidence: 'high' } },
] as const;

/**
 * Wraps a provider with the latency and failures of a real model server, so that asynchronous
 * behaviour, retries and repair can be watched (and tested) without one.
 */
export class SimulatedProvider implements ModelProvider {
  readonly name: string;
  private readonly random: () => number;

  constructor(
    private readonly inner: ModelProvider,
    private readonly settings: SimulationSettings,
  ) {
    this.name = `${inner.name}+simulated`;
    this.random = settings.random ?? Math.random;
  }

  /** The start-up check goes through to the provider that answers. */
  probe(signal: AbortSignal): Promise<void> {
    return this.inner.probe?.(signal) ?? Promise.resolve();
  }

  modelFor(kind: Kind): string {
    return modelOf(this.inner, kind);
  }

  async complete(request: CompletionRequest): Promise<Completion> {
    const fault = this.pickFault();
    const { min, max } = this.settings.latencyMs;
    const latency = min + this.random() * (max - min);
    const { outputChars } = this.settings;
    if (fault === undefined && outputChars !== undefined) {
      const completion = await this.inner.complete(request);
      const written = JSON.stringify(completion.answer.type === 'json' ? completion.answer.value : completion.answer.text).length;
      const scaled = latency * Math.max(1, written / outputChars);
      if (scaled > 0) await abortableDelay(scaled, request.signal);
      return completion;
    }
    if (latency > 0) await abortableDelay(latency, request.signal);
    switch (fault) {
      case undefined:
        return this.inner.complete(request);
      case 'timeout':
        return untilAbortedForever(request.signal);
      case '429':
        throw new ModelRateLimitedError(request.kind, simulatedRetryAfterMs);
      case '5xx':
        throw new ModelServerError(request.kind, 503);
      case 'garbage': {
        const answer = garbage[Math.floor(this.random() * garbage.length)] ?? garbage[0];
        return { answer, model: `${this.name}-garbage`, promptTokens: 0, outputTokens: 0 };
      }
    }
  }

  private pickFault(): SimulatedFault | undefined {
    const { failRate, faults } = this.settings;
    if (faults.length === 0 || this.random() >= failRate) return undefined;
    return faults[Math.floor(this.random() * faults.length)];
  }
}
