import { hotPath, HotPathViolation } from '../../runtime/hot-path/hot-path.js';
import { logger } from '../../observability/logger.js';
import type { EventOf, EventType, SubsystemResponse, SystemEvent } from './events.js';

/** A subsystem's handler for one event type: it receives that type's payload, typed. */
export type EventHandler<T extends EventType, Ctx> = (event: EventOf<T>, context: Ctx) => Promise<SubsystemResponse | void>;

/** A handler per event type a subsystem cares about. */
export type EventHandlers<Ctx> = { [T in EventType]?: EventHandler<T, Ctx> };

/** What the synthesizer routes to: a named set of handlers. */
export interface EventSubscriber<Ctx> {
  readonly name: string;
  readonly handlers: EventHandlers<Ctx>;
}

export interface EventRecord {
  event: SystemEvent;
  responses: Partial<Record<string, Record<string, unknown>>>;
  failures: Partial<Record<string, string>>;
  /** Summed over the handlers that answered. */
  reactionsDispatched: number;
}

/** A runaway chain of side effects is a bug; stop it rather than loop forever. */
const MAX_EVENTS_PER_EMIT = 64;

const log = logger.child({ module: 'synthesizer' });

/**
 * Routes a game event to every subsystem that handles it, then runs the side effects those handlers
 * return as follow-up events, most urgent first. Each handler runs as its own hot-path operation
 * (`stakeholders.player_choice`, ...): timed, and closed to model calls. A failing handler is logged
 * and skipped so one subsystem cannot take the others down with it — except for a
 * `HotPathViolation`, which is a bug in the handler, not bad luck: it fails the request before
 * anything is saved, so it is seen rather than counted away.
 */
export class ConflictSynthesizer<Ctx> {
  constructor(private readonly subscribers: ReadonlyArray<EventSubscriber<Ctx>>) {}

  async emit(first: SystemEvent, context: Ctx): Promise<EventRecord[]> {
    const pending: SystemEvent[] = [first];
    const records: EventRecord[] = [];
    while (pending.length > 0 && records.length < MAX_EVENTS_PER_EMIT) {
      const event = pending.shift()!;
      const record: EventRecord = { event, responses: {}, failures: {}, reactionsDispatched: 0 };
      for (const subscriber of this.subscribers) {
        try {
          const response = await this.deliver(subscriber, event, context);
          if (response?.data) record.responses[subscriber.name] = response.data;
          record.reactionsDispatched += response?.reactionsDispatched ?? 0;
          for (const effect of response?.sideEffects ?? []) insertByPriority(pending, effect);
        } catch (error) {
          if (error instanceof HotPathViolation) throw error;
          record.failures[subscriber.name] = error instanceof Error ? error.message : String(error);
          log.error({ err: error, subsystem: subscriber.name, event: event.type, gameId: event.gameId }, 'handler failed');
        }
      }
      records.push(record);
    }
    if (pending.length > 0) log.error({ dropped: pending.length, first: first.type }, 'side-effect chain too long; dropped the rest');
    return records;
  }

  private async deliver<T extends EventType>(
    subscriber: EventSubscriber<Ctx>,
    event: EventOf<T>,
    context: Ctx,
  ): Promise<SubsystemResponse | void> {
    const handler: EventHandler<T, Ctx> | undefined = subscriber.handlers[event.type];
    if (!handler) return undefined;
    return hotPath(`${subscriber.name}.${event.type}`, () => handler(event, context));
  }
}

function insertByPriority(queue: SystemEvent[], event: SystemEvent): void {
  const index = queue.findIndex((queued) => queued.priority > event.priority);
  if (index === -1) queue.push(event);
  else queue.splice(index, 0, event);
}
