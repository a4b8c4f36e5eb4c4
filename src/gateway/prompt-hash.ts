import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Prompt } from './prompt.js';

/** What identifies a prompt in the completion cache and in recordings: a SHA-256 of both its parts. */
export function promptHash(prompt: Prompt): string {
  return createHash('sha256').update(prompt.system).update('\0').update(prompt.data).digest('hex').slice(0, 32);
}

const schemaHashes = new WeakMap<z.ZodType, string>();

/**
 * The output schema's version: a hash of its JSON Schema, so changing what a kind must answer
 * retires every answer cached for the old shape without anyone bumping a number.
 */
export function schemaVersion(schema: z.ZodType): string {
  let hash = schemaHashes.get(schema);
  if (hash === undefined) {
    const jsonSchema = z.toJSONSchema(schema, { unrepresentable: 'any' });
    hash = createHash('sha256').update(JSON.stringify(jsonSchema)).digest('hex').slice(0, 12);
    schemaHashes.set(schema, hash);
  }
  return hash;
}
