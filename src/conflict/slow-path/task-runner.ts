import type { ContentEvent } from '../../runtime/hub/content-hub.js';
import { metrics } from '../../observability/metrics.js';
import { PermanentTaskError } from '../../runtime/queue/task-errors.js';
import type { JobContext, QueueEvents } from '../../runtime/queue/task-queue.js';
import { SnapshotCache } from '../engine/snapshot-cache.js';
import type { TaskDispatcher } from '../engine/task-dispatcher.js';
import type { AnyTaskContract, MadeFor } from '../tasks/task-contract.js';
import { publish, TaskContext, type ConflictWorkerDeps, type TaskOutcome } from './task-context.js';
import type { TaskImplementation } from './task-implementation.js';

/** By default a finished task keeps its key for an hour, so a replayed job does not generate twice. */
const IDEMPOTENCY_TTL_SECONDS = 3600;

/** The payload fields the idempotency key reads besides the contract's dedupe key. */
interface KeyedFields extends MadeFor {
  cacheVersion?: number;
  contextHash?: string;
  priority?: number;
}

/**
 * The idempotency key: the contract's dedupe key, narrowed where that key names a slot rather than
 * one piece of work. A bundle for a newer cache version is a new key to fill, and the latest-wins
 * action key is per stakeholder, so without the version a stakeholder would plan once an hour.
 */
export function idempotencyKey(contract: AnyTaskContract, payload: KeyedFields): string {
  const base = contract.dedupe(payload);
  const cacheVersion = payload.cacheVersion === undefined ? '' : `:v${payload.cacheVersion}`;
  const request = contract.dedupeMode === 'latest' ? `:${payload.contextHash}:s${payload.stateVersion}` : '';
  // Each feed item is its own piece of work: the same gossip asked for twice fills two items.
  const item = payload.contentId === undefined ? '' : `:${payload.contentId}`;
  return `${base}${cacheVersion}${request}${item}`;
}

/** How long a finished run blocks a repeat: IDEMPOTENCY_TTL_S, or less when its result expires sooner. */
function idempotencyTtlSeconds(contract: AnyTaskContract, configured: number): number {
  return contract.resultTtlSeconds === undefined ? configured : Math.min(configured, contract.resultTtlSeconds);
}

/**
 * The same runner around every task's implementation: idempotency, the job timeline, the version
 * bump that tells readers the game moved. A job that gives up for good leaves the player on the
 * rule fallback instead of an item stuck in `generating`.
 */
export class ConflictTaskRunner {
  /** Job id → start of its first attempt, for the timeline; dropped when the job settles. */
  private readonly started = new Map<string, number>();
  private readonly snapshots: SnapshotCache;

  constructor(
    private readonly deps: ConflictWorkerDeps,
    private readonly dispatcher: TaskDispatcher,
  ) {
    this.snapshots = new SnapshotCache(deps.store, deps.cache, deps.heads);
  }

  async run(task: TaskImplementation, payload: KeyedFields, job: JobContext): Promise<TaskOutcome | { status: 'duplicate' }> {
    const { contract } = task;
    const startedAt = this.started.get(job.jobId) ?? Date.now();
    this.started.set(job.jobId, startedAt);
    await this.publishJob(contract.name, payload, job.jobId, { status: 'generating', startedAt });
    const key = idempotencyKey(contract, payload);
    // Checked outside the idempotency guard: a job dropped now has done nothing, so a later run
    // for the same item (recovery, once there is room) must not find it recorded as done.
    const dropped = await this.dropBeforeCall(task, payload);
    const guarded = dropped
      ? ({ ran: true, value: dropped } as const)
      : await this.deps.idempotency.run(
          key,
          () => this.runTask(task, payload, job, key),
          idempotencyTtlSeconds(contract, this.deps.idempotencyTtlSeconds ?? IDEMPOTENCY_TTL_SECONDS),
          job.jobId,
        );
    // A duplicate writes nothing, so an item opened for it would otherwise wait forever.
    if (!guarded.ran) await this.settleOnFallback(payload.gameId, payload.contentId);
    const outcome = guarded.ran ? guarded.value : ({ status: 'duplicate' } as const);
    this.started.delete(job.jobId);
    await this.publishJob(contract.name, payload, job.jobId, {
      status: 'ready',
      startedAt,
      finishedAt: Date.now(),
      outcome: outcome.status,
    });
    return outcome;
  }

