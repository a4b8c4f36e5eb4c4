import type { z } from 'zod';
import type { TaskValue } from './task-value.js';

/**
 * A slow-path task as the hot path dispatches it and a worker runs it: its name, its payload schema,
 * its queue priority and how identical requests collapse. A subsystem declares its contracts next to
 * its handlers (`src/conflict/<subsystem>/contracts.ts`); the hot path dispatches the contract value
 * itself, so a payload is checked against its own schema at compile time, and a web process that
 * only dispatches never loads any slow-path code.
 *
 * Every payload carries the game id and the state version it was made for, and a task that fills a
 * feed item carries the item's id. Decisions carry the context hash they were made for (a plan for a
 * superseded context is dropped, never served), and bundle tasks the cache version their key was
 * built on (a result that lands after an invalidation is written where no reader looks).
 */
export interface TaskContract<Name extends string = string, Schema extends z.ZodType = z.ZodType> {
  readonly name: Name;
  readonly payload: Schema;
  /** Queue priority, 1..10, higher runs first; a dispatch may override it. */
  readonly priority: number;
  /**
   * The key identical requests share: a second dispatch of a live key collapses into the first.
   * (A method, so a contract for one payload still counts as a contract for any payload.)
   */
  dedupe(payload: z.input<Schema>): string;
  /** `first`: a duplicate is dropped. `latest`: a duplicate replaces the payload of the queued job. */
  readonly dedupeMode: 'first' | 'latest';
  /** Seconds its cached result lives; a finished run is not repeated for longer than that. Default: IDEMPOTENCY_TTL_S. */
  readonly resultTtlSeconds?: number;
  /**
   * Whether a newer item of the same kind and subject makes this one pointless (a reaction to the
   * player's last choice replaces one to the choice before; a conflict's newer phase, its older
   * narration): a queued job for the older item then ends before its model call and its item
   * settles on the fallback. Default false: gossip lines and beats each say something of their own.
   */
  readonly supersedable?: boolean;
  /** What its result is worth to a player: under load the least valuable work is refused first (see `task-value.ts`). */
  readonly value: TaskValue;
}

/** What every payload says (the fields are in `payload-fields.ts`): which game, as of which version, filling which item. */
export interface MadeFor {
  gameId: string;
  stateVersion: number;
  contentId?: string | undefined;
  dispatchedAt?: number | undefined;
  recovered?: true | undefined;
  /**
   * A job that does the work of several tasks in one model call (a player turn): each part is the
   * task that would fill one feed item alone. The runner checks each part before the call and settles
   * each part's item when the job will not write it; a part the call leaves out is sent on its own.
   */
  parts?: readonly TaskPart[] | undefined;
}

/** One task's work inside a job that joins several (see `MadeFor.parts`). */
export interface TaskPart {
  readonly name: string;
  readonly payload: MadeFor;
}

/** Any contract, whatever else its payload holds: what the generic dispatcher and runner handle. */
export type AnyTaskContract = TaskContract<string, z.ZodType<MadeFor, MadeFor>>;

export type PayloadOf<C extends AnyTaskContract> = z.input<C['payload']>;
export type ParsedPayloadOf<C extends AnyTaskContract> = z.output<C['payload']>;

/** Declares a contract, keeping its literal name and payload schema in the type. */
export function defineTask<Name extends string, Schema extends z.ZodType>(
  contract: TaskContract<Name, Schema>,
): TaskContract<Name, Schema> {
  return contract;
}
