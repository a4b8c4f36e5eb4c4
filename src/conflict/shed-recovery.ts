import { logger } from '../observability/logger.js';
import { metrics } from '../observability/metrics.js';
import type { SlowPathCapacity } from '../runtime/queue/slow-path-capacity.js';
import { registerRepeatedTask } from '../runtime/queue/repeated-task.js';
import type { TaskQueue } from '../runtime/queue/task-queue.js';
import type { ContentFeed } from './engine/content-feed.js';
import type { TaskDispatcher } from './engine/task-dispatcher.js';
import type { TaskCatalog } from './tasks/task-catalog.js';

/** The cluster's shed-item recovery: one schedule in the queue, whichever worker process runs it. */
export const SHED_RECOVERY_TASK = 'slow_path.recover_shed';

/** How often recovery looks for room: a player who pauses sees model prose within a few of these. */
export const RECOVER_EVERY_MS = 2_000;
/** Only items shed this recently are written after all: older ones have scrolled out of mind. */
export const RECOVER_WITHIN_MS = 2 * 60_000;
/** Recovery is spare-capacity work: it fills the backlog to half its bound, never more, so demand keeps the rest. */
const RECOVERY_SHARE = 0.5;

const log = logger.child({ module: 'shed-recovery' });

export interface ShedRecoveryDeps {
  feed: Pick<ContentFeed, 'claimShed' | 'fail' | 'unclaim'>;
  capacity: Pick<SlowPathCapacity, 'room' | 'sample'>;
  dispatcher: Pick<TaskDispatcher, 'send'>;
  /** The contracts shed items' stored tasks are checked against before they are sent. */
  catalog: TaskCatalog;
}

/**
 * Writes shed items after all once the slow path has room: the newest visible ones first (an item
 * shed under load kept its task and shows its fallback meanwhile). Each claimed item goes back to
 * `generating` and its job is sent; the job fills it like any other, and a job that fails for good
 * leaves it on its fallback for good.
 */
export class ShedRecovery {
  constructor(private readonly deps: ShedRecoveryDeps) {}

  /** Claims and sends as many shed items as there is room for; returns how many were sent. */
  async run(now = Date.now()): Promise<number> {
    const { feed, capacity, dispatcher, catalog } = this.deps;
    await capacity.sample();
    const claimed = await feed.claimShed(new Date(now - RECOVER_WITHIN_MS), capacity.room(RECOVERY_SHARE));
    let sent = 0;
    for (const { id, task } of claimed) {
      const contract = catalog.get(task.name);
      const parsed = contract?.payload.safeParse(task.payload);
      if (!contract || !parsed?.success) {
        // A task this version no longer knows, or a payload it no longer accepts: never writable.
        await feed.fail(id);
        continue;
      }
      const result = await dispatcher.send(contract, { ...parsed.data, recovered: true });
      if (result.status === 'accepted') sent++;
      // Refused now (a job with the same key still running, the queue down): still shed, for a later run.
      else await feed.unclaim(id);
    }
    if (sent > 0) {
      metrics.slowPathRecovered.inc(sent);
      log.info({ sent }, 'shed items sent again, newest first');
    }
    return sent;
  }
}

/** Declares recovery on `queue`; with `recovery` (a worker process) also runs and schedules it (see `registerRepeatedTask`). Resolves to the function that stops asking for its schedule. */
export async function registerShedRecovery(queue: TaskQueue, recovery?: ShedRecovery, everyMs = RECOVER_EVERY_MS): Promise<() => void> {
  return registerRepeatedTask(queue, SHED_RECOVERY_TASK, everyMs, recovery ? () => recovery.run() : undefined);
}
