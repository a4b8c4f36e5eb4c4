import { inSpan, SpanKind } from '../../observability/tracing.js';
import type { DispatchResult, TaskQueue } from '../../runtime/queue/task-queue.js';
import type { AnyTaskContract, MadeFor, PayloadOf } from '../tasks/task-contract.js';
import type { ContentFeed } from './content-feed.js';
import type { EngineHealth } from './engine-health.js';

/**
 * The only way to start slow work: through its contract (priority and dedupe key come from there),
 * never awaiting the job. In degraded mode the tasks whose contract says so are skipped and the
 * caller keeps its rule fallback.
 */
export type DispatchOutcome = DispatchResult | { status: 'skipped'; reason: 'degraded' | 'budget_spent' };

export interface DispatchOptions {
  priority?: number;
  delayMs?: number;
}

export class TaskDispatcher {
  constructor(
    private readonly queue: TaskQueue,
    private readonly health: Pick<EngineHealth, 'degraded'>,
    /** The game has spent its model budget: every task is skipped, since each would only be refused. */
    private readonly budgetSpent = false,
  ) {}

  /** The same dispatcher for a game that has spent its model budget (GAME_BUDGET_USD). */
  forSpentBudget(): TaskDispatcher {
    return new TaskDispatcher(this.queue, this.health, true);
  }

  /** Whether a dispatch of `contract` now would be skipped (spent budget; degraded mode and a task it skips). */
  skips(contract: AnyTaskContract): boolean {
    return this.budgetSpent || (this.health.degraded && contract.skippedWhenDegraded === true);
  }

  async dispatch<C extends AnyTaskContract>(contract: C, payload: PayloadOf<C>, options: DispatchOptions = {}): Promise<DispatchOutcome> {
    if (this.skips(contract)) return { status: 'skipped', reason: this.budgetSpent ? 'budget_spent' : 'degraded' };
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

interface DeferredDispatch {
  contract: AnyTaskContract;
  payload: MadeFor;
  options: DispatchOptions;
  /** The feed item the job fills: settled at once if the job will not run. */
  contentId?: string;
}

/**
 * The slow work one hot-path request asks for, held until the request's writes commit: a job
 * must never read a world older than the one that made it, and a request that lost its
 * compare-and-set (and runs again on the fresh state) must start nothing. The blocking rollback
 * mode waits for exactly the job ids collected here.
 */
export class DispatchScope {
  readonly jobIds: string[] = [];
  private readonly pending: DeferredDispatch[] = [];

  constructor(private readonly dispatcher: TaskDispatcher) {}

  /** Whether `contract` would be skipped now (degraded mode): the caller settles on its fallback instead. */
  skips(contract: AnyTaskContract): boolean {
    return this.dispatcher.skips(contract);
  }

  /** Dispatches `contract`'s task once the request has committed. */
  dispatch<C extends AnyTaskContract>(contract: C, payload: PayloadOf<C>, options: DispatchOptions = {}, contentId?: string): void {
    this.pending.push({ contract, payload, options, ...(contentId !== undefined ? { contentId } : {}) });
  }

  /**
   * Sends what the committed request asked for. An item whose job was a duplicate of one already
   * writing the same content is removed; one whose job was refused settles on its fallback. Returns
   * the ids of both, so a view of the feed built from the request's own rows can follow.
   */
  async flush(feed: Pick<ContentFeed, 'discard' | 'fail'>): Promise<{ discarded: string[]; failed: string[] }> {
    const settled = { discarded: [] as string[], failed: [] as string[] };
    for (const { contract, payload, options, contentId } of this.pending.splice(0)) {
      const result = await this.dispatcher.dispatch(contract, payload, options);
      if (result.status === 'accepted') this.jobIds.push(result.jobId);
      if (contentId === undefined || result.status === 'accepted') continue;
      if (result.status === 'deduplicated') {
        await feed.discard(contentId);
        settled.discarded.push(contentId);
      } else {
        await feed.fail(contentId);
        settled.failed.push(contentId);
      }
    }
    return settled;
  }
}
