import { sql } from 'drizzle-orm';
import { bigint, check, index, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { gameIdColumn } from './game-column.js';

/** The ids a content item is about, so the UI can place it (npcId, conflictId, …). */
export type ContentSubject = Record<string, string | number>;

/** The job that will fill a `generating` item, kept so the item can be dispatched again if that job is lost. */
export interface ContentTask {
  name: string;
  /** As dispatched; checked against the contract again before it is sent once more. */
  payload: unknown;
}

/**
 * The player-visible feed of generated content. An item is written at once with its fallback text
 * (`generating`) and completed by the slow path (`ready`), or left on the fallback (`failed`).
 */
export const contentItems = pgTable(
  'content_items',
  {
    id: text('id').primaryKey(),
    gameId: gameIdColumn(),
    /** action, reaction, narration, beat, gossip, reputation, alliance, canon, reference, manifestation, escalation, … */
    kind: text('kind').notNull(),
    status: text('status', { enum: ['ready', 'generating', 'failed'] }).notNull(),
    origin: text('origin', { enum: ['generated', 'fallback'] }).notNull(),
    text: text('text'),
    fallbackText: text('fallback_text'),
    subject: jsonb('subject').$type<ContentSubject>().notNull().default({}),
    /** The game version the content was generated against. */
    stateVersion: bigint('state_version', { mode: 'number' }),
    contextHash: text('context_hash'),
    /**
     * What produced the item, for content the slow path adds on its own (a reference, a gossip line):
     * unique, so a redelivered or repeated job inserts nothing the second time.
     */
    sourceKey: text('source_key'),
    task: jsonb('task').$type<ContentTask>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('idx_content_items_game_created').on(t.gameId, t.createdAt),
    uniqueIndex('uq_content_items_source_key').on(t.sourceKey),
    index('idx_content_items_generating').on(t.createdAt).where(sql`status = 'generating'`),
    // Shed items: settled on their fallback with their task kept, written later when the slow path has room.
    index('idx_content_items_shed').on(t.createdAt).where(sql`status = 'failed' and task is not null`),
    check('content_items_status_check', sql`${t.status} IN ('ready', 'generating', 'failed')`),
    check('content_items_origin_check', sql`${t.origin} IN ('generated', 'fallback')`),
  ],
);
