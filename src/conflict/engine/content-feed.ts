import { randomUUID } from 'node:crypto';
import { and, desc, eq, lt } from 'drizzle-orm';
import type { Database } from '../../runtime/db/database.js';
import { contentItems } from '../../runtime/db/schema/index.js';
import type { ContentItemView, ContentKind, ContentStatus } from './game-state.js';

/**
 * The player's feed of generated content. The hot path opens an item with its rule fallback
 * (`generating`) when it dispatches the task that will write it; the slow path completes it
 * (`ready`, `generated`) or the failure recorder fails it (`failed`, the fallback stays). Content the
 * hot path already has in hand (a claimed action) goes in `ready` at once.
 */
export interface ContentSubject {
  npcId?: number;
  conflictId?: number;
  npcName?: string;
}

export class ContentFeed {
  constructor(private readonly db: Database) {}

  async open(
    gameId: string,
    item: { kind: ContentKind; fallbackText: string; subject?: ContentSubject; stateVersion: number; contextHash?: string },
  ): Promise<ContentItemView> {
    return this.insert(gameId, item, { status: 'generating', origin: 'fallback', text: null, fallbackText: item.fallbackText });
  }

  async addReady(
    gameId: string,
    item: { kind: ContentKind; text: string; subject?: ContentSubject; stateVersion: number; origin?: 'generated' | 'fallback' },
  ): Promise<ContentItemView> {
    return this.insert(gameId, item, { status: 'ready', origin: item.origin ?? 'generated', text: item.text, fallbackText: item.text });
  }

  /** An item whose task will not run (skipped in degraded mode): its fallback, settled for good. */
  async addFallback(
    gameId: string,
    item: { kind: ContentKind; fallbackText: string; subject?: ContentSubject; stateVersion: number },
  ): Promise<ContentItemView> {
    return this.insert(gameId, item, { status: 'failed', origin: 'fallback', text: null, fallbackText: item.fallbackText });
  }

  private async insert(
    gameId: string,
    item: { kind: ContentKind; subject?: ContentSubject; stateVersion: number; contextHash?: string },
    content: { status: ContentStatus; origin: 'generated' | 'fallback'; text: string | null; fallbackText: string },
  ): Promise<ContentItemView> {
    const [row] = await this.db.orm
      .insert(contentItems)
      .values({
        id: `${item.kind}-${randomUUID()}`,
        gameId,
        kind: item.kind,
        ...content,
        subject: (item.subject ?? {}) as Record<string, string | number>,
        stateVersion: item.stateVersion,
        contextHash: item.contextHash ?? null,
      })
      .returning();
    return toView(row!);
  }

  /** Fills a generating item with generated text. Undefined if the item is gone or already settled. */
  async complete(id: string, text: string): Promise<ContentItemView | undefined> {
    return this.settle(id, { status: 'ready', origin: 'generated', text });
  }

  /** Leaves the item on its fallback, for good. */
  async fail(id: string): Promise<ContentItemView | undefined> {
    return this.settle(id, { status: 'failed', origin: 'fallback' });
  }

  /** Settles every item still generating since before `before` on its fallback; returns how many. */
  async failAbandoned(before: Date): Promise<number> {
    const rows = await this.db.orm
      .update(contentItems)
      .set({ status: 'failed', origin: 'fallback', updatedAt: new Date() })
      .where(and(eq(contentItems.status, 'generating'), lt(contentItems.createdAt, before)))
      .returning({ id: contentItems.id });
    return rows.length;
  }

  /** Removes an item nobody will fill (its job was a duplicate of one already writing it). */
  async discard(id: string): Promise<void> {
    await this.db.orm.delete(contentItems).where(and(eq(contentItems.id, id), eq(contentItems.status, 'generating')));
  }

  async find(id: string): Promise<ContentItemView | undefined> {
    const [row] = await this.db.orm.select().from(contentItems).where(eq(contentItems.id, id)).limit(1);
    return row ? toView(row) : undefined;
  }

  async recent(gameId: string, limit = 60): Promise<ContentItemView[]> {
    const rows = await this.db.orm
      .select()
      .from(contentItems)
      .where(eq(contentItems.gameId, gameId))
      .orderBy(desc(contentItems.createdAt), desc(contentItems.id))
      .limit(limit);
    return rows.map(toView);
  }

  private async settle(
    id: string,
    change: { status: Exclude<ContentStatus, 'generating'>; origin: 'generated' | 'fallback'; text?: string },
  ): Promise<ContentItemView | undefined> {
    const [row] = await this.db.orm
      .update(contentItems)
      .set({ ...change, updatedAt: new Date() })
      .where(and(eq(contentItems.id, id), eq(contentItems.status, 'generating')))
      .returning();
    return row ? toView(row) : undefined;
  }
}

function toView(row: typeof contentItems.$inferSelect): ContentItemView {
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
