/**
 * The id of an event in a game's live-event log, in the form of a Redis stream id: `<ms>-<seq>`,
 * the clock when it was logged and a sequence within that millisecond. Ids order a game's events
 * the same way on every process, and the in-process log issues the same form so a client's
 * `Last-Event-ID` means one thing whichever backend or web process it reaches.
 */
export class EventId {
  private constructor(
    readonly ms: number,
    readonly seq: number,
  ) {}

  /** Before every real event: replaying after it replays the whole log. */
  static readonly ZERO = new EventId(0, 0);

  /** `<ms>-<seq>` or `<ms>`; undefined for anything else (a client may send any header). */
  static parse(text: string): EventId | undefined {
    const match = /^(\d{1,15})(?:-(\d{1,15}))?$/.exec(text.trim());
    if (!match) return undefined;
    return new EventId(Number(match[1]), Number(match[2] ?? 0));
  }

  /**
   * The id after `previous` at `now`: the clock when it has moved on, else the next sequence, so ids
   * keep increasing when the clock stands still or steps back.
   */
  static next(previous: EventId, now: number): EventId {
    return now > previous.ms ? new EventId(now, 0) : new EventId(previous.ms, previous.seq + 1);
  }

  isAfter(other: EventId): boolean {
    return this.ms > other.ms || (this.ms === other.ms && this.seq > other.seq);
  }

  toString(): string {
    return `${this.ms}-${this.seq}`;
  }
}
