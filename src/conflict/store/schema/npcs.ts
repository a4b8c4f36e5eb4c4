import { index, jsonb, pgTable, real, serial, text, timestamp, unique } from 'drizzle-orm/pg-core';
import { gameIdColumn } from './game-column.js';

export const npcs = pgTable(
  'npcs',
  {
    id: serial('id').primaryKey(),
    gameId: gameIdColumn(),
    /** The scenario's id for this NPC, stable across games. */
    key: text('key').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    traits: jsonb('traits').$type<string[]>().notNull().default([]),
    socialRole: text('social_role'),
    location: text('location'),
    gossipTendency: real('gossip_tendency').notNull().default(0.5),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('idx_npcs_game').on(t.gameId), unique('uq_npcs_game_key').on(t.gameId, t.key)],
);
