import type { DispatchResult, TaskQueue } from '../../runtime/queue/task-queue.js';
import { NON_CRITICAL_TASKS, taskContracts, type TaskName, type TaskPayload } from '../tasks/contracts.js';
import type { EngineHealth } from './engine-health.js';

/**
 * The hot path's only way to start slow work: by task name, through the contract (priority and
 * dedupe key come from there), never awaiting the job. In degraded mode non-critical tasks are
 * skipped and the caller keeps its rule fallback.
 *
 * A DispatchScope collects the job ids one request started, so the blocking rollback mode can wait
 * for exactly those before answering.
 */
export type DispatchOutcome = DispatchResult | { status: 'skipped'; reason: 'degraded' | 'budget_spent' };

export class DispatchScope {
  readonly jobIds: string[] = [];
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

  /** Whether a dispatch of `name` now would be skipped (spent budget; degraded mode, non-critical task). */
  skips(name: TaskName): boolean {
    return this.budgetSpent || (this.health.degraded && NON_CRITICAL_TASKS.has(name));
  }

  async dispatch<N extends TaskName>(
    name: N,
    payload: TaskPayload<N>,
    scope?: DispatchScope,
    options: { priority?: number; delayMs?: number } = {},
  ): Promise<DispatchOutcome> {
    if (this.skips(name)) return { status: 'skipped', reason: this.budgetSpent ? 'budget_spent' : 'degraded' };
    const contract = taskContracts[name];
    const result = await this.queue.dispatch(name, { ...payload, dispatchedAt: Date.now() }, {
      dedupeKey: (contract.dedupe as (p: TaskPayload<N>) => string)(payload),
      dedupeMode: contract.dedupeMode,
      priority: options.priority ?? contract.priority,
      ...(options.delayMs !== undefined ? { delayMs: options.delayMs } : {}),
    });
    if (result.status === 'accepted') scope?.jobIds.push(result.jobId);
    return result;
  }
}
