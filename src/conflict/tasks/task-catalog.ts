import type { TaskDefinition, TaskHandler, TaskQueue } from '../../runtime/queue/task-queue.js';
import type { AnyTaskContract, MadeFor } from './task-contract.js';

/**
 * Every task contract of the subsystems a process runs, by name: what a feed item's stored task
 * (re-dispatched when its job was lost) and a queue's failure report (which carry only a name and a
 * payload) are checked against. Built once, at composition, from the subsystem list.
 */
export class TaskCatalog {
  private readonly byName = new Map<string, AnyTaskContract>();

  constructor(contracts: Iterable<AnyTaskContract>) {
    for (const contract of contracts) {
      if (this.byName.has(contract.name)) throw new Error(`task ${contract.name} is declared twice`);
      this.byName.set(contract.name, contract);
    }
  }

  /** The catalog of every contract the given subsystems declare. */
  static of(subsystems: ReadonlyArray<{ readonly tasks: readonly AnyTaskContract[] }>): TaskCatalog {
    return new TaskCatalog(subsystems.flatMap((subsystem) => subsystem.tasks));
  }

  get(name: string): AnyTaskContract | undefined {
    return this.byName.get(name);
  }

  get contracts(): AnyTaskContract[] {
    return [...this.byName.values()];
  }

  /**
   * Declares every task on `queue`. A web process that only dispatches declares them without a
   * handler; a worker process attaches the slow-path implementation through `handlerFor`.
   */
  declareOn(
    queue: TaskQueue,
    handlerFor?: (contract: AnyTaskContract) => TaskHandler<MadeFor, unknown>,
    options: { timeoutMs?: number } = {},
  ): void {
    for (const contract of this.byName.values()) {
      const handler = handlerFor?.(contract);
      queue.defineTask(contract.name, taskDefinition(contract, handler, options));
    }
  }
}

function taskDefinition(
  contract: AnyTaskContract,
  handler: TaskHandler<MadeFor, unknown> | undefined,
  options: { timeoutMs?: number },
): TaskDefinition<MadeFor, unknown> {
  return {
    payload: contract.payload,
    priority: contract.priority,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(handler ? { handler } : {}),
  };
}
