import type { Database } from '../../src/runtime/db/database.js';
import { contentItems, type ContentTask } from '../../src/conflict/store/schema/index.js';
import { contentRow } from '../../src/conflict/engine/content-feed.js';
import type { ContentKind } from '../../src/conflict/engine/game-state.js';

/** Inserts a `generating` feed item as a hot-path request would have committed it. */
export async function openFeedItem(
  db: Database,
  gameId: string,
  item: { kind: ContentKind; fallbackText: string; stateVersion: number; task?: ContentTask; createdAt?: Date },
): Promise<{ id: string }> {
  const row = contentRow(
    gameId,
    { kind: item.kind, stateVersion: item.stateVersion, ...(item.task ? { task: item.task } : {}) },
    {
      status: 'generating',
      origin: 'fallback',
      text: null,
      fallbackText: item.fallbackText,
    },
  );
  await db.orm.insert(contentItems).values({ ...row, ...(item.createdAt ? { createdAt: item.createdAt } : {}) });
  return { id: row.id };
}
