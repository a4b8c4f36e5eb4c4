import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { logger } from '../observability/logger.js';
import { metrics } from '../observability/metrics.js';
import { inSpan, SpanKind } from '../observability/tracing.js';
import { assertModelCallAllowed } from '../runtime/hot-path/hot-path.js';
import { untilAborted } from './abort.js';
import { ModelOutputInvalidError, ModelTimeoutError } from './errors.js';
import { correctOutput } from './output-corrections.js';
import { taskKinds, type Kind, type KindInput, type KindOutput, type KindOutputSchema } from './kinds/index.js';
import type { TaskKind } from './kinds/task-kind.js';
import type { Completion, ModelAnswer, ModelProvider } from './providers/model-provider.js';
import { capInput, withRepairRequest, withStory, type Prompt } from './prompt.js';
import type { StorySetting } from './kinds/story-context.js';

export interface GenerateRequest<K extends Kind> {
  input: KindInput<K>;
  context?: {
    seed?: number;
    gameId?: string;
    /** `priority` (1–10, default 5) decides what the hourly budget sheds first. */
    priority?: number;
    /** The scenario's setting: the world and words the answer is written in. */
    setting?: StorySetting;
    /** The story lines the player read last, newest first: the answer should not echo their phrasing. */
    recent?: readonly string[];
  };
  /** Replaces the kind's output schema, e.g. to narrow it; it must still produce the kind's output. */
  schema?: KindOutputSchema<K>;
}

export interface GenerateOptions {
  /** Budget for the whole call including its repair; capped at LLM_TIMEOUT_MS. Default: the kind's. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ModelUsage {
  provider: string;
  model: string;
  promptTokens: number;
  outputTokens: number;
  latencyMs: number;
  /** 1, or 2 when the first answer was invalid and repaired. */
  attempts: number;
  /** US dollars at LLM_PRICES, repair included; 0 for a model without a price and for a cached answer. */
  estimatedCostUsd: number;
}

export interface Generation<K extends Kind> {
  value: KindOutput<K>;
  usage: ModelUsage;
}

type Verdict = { valid: true; value: unknown } | { valid: false; problem: string; raw: string };

const log = logger.child({ module: 'gateway' });

/** The priority of a call that names none: the task contracts' default. */
const DEFAULT_PRIORITY = 5;

/**
 * The one place Nyx talks to language models (slow path only). A call gets a time budget, one
 * repair attempt for an invalid answer, and typed failures the job queue knows how to retry.
 */
export class LlmGateway {
  constructor(
    readonly provider: ModelProvider,
    /** LLM_TIMEOUT_MS: no call waits longer, whatever its kind or caller asks. */
    private readonly maxTimeoutMs: number,
  ) {}

