import type { TaskDefinition, TaskHandler, TaskQueue } from '../../runtime/queue/task-queue.js';
import { taskContracts, type ParsedTaskPayload, type TaskName } from './contracts.js';

/**
 * Turns a task contract into the queue's definition. A web process that only dispatches declares
 * every task without a handler; a worker process attaches the slow-path implementation.
 */
export function taskDefinition<N extends TaskName>(
  name: N,
  handler?: TaskHandler<ParsedTaskPayload<N>, unknown>,
  options: { timeoutMs?: number } = {},
): TaskDefinition<ParsedTaskPayload<N>, unknown> {
  const contract = taskContracts[name];
  return {
    payload: contract.payload as unknown as TaskDefinition<ParsedTaskPayload<N>>['payload'],
    priority: contract.priority,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(handler ? { handler } : {}),
  };
}

export function declareConflictTasks(queue: TaskQueue): void {
  for (const name of Object.keys(taskContracts) as TaskName[]) queue.defineTask(name, taskDefinition(name));
}
