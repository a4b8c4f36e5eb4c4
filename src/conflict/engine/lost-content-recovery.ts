import { LRUCache } from 'lru-cache';
import { logger } from '../../observability/logger.js';
import type { ContentTask } from '../store/schema/index.js';
import type { TaskCatalog } from '../tasks/task-catalog.js';
import type { TaskDispatcher } from './task-dispatcher.js';

const log = logger.child({ module: 'lost-content-recovery' });

/** An item `generating` for longer than this may have lost its job (a crash, a queue that lost its data). */
export const LOST_AFTER_MS = 30_000;

/**
 * Sends again the job of a feed item that is still `generating` well after it was opened. Asking
 * costs nothing when the job is alive: the queue collapses the dispatch into the job that holds the
 * same dedupe key, and the workers' idempotency guard stops a second run of finished work. When the
 * job is gone, the new one writes the item. Each item is asked for at most once per LOST_AFTER_MS
 * from this process, so a player polling a slow item does not flood the queue.
 */
export class LostContentRecovery {
  private readonly asked: LRUCache<string, true>;

  constructor(
    private readonly dispatcher: TaskDispatcher,
    private readonly catalog: TaskCatalog,
    private readonly lostAfterMs = LOST_AFTER_MS,
  ) {
    this.asked = new LRUCache({ max: 50_000, ttl: lostAfterMs });
  }

  /** Whether an item opened at `createdAt` has waited long enough to be asked for again. */
  overdue(createdAt: Date, now = Date.now()): boolean {
    return now - createdAt.getTime() >= this.lostAfterMs;
  }

  /** Of these items, the ones this process has not asked for within LOST_AFTER_MS. */
  notAskedFor<T extends { id: string }>(items: T[]): T[] {
    return items.filter((item) => !this.asked.has(item.id));
  }

  /** Dispatches the jobs of these overdue items again; returns how many the queue accepted as new. */
  async redispatch(items: Array<{ id: string; task: ContentTask | null }>): Promise<number> {
    let accepted = 0;
    for (const { id, task } of items) {
      if (!task || this.asked.has(id)) continue;
      const contract = this.catalog.get(task.name);
      if (!contract) continue;
      this.asked.set(id, true);
      const parsed = contract.payload.safeParse(task.payload);
      if (!parsed.success) continue;
      // Admitted once already, when the item was opened: a lost job is not new demand.
      const result = await this.dispatcher.send(contract, parsed.data);
      if (result.status === 'accepted') accepted++;
    }
    if (accepted > 0) log.info({ accepted }, 'dispatched the jobs of feed items that lost theirs');
    return accepted;
  }
}
