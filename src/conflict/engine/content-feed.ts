import { randomUUID } from 'node:crypto';
import { and, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Database } from '../../runtime/db/database.js';
import { stableStringify } from '../domain/hash.js';
import { contentItems, type ContentTask } from '../store/schema/index.js';
import type { ContentItemView, ContentKind, ContentStatus, ContentSubject, FeedPage } from './game-state.js';

/**
 * The player's feed of generated content. The hot path opens an item with its rule fallback
 * (`generating`) when it dispatches the task that will write it; the slow path completes it
 * (`ready`, `generated`) or the failure recorder fails it (`failed`, the fallback stays). Content the
 * hot path already has in hand (a claimed action) goes in `ready` at once.
 */
export type { ContentSubject };

export interface NewContentItem {
  kind: ContentKind;
  subject?: ContentSubject;
  stateVersion: number;
  contextHash?: string;
  /** What produced it; a second item with the same key is never inserted. */
  sourceKey?: string;
  /** The job that fills a `generating` item, so a lost job can be dispatched again. */
  task?: ContentTask;
}

/** The columns a feed item's view is made of. */
type ViewedColumns = Pick<
  typeof contentItems.$inferSelect,
  'id' | 'kind' | 'status' | 'origin' | 'text' | 'fallbackText' | 'subject' | 'createdAt' | 'stateVersion'
>;

export type ContentRow = typeof contentItems.$inferInsert & ViewedColumns;

/** A feed item's row, ready to insert (the hot path inserts it when its request commits). */
export function contentRow(
  gameId: string,
  item: NewContentItem,
  content: { status: ContentStatus; origin: 'generated' | 'fallback'; text: string | null; fallbackText: string },
): ContentRow {
  return {
    id: `${item.kind}-${randomUUID()}`,
    gameId,
    kind: item.kind,
    ...content,
    subject: (item.subject ?? {}) as Record<string, string | number>,
    stateVersion: item.stateVersion,
    contextHash: item.contextHash ?? null,
    sourceKey: item.sourceKey ?? null,
    task: item.task ?? null,
    // Set here rather than by the database, so the request that inserts it can show it as stored.
    createdAt: new Date(),
  };
}

/** How many of the newest feed items the state shows. */
export const FEED_WINDOW = 60;

/** Where a page of the feed starts: just older than this item. */
export interface FeedCursor {
  /** The item's creation time in microseconds since 1970, as exact as the database keeps it. */
  micros: number;
  id: string;
}

/** A cursor as the API hands it out: opaque, URL-safe. */
export function encodeFeedCursor(cursor: FeedCursor): string {
  return Buffer.from(JSON.stringify([cursor.micros, cursor.id])).toString('base64url');
}

/** The cursor inside `text`, or undefined when it is not one this feed handed out. */
export function decodeFeedCursor(text: string): FeedCursor | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [micros, id] = value as unknown[];
    if (!Number.isSafeInteger(micros) || (micros as number) < 0 || typeof id !== 'string' || id.length > 200) return undefined;
    return { micros: micros as number, id };
  } catch {
    return undefined;
  }
}

/**
 * Whether a job about to fill an item should still spend a model call on it: `current`, or why not —
 * `settled` (filled or settled on its fallback already), `superseded` (a newer item of the same
 * kind and subject, still live, says the same thing for a newer state) or `not_visible` (at least
 * FEED_WINDOW newer items stand between it and the player). `gone`: the item was deleted.
 */
export type ItemStanding = 'current' | 'settled' | 'superseded' | 'not_visible' | 'gone';

/**
 * `ContentFeed.standing` read from the feed window (the newest FEED_WINDOW items, newest first, as
 * the cached chronicle holds them) instead of the database: every item newer than one in the
 * window is in it too, so its standing is all there, and it is visible. Undefined when the item is
 * not in the window (older than it, or gone): only the database can tell those apart.
 */
