import { bigserial, index, integer, jsonb, pgTable, real, serial, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { conflicts } from './conflicts.js';
import { gameIdColumn } from './game-column.js';
import type { CanonEventType } from '../../domain/index.js';

/** The canon event log; `request_id` makes applying an event idempotent. */
export const canonEvents = pgTable(
  'canon_events',
  {
    eventId: bigserial('event_id', { mode: 'number' }).primaryKey(),
    gameId: gameIdColumn(),
    requestId: uuid('request_id').notNull().unique('uq_canon_events_request_id'),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    appliedAt: timestamp('applied_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('idx_canon_events_game').on(t.gameId)],
);

/** The canonical record of a resolved conflict (the seed's `conflict_canon`). */
export const canonRecords = pgTable(
  'canon_records',
  {
    canonId: serial('canon_id').primaryKey(),
    gameId: gameIdColumn(),
    conflictId: integer('conflict_id')
      .notNull()
      .references(() => conflicts.id, { onDelete: 'cascade' }),
    eventType: text('event_type').$type<CanonEventType>().notNull(),
    name: text('name').notNull(),
    canonText: text('canon_text'),
    significanceScore: real('significance_score').notNull(),
    culturalImpact: text('cultural_impact'),
    tags: jsonb('tags').$type<string[]>().notNull().default([]),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('idx_canon_records_game').on(t.gameId), index('idx_canon_records_conflict').on(t.conflictId)],
);
