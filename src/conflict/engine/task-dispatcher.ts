import { inSpan, SpanKind } from '../../observability/tracing.js';
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
export type DispatchOutcome = DispatchResult | { status: 'skipped'; reason: 'degraded' };

export class DispatchScope {
  readonly jobIds: string[] = [];
}

export class TaskDispatcher {
  constructor(
    private readonly queue: TaskQueue,
    private readonly health: Pick<EngineHealth, 'degraded'>,
  ) {}

  /** Whether a dispatch of `name` now would be skipped (degraded mode, non-critical task). */
  skips(name: TaskName): boolean {
    return this.health.degraded && NON_CRITICAL_TASKS.has(name);
  }

  async dispatch<N extends TaskName>(
    name: N,
    payload: TaskPayload<N>,
    scope?: DispatchScope,
    options: { priority?: number; delayMs?: number } = {},
  ): Promise<DispatchOutcome> {
    if (this.skips(name)) return { status: 'skipped', reason: 'degraded' };
    const contract = taskContracts[name];
    const publish = { kind: SpanKind.PRODUCER, attributes: { 'messaging.operation.type': 'send', 'messaging.destination.name': name } };
    return inSpan(`send ${name}`, publish, async (span) => {
      const result = await this.queue.dispatch(name, { ...payload, dispatchedAt: Date.now() }, {
        dedupeKey: (contract.dedupe as (p: TaskPayload<N>) => string)(payload),
        dedupeMode: contract.dedupeMode,
        priority: options.priority ?? contract.priority,
        ...(options.delayMs !== undefined ? { delayMs: options.delayMs } : {}),
      });
      span.setAttribute('nyx.dispatch.status', result.status);
      if (result.status === 'accepted') {
        span.setAttribute('messaging.message.id', result.jobId);
        scope?.jobIds.push(result.jobId);
      }
      return result;
    });
  }
}