  async generate<K extends Kind>(kind: K, request: GenerateRequest<K>, options: GenerateOptions = {}): Promise<Generation<K>> {
    assertModelCallAllowed(kind);
    // TypeScript cannot correlate a generic K across the registry's union of kinds.
    const taskKind = taskKinds[kind] as unknown as TaskKind<KindInput<K>, z.ZodType>;
    const schema: z.ZodType = request.schema ?? taskKind.output;
    const budgetMs = Math.min(options.timeoutMs ?? taskKind.timeoutMs, this.maxTimeoutMs);
    const deadline = AbortSignal.timeout(budgetMs);
    const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
    const input = capInput(request.input);
    const story = { setting: request.context?.setting, recent: request.context?.recent };
    const firstPrompt = withStory(taskKind.buildPrompt(request.input), story);
    const started = performance.now();
    const usage = { promptTokens: 0, outputTokens: 0, attempts: 0, model: '', estimatedCostUsd: 0 };

    let prompt: Prompt = firstPrompt;
    for (;;) {
      usage.attempts += 1;
      const modelCall = {
        kind: SpanKind.CLIENT,
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': this.provider.name,
          'nyx.task_kind': kind,
          'nyx.attempt': usage.attempts,
        },
      };
      // GenAI semantic conventions: `chat <model>`, with the model, the tokens and the outcome.
      const { completion, verdict } = await inSpan('chat', modelCall, async (span) => {
        const answered = await this.attempt(kind, budgetMs, deadline, {
          kind,
          input,
          prompt,
          schema,
          // Generous (JSON runs 3–4 characters a token): the cap only stops a runaway answer.
          maxOutputTokens: Math.ceil(taskKind.maxOutputChars / 2),
          seed: request.context?.seed,
          ...story,
          signal,
          gameId: request.context?.gameId,
          priority: request.context?.priority ?? DEFAULT_PRIORITY,
        });
        const checked = validate(kind, schema, answered.answer);
        span.updateName(`chat ${answered.model}`);
        span.setAttributes({
          'gen_ai.request.model': answered.model,
          'gen_ai.response.model': answered.model,
          'gen_ai.usage.input_tokens': answered.promptTokens,
          'gen_ai.usage.output_tokens': answered.outputTokens,
          'nyx.outcome': checked.valid ? 'ok' : 'invalid_output',
        });
        return { completion: answered, verdict: checked };
      });
      usage.estimatedCostUsd += completion.costUsd ?? 0;
      usage.promptTokens += completion.promptTokens;
      usage.outputTokens += completion.outputTokens;
      usage.model = completion.model;

      if (verdict.valid) {
        this.countCall(kind, 'ok');
        return {
          value: verdict.value as KindOutput<K>,
          usage: {
            provider: this.provider.name,
            ...usage,
            latencyMs: Math.round(performance.now() - started),
          },
        };
      }
      this.countFailure(kind, 'invalid_output');
      log.warn({ kind, gameId: request.context?.gameId, attempt: usage.attempts, problem: verdict.problem }, 'model answer invalid');
      if (usage.attempts > 1) throw new ModelOutputInvalidError(kind, verdict.problem);
      prompt = withRepairRequest(firstPrompt, verdict.problem, verdict.raw);
    }
  }

  private async attempt(
    kind: Kind,
    budgetMs: number,
    deadline: AbortSignal,
    request: Parameters<ModelProvider['complete']>[0],
  ): Promise<Completion> {
    const started = performance.now();
    try {
      const completion = await untilAborted(this.provider.complete(request), request.signal);
      metrics.modelTokens.inc({ kind, direction: 'prompt' }, completion.promptTokens);
      metrics.modelTokens.inc({ kind, direction: 'output' }, completion.outputTokens);
      return completion;
    } catch (error) {
      // The deadline wins over whatever the provider made of the abort (AbortError, fetch failure...).
      const failure = deadline.aborted ? new ModelTimeoutError(kind, budgetMs, { cause: error }) : error;
      const reason = failureReasonOf(failure, request.signal);
      this.countFailure(kind, reason);
      log.warn({ kind, reason, err: failure }, 'model call failed');
      throw failure;
    } finally {
      metrics.modelCallDuration.observe({ kind, provider: this.provider.name }, (performance.now() - started) / 1000);
    }
  }

  private countFailure(kind: Kind, reason: string): void {
    metrics.modelFailures.inc({ kind, reason });
    this.countCall(kind, reason);
  }

  private countCall(kind: Kind, outcome: string): void {
    metrics.modelCalls.inc({ kind, provider: this.provider.name, outcome });
  }
}

function failureReasonOf(error: unknown, signal: AbortSignal): string {
  const reason = typeof error === 'object' && error !== null ? (error as { reason?: unknown }).reason : undefined;
  if (typeof reason === 'string') return reason;
  return signal.aborted ? 'aborted' : 'error';
}

function validate(kind: Kind, schema: z.ZodType, answer: ModelAnswer): Verdict {
  let value: unknown;
  if (answer.type === 'json') {
    value = answer.value;
  } else {
    try {
      value = JSON.parse(answer.text);
    } catch (error) {
      return { valid: false, problem: `not valid JSON (${(error as Error).message})`, raw: answer.text };
    }
  }
  const corrected = correctOutput(schema, value);
  for (const { field, correction } of corrected.corrections) metrics.modelOutputCorrections.inc({ kind, field, correction });
  const parsed = schema.safeParse(corrected.value);
  if (parsed.success) return { valid: true, value: parsed.data };
  return {
    valid: false,
    problem: `does not match the schema:\n${z.prettifyError(parsed.error)}`,
    raw: answer.type === 'text' ? answer.text : JSON.stringify(value),
  };
}