  /** The queue gave up: show the rule fallback, let the task leave what its readers need, put the failure on record. */
  async recordFinalFailure(task: TaskImplementation, event: QueueEvents['failed']): Promise<void> {
    const parsed = task.contract.payload.safeParse(event.payload);
    if (!parsed.success) return;
    const payload = parsed.data;
    const startedAt = this.started.get(event.jobId);
    this.started.delete(event.jobId);
    await this.settleOnFallback(payload.gameId, payload.contentId);
    if (task.onFinalFailure) {
      const snapshot = await this.snapshots.load(payload.gameId);
      const { visible } = await task.onFinalFailure(payload, { snapshot, deps: this.deps, error: event.error });
      if (visible) await this.announceChange(payload.gameId);
    }
    await this.publishJob(task.contract.name, payload, event.jobId, {
      status: 'failed',
      startedAt,
      finishedAt: Date.now(),
      error: event.error,
    });
  }

  private async runTask(task: TaskImplementation, payload: KeyedFields, job: JobContext, key: string): Promise<TaskOutcome> {
    const snapshot = await this.snapshots.load(payload.gameId);
    if (!snapshot) throw new PermanentTaskError(`game ${payload.gameId} does not exist`);
    const priority = payload.priority ?? task.contract.priority;
    const ctx = new TaskContext(snapshot, this.deps, this.dispatcher, job, key, priority);
    const outcome = await task.run(payload, ctx);
    if (ctx.modelCalls > 0) {
      const visible = outcome.status === 'written' && (payload.contentId === undefined || ctx.filled);
      const use = task.contract.value === 'speculative' ? 'speculative' : visible ? 'visible' : 'wasted';
      metrics.modelCallsByUse.inc({ use }, ctx.modelCalls);
    }
    if (outcome.status === 'written') await this.announceChange(payload.gameId, ctx.versionMovedTo);
    return outcome;
  }

  /**
   * Checks, before any model call, that the item this job fills is worth writing now. Not if it
   * waited longer than the freshness horizon, or a newer live item of the same kind and subject
   * says the same for a newer state (a `supersedable` contract): it is shed, so its fallback shows
   * and recovery may still write it once the slow path has spare room. Not at all if it is out of
   * the player's feed window, or already settled. Either way the job ends here, and the item
   * settles at once.
   */
  private async dropBeforeCall(task: TaskImplementation, payload: KeyedFields): Promise<TaskOutcome | undefined> {
    const { contentId, dispatchedAt } = payload;
    if (contentId === undefined) return undefined;
    const maxWaitMs = this.deps.maxQueueWaitMs;
    // A recovered job runs on spare capacity: neither its wait nor a newer item makes it pointless.
    const spare = payload.recovered === true;
    const expired = !spare && maxWaitMs !== undefined && dispatchedAt !== undefined && Date.now() - dispatchedAt > maxWaitMs;
    const supersedable = !spare && task.contract.supersedable === true;
    const standing = expired ? 'expired' : await this.deps.feed.standing(contentId, { supersedable });
    if (standing === 'current') return undefined;
    metrics.slowPathDropped.inc({ task: task.contract.name, reason: standing === 'gone' ? 'settled' : standing });
    if (standing === 'expired' || standing === 'superseded') await this.settle(payload.gameId, contentId, { status: 'shed' });
    if (standing === 'not_visible') await this.settle(payload.gameId, contentId, { status: 'failed' });
    return { status: 'stale', reason: `item ${standing}` };
  }

  /**
   * A new version tells every reader (and the hot path's caches) that the game has moved on. A job
   * whose last write moved it on already (`movedTo`) only says so.
   */
  private async announceChange(gameId: string, movedTo?: number): Promise<void> {
    const version = movedTo ?? (await this.deps.heads.bumpVersion(gameId));
    await publish(this.deps.hub, { gameId, kind: 'state', id: 'state', status: 'ready', origin: 'generated', version });
  }

  private async settleOnFallback(gameId: string, contentId: string | undefined): Promise<void> {
    if (contentId) await this.settle(gameId, contentId, { status: 'failed' });
  }

  private async settle(gameId: string, contentId: string, change: { status: 'failed' | 'shed' }): Promise<void> {
    const settled = await this.deps.heads.settleContent(contentId, change);
    if (!settled) return;
    const { item, version } = settled;
    await publish(this.deps.hub, { gameId, kind: item.kind, id: item.id, status: 'failed', origin: 'fallback', text: item.text });
    await this.announceChange(gameId, version);
  }

  private async publishJob(
    name: string,
    payload: MadeFor,
    jobId: string,
    timeline: { status: ContentEvent['status']; startedAt: number | undefined; finishedAt?: number; error?: string; outcome?: string },
  ): Promise<void> {
    await publish(this.deps.hub, {
      gameId: payload.gameId,
      kind: 'job',
      id: jobId,
      origin: 'generated',
      task: name,
      queuedAt: payload.dispatchedAt,
      ...timeline,
    });
  }
}
