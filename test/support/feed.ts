import type { Database } from '../../src/runtime/db/database.js';
import { contentItems, type ContentTask } from '../../src/conflict/store/schema/index.js';
import { contentRow, type ContentSubject } from '../../src/conflict/engine/content-feed.js';
import type { ContentKind } from '../../src/conflict/engine/game-state.js';

/**
 * Inserts a feed item as a hot-path request would have committed it: `generating` by default, or
 * `failed` on its fallback (with its task: a shed item).
 */
export async function openFeedItem(
  db: Database,
  gameId: string,
  item: {
    kind: ContentKind;
    fallbackText: string;
    stateVersion: number;
    task?: ContentTask;
    createdAt?: Date;
    subject?: ContentSubject;
    status?: 'generating' | 'failed';
  },
): Promise<{ id: string }> {
  const row = contentRow(
    gameId,
    {
      kind: item.kind,
      stateVersion: item.stateVersion,
      ...(item.task ? { task: item.task } : {}),
      ...(item.subject ? { subject: item.subject } : {}),
    },
    {
      status: item.status ?? 'generating',
      origin: 'fallback',
      text: null,
      fallbackText: item.fallbackText,
    },
  );
  await db.orm.insert(contentItems).values({ ...row, ...(item.createdAt ? { createdAt: item.createdAt } : {}) });
  return { id: row.id };
}