export function standingInWindow(
  window: readonly ContentItemView[],
  id: string,
  { supersedable }: { supersedable: boolean },
): ItemStanding | undefined {
  const at = window.findIndex((item) => item.id === id);
  if (at < 0) return undefined;
  const item = window[at]!;
  if (item.status !== 'generating') return 'settled';
  const subject = stableStringify(item.subject);
  const superseded =
    supersedable &&
    subject !== '{}' &&
    window
      .slice(0, at)
      .some(
        (newer) =>
          newer.kind === item.kind &&
          newer.status !== 'failed' &&
          newer.createdAt > item.createdAt &&
          stableStringify(newer.subject) === subject,
      );
  return superseded ? 'superseded' : 'current';
}

export class ContentFeed {
  constructor(private readonly db: Database) {}

  /**
   * Where item `id` stands for a job about to fill it (one statement; see `ItemStanding`). Only a
   * `supersedable` item (its contract says so) can be superseded.
   */
  async standing(id: string, { supersedable }: { supersedable: boolean }): Promise<ItemStanding> {
    const { rows } = await this.db.query<{ status: string; newer: number | string; superseded: boolean }>(sql`
      select c.status,
        (select count(*) from (
          select 1 from content_items n
          where n.game_id = c.game_id and (n.created_at, n.id) > (c.created_at, c.id)
          limit ${FEED_WINDOW}) w) as newer,
        exists (
          select 1 from content_items s
          where ${supersedable} and s.game_id = c.game_id and s.kind = c.kind and s.subject = c.subject and s.subject <> '{}'::jsonb
            and s.created_at > c.created_at and s.status <> 'failed') as superseded
      from content_items c where c.id = ${id}`);
    const row = rows[0];
    if (!row) return 'gone';
    if (row.status !== 'generating') return 'settled';
    if (row.superseded) return 'superseded';
    return Number(row.newer) >= FEED_WINDOW ? 'not_visible' : 'current';
  }

  /**
   * Leaves the item on its fallback, for good, without moving the game's version (its request is
   * still running and will show it). The slow path settles items with `GameHeads.settleContents`.
   */
  async fail(id: string): Promise<ContentItemView | undefined> {
    const [row] = await this.db.orm
      .update(contentItems)
      .set({ status: 'failed', origin: 'fallback', task: null, updatedAt: new Date() })
      .where(and(eq(contentItems.id, id), eq(contentItems.status, 'generating')))
      .returning();
    return row ? contentItemView(row) : undefined;
  }

  /**
   * Settles every item still generating since before `before` on its fallback; returns the games
   * whose feed changed, so each can move its version on and tell its players.
   */
  async failAbandoned(before: Date): Promise<string[]> {
    const rows = await this.db.orm
      .update(contentItems)
      .set({ status: 'failed', origin: 'fallback', task: null, updatedAt: new Date() })
      .where(and(eq(contentItems.status, 'generating'), lt(contentItems.createdAt, before)))
      .returning({ gameId: contentItems.gameId });
    return [...new Set(rows.map((row) => row.gameId))];
  }

  /** Items generating since before `before` (oldest first) with the job that should fill them. */
  async generatingSince(before: Date, limit: number): Promise<Array<{ id: string; gameId: string; task: ContentTask | null }>> {
    return this.db.orm
      .select({ id: contentItems.id, gameId: contentItems.gameId, task: contentItems.task })
      .from(contentItems)
      .where(and(eq(contentItems.status, 'generating'), lt(contentItems.createdAt, before)))
      .orderBy(contentItems.createdAt)
      .limit(limit);
  }

  /**
   * Claims up to `limit` shed items (settled on their fallback because the slow path had no room,
   * their task kept) for writing after all: the newest first, only those created since `since` and
   * still in their game's feed window. They go back to `generating` with their task, which the
   * caller sends. One statement, so two processes never claim the same item.
   */
  async claimShed(since: Date, limit: number): Promise<Array<{ id: string; gameId: string; task: ContentTask }>> {
    if (limit <= 0) return [];
    const { rows } = await this.db.query<{ id: string; game_id: string; task: ContentTask }>(sql`
      with claimed as (
      update content_items set status = 'generating', updated_at = now()
      where id in (
        select c.id from content_items c
        where c.status = 'failed' and c.task is not null and c.created_at > ${since.toISOString()}::timestamptz
          and (select count(*) from (
            select 1 from content_items n
            where n.game_id = c.game_id and (n.created_at, n.id) > (c.created_at, c.id)
            limit ${FEED_WINDOW}) w) < ${FEED_WINDOW}
        order by c.created_at desc
        limit ${limit}
        for update skip locked)
      and status = 'failed'
      returning id, game_id, task, created_at)
      select id, game_id, task from claimed order by created_at desc`);
    return rows.map((row) => ({ id: row.id, gameId: row.game_id, task: row.task }));
  }

