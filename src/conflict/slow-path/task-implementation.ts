import type { AnyTaskContract, ParsedPayloadOf } from '../tasks/task-contract.js';
import type { GameSnapshot } from '../store/game-snapshot.js';
import type { ConflictWorkerDeps, TaskContext, TaskOutcome } from './task-context.js';

/** A job the queue gave up on: what its `onFinalFailure` hook may use to leave something behind. */
export interface FinalFailure {
  /** The game as it is now; absent when the game itself is gone. */
  readonly snapshot: GameSnapshot | undefined;
  readonly deps: ConflictWorkerDeps;
  /** The last attempt's error message. */
  readonly error: string;
}

/**
 * A contract's slow-path implementation: `run` makes the model calls and writes the result. When the
 * queue gives up on a job for good, the runner settles its feed item on the rule fallback, then
 * `onFinalFailure` may leave what the task's readers need (a fallback bundle, a failed plan on record);
 * it answers whether that changed what players see, so the game's version moves and clients hear it.
 */
export interface TaskImplementation<C extends AnyTaskContract = AnyTaskContract> {
  readonly contract: C;
  run(payload: ParsedPayloadOf<C>, ctx: TaskContext): Promise<TaskOutcome>;
  onFinalFailure?(payload: ParsedPayloadOf<C>, failure: FinalFailure): Promise<{ visible: boolean }>;
}

/** Pairs a contract with its implementation, typing the payload from the contract's schema. */
export function implement<C extends AnyTaskContract>(
  contract: C,
  run: TaskImplementation<C>['run'],
  options: { onFinalFailure?: NonNullable<TaskImplementation<C>['onFinalFailure']> } = {},
): TaskImplementation<C> {
  return { contract, run, ...(options.onFinalFailure ? { onFinalFailure: options.onFinalFailure } : {}) };
}
