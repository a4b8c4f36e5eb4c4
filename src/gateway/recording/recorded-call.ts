import { z } from 'zod';

/** One line of a recording: a model request, identified by its prompt hash, and what the model answered. */
export const recordedCall = z.object({
  kind: z.string(),
  model: z.string(),
  promptHash: z.string(),
  seed: z.number().nullable(),
  output: z.discriminatedUnion('type', [
    z.object({ type: z.literal('json'), value: z.unknown() }),
    z.object({ type: z.literal('text'), text: z.string() }),
  ]),
  usage: z.object({ promptTokens: z.number().nonnegative(), outputTokens: z.number().nonnegative() }),
  latencyMs: z.number().nonnegative(),
  /** ISO time of the answer. */
  at: z.string(),
});

export type RecordedCall = z.infer<typeof recordedCall>;

/** Recordings are JSON-lines files with this ending in the LLM_RECORD folder. */
export const RECORDING_EXTENSION = '.jsonl';
