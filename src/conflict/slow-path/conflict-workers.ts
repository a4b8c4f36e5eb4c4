import { logger } from '../../observability/logger.js';
import type { TaskQueue } from '../../runtime/queue/task-queue.js';
import type { TaskDispatcher } from '../engine/task-dispatcher.js';
import { TaskCatalog } from '../tasks/task-catalog.js';
import type { AnyTaskContract } from '../tasks/task-contract.js';
import type { ConflictWorkerDeps } from './task-context.js';
import type { TaskImplementation } from './task-implementation.js';
import { ConflictTaskRunner } from './task-runner.js';

const log = logger.child({ module: 'conflict-workers' });

/** What the workers need of a subsystem: its contracts, and where its implementations load from. */
export interface SlowPathSubsystem {
  readonly name: string;
  readonly tasks: readonly AnyTaskContract[];
  /** Loads the implementations: only a worker process calls it, so a web process never loads model-calling code. */
  readonly slowPath: () => Promise<readonly TaskImplementation[]>;
}

/**
 * Defines every task of `subsystems` on `queue` with its contract and implementation, and records
 * final failures. Call it in worker processes only: a dispatch-only process hears other processes'
 * failures too and would record them twice. Resolves to the function that stops the failure recording.
 */
export async function registerConflictWorkers(
  queue: TaskQueue,
  deps: ConflictWorkerDeps,
  subsystems: readonly SlowPathSubsystem[],
  /** How the tasks' own follow-up work is admitted (the process's capacity and model health). */
  dispatcher: TaskDispatcher,
): Promise<() => void> {
  const implementations = new Map<string, TaskImplementation>();
  for (const subsystem of subsystems) {
    for (const implementation of await subsystem.slowPath()) implementations.set(implementation.contract.name, implementation);
  }
  const catalog = TaskCatalog.of(subsystems);
  const unimplemented = catalog.contracts.filter((contract) => !implementations.has(contract.name)).map((contract) => contract.name);
  if (unimplemented.length > 0) throw new Error(`tasks without an implementation: ${unimplemented.join(', ')}`);

  const runner = new ConflictTaskRunner(deps, dispatcher, implementations);
  catalog.declareOn(queue, (contract) => (payload, job) => runner.run(implementations.get(contract.name)!, payload, job), {
    ...(deps.taskTimeoutMs !== undefined ? { timeoutMs: deps.taskTimeoutMs } : {}),
  });
  return queue.on('failed', (event) => {
    const implementation = implementations.get(event.taskName);
    if (!event.final || !implementation) return;
    runner
      .recordFinalFailure(implementation, event)
      .catch((error: unknown) => log.error({ err: error, task: event.taskName }, 'final failure not recorded'));
  });
}
