import type { z } from 'zod';
import { buildPrompt, type Prompt } from '../prompt.js';

/** One slow-path task kind: what it is given, what it must answer, and how it is asked. */
export interface TaskKind<Input, Output extends z.ZodType> {
  readonly output: Output;
  /** Default time budget for one generate call; the gateway caps it at LLM_TIMEOUT_MS. */
  readonly timeoutMs: number;
  /** Upper bound on the answer's JSON length; also bounds the model's output tokens. */
  readonly maxOutputChars: number;
  buildPrompt(input: Input): Prompt;
}

export function defineTaskKind<Input, Output extends z.ZodType>(spec: {
  output: Output;
  /** Fixed text: input never goes here. */
  instructions: string;
  timeoutMs: number;
  maxOutputChars: number;
}): TaskKind<Input, Output> {
  return {
    output: spec.output,
    timeoutMs: spec.timeoutMs,
    maxOutputChars: spec.maxOutputChars,
    buildPrompt: (input) => buildPrompt(spec.instructions, input),
  };
}
