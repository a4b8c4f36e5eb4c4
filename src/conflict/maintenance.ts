import { logger } from '../observability/logger.js';
import type { PlannedActions } from './store/planned-actions.js';
import type { ContentHub } from '../runtime/hub/content-hub.js';
import { registerRepeatedTask } from '../runtime/queue/repeated-task.js';
import type { TaskQueue } from '../runtime/queue/task-queue.js';
import type { ContentFeed } from './engine/content-feed.js';
import type { GameHeads } from './engine/game-heads.js';
import { LOST_AFTER_MS, LostContentRecovery } from './engine/lost-content-recovery.js';
import type { TaskDispatcher } from './engine/task-dispatcher.js';
import type { TaskCatalog } from './tasks/task-catalog.js';

/** The cluster's housekeeping job: one schedule in the queue, whichever worker process runs it. */
export const MAINTENANCE_TASK = 'maintenance.sweep';

/** How often the sweep runs: an item whose job was lost is asked for again within this plus LOST_AFTER_MS. */
export const SWEEP_EVERY_MS = 30_000;
/**
 * An item still `generating` after this long is settled on its fallback: a job that has been asked
 * for again and still not written it is not coming.
 */
export const ABANDONED_AFTER_MS = 10 * 60_000;
/** Consumed and expired planned moves are deleted once they are this old. */
const PLANNED_RETENTION_HOURS = 24;
/** Lost items asked for again per sweep, oldest first. */
const REDISPATCH_BATCH = 500;

const log = logger.child({ module: 'maintenance' });

export interface MaintenanceDeps {
  feed: ContentFeed;
  planned: PlannedActions;
  /** Moves a game's version on, in the database and in the cache. */
  heads: GameHeads;
  hub: ContentHub;
  dispatcher: TaskDispatcher;
  /** The contracts lost items' stored tasks are checked against before they are sent again. */
  catalog: TaskCatalog;
}

export interface SweepReport {
  expired: number;
  deleted: number;
  redispatched: number;
  abandonedGames: number;
}

export class MaintenanceSweep {
  private readonly lost: LostContentRecovery;

  constructor(private readonly deps: MaintenanceDeps) {
    // The sweep runs every SWEEP_EVERY_MS: each run may ask again for what the last one asked.
    this.lost = new LostContentRecovery(deps.dispatcher, deps.catalog, Math.min(LOST_AFTER_MS, SWEEP_EVERY_MS));
  }

  async run(now = Date.now()): Promise<SweepReport> {
    const { feed, planned, heads, hub } = this.deps;
    const [expired, deleted] = await Promise.all([planned.expirePastDue(), planned.cleanup(PLANNED_RETENTION_HOURS)]);
    const lost = await feed.generatingSince(new Date(now - LOST_AFTER_MS), REDISPATCH_BATCH);
    const redispatched = await this.lost.redispatch(lost);
    const games = await feed.failAbandoned(new Date(now - ABANDONED_AFTER_MS));
    // Settling items changes what players see: move each game's version on and tell its players.
    for (const gameId of games) {
      const version = await heads.bumpVersion(gameId);
      await hub
        .publish({ gameId, kind: 'state', id: 'state', status: 'ready', origin: 'generated', version })
        .catch((error: unknown) => log.warn({ err: error, gameId }, 'state event not published'));
    }
    const report = { expired, deleted, redispatched, abandonedGames: games.length };
    if (redispatched + games.length > 0) log.info(report, 'maintenance sweep');
    return report;
  }
}

/** Declares the sweep on `queue`; with `sweep` (a worker process) also runs and schedules it (see `registerRepeatedTask`). Resolves to the function that stops asking for its schedule. */
export async function registerMaintenance(queue: TaskQueue, sweep?: MaintenanceSweep, everyMs = SWEEP_EVERY_MS): Promise<() => void> {
  return registerRepeatedTask(queue, MAINTENANCE_TASK, everyMs, sweep ? () => sweep.run() : undefined);
}