  /** Hands a claimed shed item back, still shed (its job could not be sent now: a duplicate still running, the queue down). */
  async unclaim(id: string): Promise<void> {
    await this.db.orm
      .update(contentItems)
      .set({ status: 'failed', updatedAt: new Date() })
      .where(and(eq(contentItems.id, id), eq(contentItems.status, 'generating')));
  }

  /** The jobs of the given items that are still generating. */
  async tasksOf(ids: string[]): Promise<Array<{ id: string; task: ContentTask | null }>> {
    if (ids.length === 0) return [];
    return this.db.orm
      .select({ id: contentItems.id, task: contentItems.task })
      .from(contentItems)
      .where(and(inArray(contentItems.id, ids), eq(contentItems.status, 'generating')));
  }

  /** Items of one kind about one conflict, oldest first. */
  async ofConflict(gameId: string, kind: ContentKind, conflictId: number): Promise<ContentItemView[]> {
    const rows = await this.db.orm
      .select()
      .from(contentItems)
      .where(
        and(
          eq(contentItems.gameId, gameId),
          eq(contentItems.kind, kind),
          sql`(${contentItems.subject} ->> 'conflictId')::int = ${conflictId}`,
        ),
      )
      .orderBy(contentItems.createdAt);
    return rows.map(contentItemView);
  }

  /** Removes an item nobody will fill (its job was a duplicate of one already writing it). */
  async discard(id: string): Promise<void> {
    await this.db.orm.delete(contentItems).where(and(eq(contentItems.id, id), eq(contentItems.status, 'generating')));
  }

  async find(id: string): Promise<ContentItemView | undefined> {
    const [row] = await this.db.orm.select().from(contentItems).where(eq(contentItems.id, id)).limit(1);
    return row ? contentItemView(row) : undefined;
  }

  async recent(gameId: string, limit = FEED_WINDOW): Promise<ContentItemView[]> {
    const rows = await this.db.orm
      .select()
      .from(contentItems)
      .where(eq(contentItems.gameId, gameId))
      .orderBy(desc(contentItems.createdAt), desc(contentItems.id))
      .limit(limit);
    return rows.map(contentItemView);
  }

  /**
   * One page of the game's whole story, newest first: the items older than `before` (a cursor from
   * an earlier page; the newest items without one) and the cursor of the page after, null at the
   * start of the story. The cursor is the last item's creation time, exact to the microsecond as the
   * database keeps it, and its id, since the items one request adds share their creation time.
   */
  async page(gameId: string, limit: number, before?: FeedCursor): Promise<FeedPage> {
    const rows = await this.db.orm
      .select({ row: contentItems, micros: sql<string>`(extract(epoch from ${contentItems.createdAt}) * 1000000)::bigint` })
      .from(contentItems)
      .where(
        and(
          eq(contentItems.gameId, gameId),
          before
            ? sql`(${contentItems.createdAt}, ${contentItems.id}) < (timestamptz 'epoch' + ${before.micros}::bigint * interval '1 microsecond', ${before.id})`
            : undefined,
        ),
      )
      .orderBy(desc(contentItems.createdAt), desc(contentItems.id))
      .limit(limit + 1);
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return {
      items: items.map(({ row }) => contentItemView(row)),
      next: rows.length > limit && last ? encodeFeedCursor({ micros: Number(last.micros), id: last.row.id }) : null,
    };
  }
}

/** A feed item as the player sees it, from its row (read, or just inserted). */
export function contentItemView(row: ViewedColumns): ContentItemView {
  const subject = row.subject as ContentSubject;
  return {
    id: row.id,
    kind: row.kind as ContentKind,
    status: row.status,
    origin: row.origin,
    text: row.status === 'ready' && row.text ? row.text : (row.fallbackText ?? ''),
    fallbackText: row.fallbackText ?? '',
    subject,
    createdAt: row.createdAt.toISOString(),
    stateVersion: row.stateVersion ?? 0,
  };
}
