import type { ContentEvent } from '../../runtime/hub/content-hub.js';
import { metrics } from '../../observability/metrics.js';
import { PermanentTaskError } from '../../runtime/queue/task-errors.js';
import type { JobContext, QueueEvents } from '../../runtime/queue/task-queue.js';
import { standingInWindow } from '../engine/content-feed.js';
import type { ContentItemView } from '../engine/game-state.js';
import { SnapshotCache } from '../engine/snapshot-cache.js';
import { currentChronicle } from '../engine/state-view.js';
import type { TaskDispatcher } from '../engine/task-dispatcher.js';
import type { AnyTaskContract, MadeFor, TaskPart } from '../tasks/task-contract.js';
import { publish, TaskContext, type ConflictWorkerDeps, type TaskOutcome } from './task-context.js';
import type { TaskImplementation } from './task-implementation.js';

/** How a job leaves an item it will not write: on its fallback for good, or shed (recovery may still write it). */
type Settlement = { id: string; change: { status: 'failed' | 'shed' } };

/** Items left on their fallback for good. */
const onFallback = (ids: readonly string[]): Settlement[] => ids.map((id) => ({ id, change: { status: 'failed' } }));

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

/** The feed items a job fills: its own, or each of its parts'. */
function contentIdsOf(payload: MadeFor): string[] {
  const ids = payload.parts ? payload.parts.map((part) => part.payload.contentId) : [payload.contentId];
  return ids.filter((id): id is string => id !== undefined);
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
    /** Every task's implementation by name: what a job that joins several tasks checks and fails each part by. */
    private readonly implementations: ReadonlyMap<string, TaskImplementation> = new Map(),
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
    const { toRun, dropped } = await this.checkBeforeCall(task, payload);
    const guarded = dropped
      ? ({ ran: true, value: dropped } as const)
      : await this.deps.idempotency.run(
          key,
          () => this.runTask(task, toRun, job, key),
          idempotencyTtlSeconds(contract, this.deps.idempotencyTtlSeconds ?? IDEMPOTENCY_TTL_SECONDS),
          job.jobId,
        );
    // A duplicate writes nothing, so an item opened for it would otherwise wait forever.
    if (!guarded.ran) await this.settleOnFallback(payload.gameId, contentIdsOf(toRun));
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
    await this.settleOnFallback(payload.gameId, contentIdsOf(payload));
    // A job that joined several tasks failed for each of them: each leaves what its own readers need.
    const failed = payload.parts ? this.partsWithImplementation(payload.parts) : [{ implementation: task, payload }];
    const withHook = failed.filter(({ implementation }) => implementation.onFinalFailure);
    const snapshot = withHook.length > 0 ? await this.snapshots.load(payload.gameId) : undefined;
    let visible = false;
    for (const { implementation, payload: own } of withHook) {
      visible = (await implementation.onFinalFailure!(own, { snapshot, deps: this.deps, error: event.error })).visible || visible;
    }
    if (visible) await this.announceChange(payload.gameId);
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
      const visible = outcome.status === 'written' && (contentIdsOf(payload).length === 0 || ctx.filled);
      const use = task.contract.value === 'speculative' ? 'speculative' : visible ? 'visible' : 'wasted';
      metrics.modelCallsByUse.inc({ use }, ctx.modelCalls);
    }
    const version = await ctx.land(outcome.status === 'written');
    if (version !== undefined) await this.announceChange(payload.gameId, version);
    return outcome;
  }

  /**
   * Checks, before any model call, that the item this job fills is worth writing now. Not if it
   * waited longer than the freshness horizon, or a newer live item of the same kind and subject
   * says the same for a newer state (a `supersedable` contract): it is shed, so its fallback shows
   * and recovery may still write it once the slow path has spare room. Not at all if it is out of
   * the player's feed window, or already settled. Either way the job ends here, and the item
   * settles (its caller lands the `settlement`, at once).
   */
  private async dropBeforeCall(
    task: TaskImplementation,
    payload: KeyedFields,
    window: readonly ContentItemView[] | undefined,
  ): Promise<{ outcome: TaskOutcome; settlement: Settlement | undefined } | undefined> {
    const { contentId, dispatchedAt } = payload;
    if (contentId === undefined) return undefined;
    const maxWaitMs = this.deps.maxQueueWaitMs;
    // A recovered job runs on spare capacity: neither its wait nor a newer item makes it pointless.
    const spare = payload.recovered === true;
    const expired = !spare && maxWaitMs !== undefined && dispatchedAt !== undefined && Date.now() - dispatchedAt > maxWaitMs;
    const supersedable = !spare && task.contract.supersedable === true;
    const standing = expired
      ? 'expired'
      : ((window && standingInWindow(window, contentId, { supersedable })) ?? (await this.deps.feed.standing(contentId, { supersedable })));
    if (standing === 'current') return undefined;
    metrics.slowPathDropped.inc({ task: task.contract.name, reason: standing === 'gone' ? 'settled' : standing });
    const status = standing === 'expired' || standing === 'superseded' ? 'shed' : standing === 'not_visible' ? 'failed' : undefined;
    return { outcome: { status: 'stale', reason: `item ${standing}` }, settlement: status && { id: contentId, change: { status } } };
  }

  /**
   * What a job will run, and whether it ends before its model call: a job of one item as
   * `dropBeforeCall` says; a joined job with the parts still worth writing, ended when none is.
   */
  private async checkBeforeCall(
    task: TaskImplementation,
    payload: KeyedFields,
  ): Promise<{ toRun: KeyedFields; dropped: TaskOutcome | undefined }> {
    // The feed window the players see, once for every item of the job: most items are in it, and
    // then their standing needs no statement.
    const window =
      contentIdsOf(payload).length > 0 ? (await currentChronicle(this.deps.heads, this.deps.cache, payload.gameId))?.content : undefined;
    if (!payload.parts) {
      const dropped = await this.dropBeforeCall(task, payload, window);
      if (dropped?.settlement) await this.settleAll(payload.gameId, [dropped.settlement]);
      return { toRun: payload, dropped: dropped?.outcome };
    }
    const parts = await this.wantedParts(payload, window);
    return {
      toRun: { ...payload, parts },
      dropped: parts.length === 0 ? { status: 'stale', reason: 'no part is worth writing' } : undefined,
    };
  }

  /**
   * The parts of a joined job still worth writing, each checked as its own job would be (see
   * `dropBeforeCall`): the others' items settle now, together in one statement. A part no
   * implementation here knows (a newer version sent it) settles on its fallback.
   */
  private async wantedParts(payload: KeyedFields, window: readonly ContentItemView[] | undefined): Promise<TaskPart[]> {
    const wanted: TaskPart[] = [];
    const settlements: Settlement[] = [];
    for (const part of payload.parts ?? []) {
      const implementation = this.implementations.get(part.name);
      if (!implementation) {
        settlements.push(...onFallback(contentIdsOf(part.payload)));
        continue;
      }
      const own = { ...part.payload, dispatchedAt: payload.dispatchedAt, recovered: payload.recovered };
      const dropped = await this.dropBeforeCall(implementation, own, window);
      if (!dropped) wanted.push(part);
      else if (dropped.settlement) settlements.push(dropped.settlement);
    }
    await this.settleAll(payload.gameId, settlements);
    return wanted;
  }

  /** Each part with its implementation and its payload as its own contract reads it; parts that fit neither are left out. */
  private partsWithImplementation(parts: readonly TaskPart[]): Array<{ implementation: TaskImplementation; payload: MadeFor }> {
    return parts.flatMap((part) => {
      const implementation = this.implementations.get(part.name);
      const parsed = implementation?.contract.payload.safeParse(part.payload);
      return implementation && parsed?.success ? [{ implementation, payload: parsed.data }] : [];
    });
  }

  /**
   * A new version tells every reader (and the hot path's caches) that the game has moved on. A
   * write that moved it on already (`movedTo`) only says so.
   */
  private async announceChange(gameId: string, movedTo?: number): Promise<void> {
    const version = movedTo ?? (await this.deps.heads.bumpVersion(gameId));
    await publish(this.deps.hub, { gameId, kind: 'state', id: 'state', status: 'ready', origin: 'generated', version });
  }

  private async settleOnFallback(gameId: string, contentIds: readonly string[]): Promise<void> {
    await this.settleAll(gameId, onFallback(contentIds));
  }

  /** Settles items on their fallback (for good, or shed) and moves the version on once, in one statement. */
  private async settleAll(gameId: string, settlements: readonly Settlement[]): Promise<void> {
    if (settlements.length === 0) return;
    const settled = await this.deps.heads.settleContents(gameId, settlements);
    if (!settled) return;
    for (const item of settled.items)
      await publish(this.deps.hub, { gameId, kind: item.kind, id: item.id, status: 'failed', origin: 'fallback', text: item.text });
    await this.announceChange(gameId, settled.version);
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
