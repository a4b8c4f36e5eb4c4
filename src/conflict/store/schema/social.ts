import { boolean, index, integer, jsonb, pgTable, primaryKey, real, serial, text, timestamp } from 'drizzle-orm/pg-core';
import { gameIdColumn } from './game-column.js';
import { npcs } from './npcs.js';
import type { ReputationType } from '../../domain/index.js';

/** One score per NPC and ReputationType. */
export const reputationScores = pgTable(
  'reputation_scores',
  {
    gameId: gameIdColumn(),
    npcId: integer('npc_id')
      .notNull()
      .references(() => npcs.id, { onDelete: 'cascade' }),
    type: text('type').$type<ReputationType>().notNull(),
    score: real('score').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.npcId, t.type] }), index('idx_reputation_scores_game').on(t.gameId)],
);

export const socialAlliances = pgTable(
  'social_alliances',
  {
    id: serial('id').primaryKey(),
    gameId: gameIdColumn(),
    party1Id: integer('party1_id')
      .notNull()
      .references(() => npcs.id, { onDelete: 'cascade' }),
    party2Id: integer('party2_id')
      .notNull()
      .references(() => npcs.id, { onDelete: 'cascade' }),
    allianceType: text('alliance_type').notNull(),
    terms: jsonb('terms').$type<Record<string, unknown>>(),
    isSecret: boolean('is_secret').notNull().default(false),
    status: text('status').notNull().default('active'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('idx_social_alliances_game').on(t.gameId)],
);
