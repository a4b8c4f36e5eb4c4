import { z } from 'zod';

/**
 * The request shapes of the HTTP API. Bodies are strict: an unknown field is a 400 that names it,
 * so a client typo never passes silently.
 */

/** Ids and seeds are stored as PostgreSQL `integer`s. */
const MAX_INT = 2_147_483_647;

/** HTML form values arrive as strings, so the web UI's `"12"` is read as the integer 12. */
const integerId = z.preprocess(
  (value) => (typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : value),
  z.int().min(1).max(MAX_INT),
);

/** A seed is an integer, or any short text (the start screen's free-form field), hashed to one. */
const seed = z.union([
  z.int().min(0).max(MAX_INT),
  z
    .string()
    .trim()
    .min(1)
    .max(64)
    .transform((text) => (/^\d{1,9}$/.test(text) ? Number(text) : hashToSeed(text))),
]);

/** FNV-1a, folded to 31 bits so it fits the seed column. */
function hashToSeed(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 1;
}

const text = (max: number) => z.string().trim().min(1).max(max);

export const createGameBody = z.strictObject({
  scenario: text(100),
  seed: seed.optional(),
});

export const choiceBody = z.strictObject({
  choiceId: text(200),
});

export const createConflictBody = z.strictObject({
  type: text(100),
  npcIds: z.array(integerId).min(2).max(32),
  title: text(200).optional(),
});

export const resolveConflictBody = z.strictObject({
  outcome: text(2_000),
  winnerNpcIds: z.array(integerId).max(32).optional(),
});

export const gameParams = z.strictObject({
  gameId: text(128),
});

export const conflictParams = z.strictObject({
  gameId: text(128),
  conflictId: integerId,
});

/** The story read back a page at a time (query strings arrive as text, so numbers are coerced). */
export const feedQuery = z.strictObject({
  /** The `next` cursor of the page read before; none for the newest page. */
  before: z
    .string()
    .min(1)
    .max(512)
    .regex(/^[A-Za-z0-9_-]+$/, 'expected a cursor from `next`')
    .optional(),
  /** Items per page; default 20. */
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

/** EventSource cannot send headers, so the stream also takes the token in the query. */
export const eventsQuery = z.object({
  token: z.string().max(512).optional(),
});
