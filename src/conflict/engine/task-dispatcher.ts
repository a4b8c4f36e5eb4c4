import { inSpan, SpanKind } from '../../observability/tracing.js';
import { metrics } from '../../observability/metrics.js';
import type { DispatchResult, TaskQueue } from '../../runtime/queue/task-queue.js';
import type { SlowPathCapacity } from '../../runtime/queue/slow-path-capacity.js';
import type { AnyTaskContract, MadeFor, PayloadOf } from '../tasks/task-contract.js';
import { ADMISSION_SHARE, sheddableWhenFailing } from '../tasks/task-value.js';
import type { ContentFeed } from './content-feed.js';
import type { EngineHealth } from './engine-health.js';

/**
 * The only way to start slow work: through its contract (priority and dedupe key come from there),
 * never awaiting the job. Work the slow path could not finish in time is refused here, before it is
 * queued: `shed` when the queue is at the share of its bound the task's value may fill, `degraded`
 * when the model is failing and the task is not one players wait on. The caller keeps its rule
 * fallback, settled at once.
 */
export type SkipReason = 'shed' | 'degraded' | 'budget_spent';
export type DispatchOutcome = DispatchResult | { status: 'skipped'; reason: SkipReason };

export interface DispatchOptions {
  priority?: number;
  delayMs?: number;
}

/** What admission reads: the queue's capacity, whether the model is failing, and whether speculative work is wanted at all. */
export interface Admission {
  capacity: Pick<SlowPathCapacity, 'admit' | 'sent' | 'release' | 'spare'>;
  health: Pick<EngineHealth, 'modelFailing'>;
  /** Speculative work is asked for (ANTICIPATE_REACTIONS). Default true here; the config's default is false. */
  speculate?: boolean;
}

export class TaskDispatcher {
  constructor(
    private readonly queue: TaskQueue,
    private readonly admission: Admission,
    /** The game has spent its model budget: every task is skipped, since each would only be refused. */
    private readonly budgetSpent = false,
  ) {}

  /** The same dispatcher for a game that has spent its model budget (GAME_BUDGET_USD). */
  forSpentBudget(): TaskDispatcher {
    return new TaskDispatcher(this.queue, this.admission, true);
  }

  /**
   * Decides now whether `contract`'s task may be queued, and counts it against the queue's bound if
   * so: undefined when admitted, otherwise why not. Ask once per dispatch.
   */
  admit(contract: AnyTaskContract, gameId?: string): SkipReason | undefined {
    if (this.budgetSpent) return 'budget_spent';
    if (contract.value === 'speculative' && !this.speculates) return 'shed';
    if (this.admission.health.modelFailing && sheddableWhenFailing(contract.value)) return 'degraded';
    if (this.admission.capacity.admit(ADMISSION_SHARE[contract.value], gameId)) return undefined;
    // Speculative work not taken was never asked for by a player: nothing was dropped.
    if (contract.value !== 'speculative') metrics.slowPathDropped.inc({ task: contract.name, reason: 'shed' });
    return 'shed';
  }

  /** Whether speculative work is asked for at all (ANTICIPATE_REACTIONS): when not, nothing is written ahead and nobody need look for it. */
  get speculates(): boolean {
    return this.admission.speculate !== false;
  }

  /** Whether speculative work would be admitted now (it is wanted, workers stand idle, the model is well, the budget not spent): a cheap check before preparing it. */
  get spare(): boolean {
    return this.speculates && !this.budgetSpent && !this.admission.health.modelFailing && this.admission.capacity.spare;
  }

  /** Admitted tasks that will not be sent after all (their request wrote nothing). */
  release(count: number): void {
    if (count > 0) this.admission.capacity.release(count);
  }

  /** Admits and sends `contract`'s task. */
  async dispatch<C extends AnyTaskContract>(contract: C, payload: PayloadOf<C>, options: DispatchOptions = {}): Promise<DispatchOutcome> {
    const refused = this.admit(contract, payload.gameId);
    if (refused) return { status: 'skipped', reason: refused };
    return this.send(contract, payload, options, true);
  }

  /**
   * Sends `contract`'s task, never awaiting the job: one `admit` let in (`admitted`), or work sent
   * again without asking (a lost or shed item's job, already counted once).
   */
  async send<C extends AnyTaskContract>(
    contract: C,
    payload: PayloadOf<C>,
    options: DispatchOptions = {},
    admitted = false,
  ): Promise<DispatchResult> {
    this.admission.capacity.sent(admitted);
    const { name } = contract;
    const publish = { kind: SpanKind.PRODUCER, attributes: { 'messaging.operation.type': 'send', 'messaging.destination.name': name } };
    return inSpan(`send ${name}`, publish, async (span) => {
      const result = await this.queue.dispatch(
        name,
        { ...payload, dispatchedAt: Date.now() },
        {
          dedupeKey: contract.dedupe(payload),
          dedupeMode: contract.dedupeMode,
          priority: options.priority ?? contract.priority,
          ...(options.delayMs !== undefined ? { delayMs: options.delayMs } : {}),
        },
      );
      span.setAttribute('nyx.dispatch.status', result.status);
      if (result.status === 'accepted') span.setAttribute('messaging.message.id', result.jobId);
      return result;
    });
  }
}

