import { logger } from '../../observability/logger.js';
import { metrics } from '../../observability/metrics.js';
import type { DispatchOptions, DispatchResult, QueueEventName, QueueEvents } from './task-queue.js';
import { errorMessage } from './task-registry.js';

const log = logger.child({ module: 'task-queue' });

type Listener<E extends QueueEventName> = (data: QueueEvents[E]) => void;

/** The listeners behind `TaskQueue.on`. A throwing listener is logged, never allowed to break a job. */
export class QueueEventBus {
  private readonly listeners = new Map<QueueEventName, Set<Listener<QueueEventName>>>();

  on<E extends QueueEventName>(event: E, listener: Listener<E>): () => void {
    const set = this.listeners.get(event) ?? new Set();
    this.listeners.set(event, set);
    set.add(listener as Listener<QueueEventName>);
    return () => set.delete(listener as Listener<QueueEventName>);
  }

  hasListeners(event: QueueEventName): boolean {
    return (this.listeners.get(event)?.size ?? 0) > 0;
  }

  emit<E extends QueueEventName>(event: E, data: QueueEvents[E]): void {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        listener(data);
      } catch (error) {
        log.error({ event, err: error }, 'task-queue listener threw');
      }
    }
  }

  /**
   * Runs one dispatch for a backend so that it never rejects, is counted by result, and announces a
   * collapsed duplicate. `enqueue` throws to reject (a DispatchRejection, or Redis failing).
   */
  async settleDispatch(taskName: string, options: DispatchOptions, enqueue: () => Promise<DispatchResult>): Promise<DispatchResult> {
    let result: DispatchResult;
    try {
      result = await enqueue();
    } catch (error) {
      result = { status: 'rejected', reason: errorMessage(error) };
    }
    metrics.queueDispatches.inc({ task: taskName, result: result.status });
    if (result.status === 'deduplicated' && options.dedupeKey !== undefined) {
      this.emit('deduplicated', { taskName, dedupeKey: options.dedupeKey, jobId: result.jobId });
    }
    return result;
  }
}
