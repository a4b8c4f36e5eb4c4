import { hotPath, HotPathViolation } from '../../runtime/hot-path/hot-path.js';
import { logger } from '../../observability/logger.js';
import type { EventType, SubsystemName, SubsystemResponse, SystemEvent } from './events.js';

/**
 * Routes a game event to every subsystem that handles it, then runs the side effects those handlers
 * return as follow-up events, most urgent first. Each handler runs as its own hot-path operation
 * (`stakeholders.player_choice`, ...): timed, and closed to model calls. A failing handler is logged
 * and skipped so one subsystem cannot take the others down with it — except for a
 * `HotPathViolation`, which is a bug in the handler, not bad luck: it fails the request before
 * anything is saved, so it is seen rather than counted away.
 */
export type EventHandler<Ctx> = (event: SystemEvent<any>, context: Ctx) => Promise<SubsystemResponse | void>;

export interface Subsystem<Ctx> {
  name: SubsystemName;
  handlers: Partial<Record<EventType, EventHandler<Ctx>>>;
}

export interface EventRecord {
  event: SystemEvent;
  responses: Partial<Record<SubsystemName, Record<string, unknown>>>;
  failures: Partial<Record<SubsystemName, string>>;
}

/** A runaway chain of side effects is a bug; stop it rather than loop forever. */
const MAX_EVENTS_PER_EMIT = 64;

const log = logger.child({ module: 'synthesizer' });

export class ConflictSynthesizer<Ctx> {
  constructor(private readonly subsystems: ReadonlyArray<Subsystem<Ctx>>) {}

  async emit(first: SystemEvent, context: Ctx): Promise<EventRecord[]> {
    const pending: SystemEvent[] = [first];
    const records: EventRecord[] = [];
    while (pending.length > 0 && records.length < MAX_EVENTS_PER_EMIT) {
      const event = pending.shift()!;
      const record: EventRecord = { event, responses: {}, failures: {} };
      for (const subsystem of this.subsystems) {
        const handler = subsystem.handlers[event.type];
        if (!handler) continue;
        try {
          const response = await hotPath(`${subsystem.name}.${event.type}`, () => handler(event, context));
          if (response?.data) record.responses[subsystem.name] = response.data;
          for (const effect of response?.sideEffects ?? []) insertByPriority(pending, effect);
        } catch (error) {
          if (error instanceof HotPathViolation) throw error;
          record.failures[subsystem.name] = error instanceof Error ? error.message : String(error);
          log.error({ err: error, subsystem: subsystem.name, event: event.type, gameId: event.gameId }, 'handler failed');
        }
      }
      records.push(record);
    }
    if (pending.length > 0) log.error({ dropped: pending.length, first: first.type }, 'side-effect chain too long; dropped the rest');
    return records;
  }
}

function insertByPriority(queue: SystemEvent[], event: SystemEvent): void {
  const index = queue.findIndex((queued) => queued.priority > event.priority);
  if (index === -1) queue.push(event);
  else queue.splice(index, 0, event);
}
