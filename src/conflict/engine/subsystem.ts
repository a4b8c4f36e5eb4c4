import type { AnyTaskContract } from '../tasks/task-contract.js';
import type { StateContributions } from './game-state.js';
import type { HandlerContext } from './handler-context.js';
import type { DispatchCombiner } from './task-dispatcher.js';
import type { EventHandlers } from './synthesizer.js';

/** What the engine needs of a subsystem: its handlers, the tasks they dispatch, its part of the state. */
export interface HotPathSubsystem {
  readonly name: string;
  readonly handlers: EventHandlers<HandlerContext>;
  readonly tasks: readonly AnyTaskContract[];
  /** Its fields of the state, from the request's snapshot and the cache: no dispatch, no model. */
  readonly view?: (ctx: HandlerContext) => Promise<Partial<StateContributions>>;
  /**
   * Work it asks of idle workers (speculative tasks), on the state a request leaves behind: called
   * after the request's handlers, only while the slow path has spare capacity. It changes nothing
   * in the game.
   */
  readonly spare?: (ctx: HandlerContext) => Promise<void>;
  /**
   * Joins tasks a request asked for into fewer jobs once the request has committed (one model call
   * per player turn): each joined item still keeps its own task, so recovery can write it alone.
   * Applied only where the process is configured for it (ONE_CALL_PER_TURN).
   */
  readonly combine?: DispatchCombiner;
}
