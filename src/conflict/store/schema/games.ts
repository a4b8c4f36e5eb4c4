import { bigint, boolean, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** One row per running game. Every game-scoped table cascades from here. */
export const games = pgTable('games', {
  id: text('id').primaryKey(),
  scenarioId: text('scenario_id').notNull(),
  seed: integer('seed').notNull(),
  /** SHA-256 of the bearer token: the token itself is never stored. */
  tokenHash: text('token_hash').notNull(),
  /** The game state version; bumped on every change so cached content can tell it is stale. */
  version: bigint('version', { mode: 'number' }).notNull().default(0),
  /**
   * Bumped only when the hot path changes the game's entities (NPCs, conflicts, stakeholders,
   * flows, reputations): a cached snapshot of them is current while this matches.
   */
  entitiesVersion: bigint('entities_version', { mode: 'number' }).notNull().default(0),
  degraded: boolean('degraded').notNull().default(false),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