/** A task a request asked for, waiting for the request to commit before it is sent. */
export interface PendingDispatch {
  readonly contract: AnyTaskContract;
  readonly payload: MadeFor;
  readonly options: DispatchOptions;
  /** The feed items the job fills: settled at once if the job will not run. */
  readonly contentIds: readonly string[];
  /** How many admitted tasks it stands for (default 1): a job that joins several gives back the others' room in the queue. */
  readonly admitted?: number;
}

/**
 * Rewrites what a committed request sends, before it is sent: a subsystem may join several of its
 * tasks into one job (see `HotPathSubsystem.combine`). What it returns is sent instead.
 */
export type DispatchCombiner = (pending: readonly PendingDispatch[]) => PendingDispatch[];

/** Several combiners applied in turn; undefined when there are none. */
export function chainCombiners(combiners: readonly DispatchCombiner[]): DispatchCombiner | undefined {
  if (combiners.length === 0) return undefined;
  return (pending) => combiners.reduce<PendingDispatch[]>((batch, combine) => combine(batch), [...pending]);
}

/**
 * The slow work one hot-path request asks for, held until the request's writes commit: a job
 * must never read a world older than the one that made it, and a request that lost its
 * compare-and-set (and runs again on the fresh state) must start nothing. The blocking rollback
 * mode waits for exactly the job ids collected here.
 */
export class DispatchScope {
  readonly jobIds: string[] = [];
  private readonly pending: PendingDispatch[] = [];

  constructor(
    private readonly dispatcher: TaskDispatcher,
    /** The game the request is for: its work counts towards the game's fair share of the queue. */
    private readonly gameId?: string,
    /** How the request's tasks are joined before they are sent (one call per turn); default: each sent as asked. */
    private readonly combine?: DispatchCombiner,
  ) {}

  /**
   * Whether `contract`'s task is admitted now (see `TaskDispatcher.admit`); when it is, the caller
   * must send it (`sendOnCommit`), since it already counts against the queue's bound. Undefined: admitted.
   */
  admit(contract: AnyTaskContract): SkipReason | undefined {
    return this.dispatcher.admit(contract, this.gameId);
  }

  /** See `TaskDispatcher.speculates`. */
  get speculates(): boolean {
    return this.dispatcher.speculates;
  }

  /** See `TaskDispatcher.spare`. */
  get spare(): boolean {
    return this.dispatcher.spare;
  }

  /**
   * The request wrote nothing (it lost its compare-and-set, or failed): what it asked for is never
   * sent, and no longer counts against the queue's bound.
   */
  abandon(): void {
    this.dispatcher.release(this.pending.splice(0).length);
  }

  /** Admits `contract`'s task now and, if admitted, sends it once the request has committed. Returns whether it was admitted. */
  dispatch<C extends AnyTaskContract>(contract: C, payload: PayloadOf<C>, options: DispatchOptions = {}): boolean {
    if (this.admit(contract) !== undefined) return false;
    this.sendOnCommit(contract, payload, options);
    return true;
  }

  /** Sends a task `admit` let in, once the request has committed; `contentId` is the feed item it fills. */
  sendOnCommit<C extends AnyTaskContract>(contract: C, payload: PayloadOf<C>, options: DispatchOptions = {}, contentId?: string): void {
    this.pending.push({ contract, payload, options, contentIds: contentId === undefined ? [] : [contentId] });
  }

  /**
   * Sends what the committed request asked for. An item whose job was a duplicate of one already
   * writing the same content is removed; one whose job was refused settles on its fallback. Returns
   * the ids of both, so a view of the feed built from the request's own rows can follow.
   */
  async flush(feed: Pick<ContentFeed, 'discard' | 'fail'>): Promise<{ discarded: string[]; failed: string[] }> {
    const settled = { discarded: [] as string[], failed: [] as string[] };
    const asked = this.pending.splice(0);
    for (const { contract, payload, options, contentIds, admitted = 1 } of this.combine ? this.combine(asked) : asked) {
      if (admitted > 1) this.dispatcher.release(admitted - 1);
      const result = await this.dispatcher.send(contract, payload, options, true);
      if (result.status === 'accepted') {
        this.jobIds.push(result.jobId);
        continue;
      }
      for (const contentId of contentIds) {
        if (result.status === 'deduplicated') {
          await feed.discard(contentId);
          settled.discarded.push(contentId);
        } else {
          await feed.fail(contentId);
          settled.failed.push(contentId);
        }
      }
    }
    return settled;
  }
}
