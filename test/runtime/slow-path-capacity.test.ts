import { describe, expect, it } from 'vitest';
import { MIN_BOUND, SlowPathCapacity } from '../../src/runtime/queue/slow-path-capacity.js';
import type { QueueCounts, QueueEvents } from '../../src/runtime/queue/task-queue.js';

/** A queue whose counts the test sets and whose completions it announces, on a clock it moves. */
function setting(concurrency: number, options: { horizonMs?: number; windowMs?: number } = {}, startAt = 0) {
  let clock = startAt;
  let counts: QueueCounts | Error = { waiting: 0, active: 0, delayed: 0, failed: 0, completed: 0 };
  const listeners: Array<() => void> = [];
  let unsubscribed = 0;
  const queue = {
    counts: async () => {
      if (counts instanceof Error) throw counts;
      return counts;
    },
    on: (event: keyof QueueEvents, listener: () => void) => {
      if (event === 'completed') listeners.push(listener);
      return () => {
        unsubscribed++;
        listeners.splice(listeners.indexOf(listener), 1);
      };
    },
  };
  const capacity = new SlowPathCapacity(queue as never, { concurrency, ...options }, () => clock);
  return {
    capacity,
    at: (ms: number) => void (clock = ms),
    complete: (n: number) => {
      for (let i = 0; i < n; i++) for (const listener of listeners) listener();
    },
    counts: (next: Partial<QueueCounts> | Error) => {
      counts = next instanceof Error ? next : { waiting: 0, active: 0, delayed: 0, failed: 0, completed: 0, ...next };
    },
    unsubscribed: () => unsubscribed,
  };
}

describe('SlowPathCapacity', () => {
  it('measures completions per second over its window and bounds the backlog to one horizon of them, between the floor and twice it', () => {
    const { capacity, at, complete } = setting(40, { horizonMs: 3_000, windowMs: 10_000 });
    expect(capacity.completionsPerSecond).toBe(0);
    expect(capacity.bound).toBe(40);

    complete(100);
    at(5_000); // 100 in the 5 s since start: 20 a second, 60 in a horizon
    expect(capacity.completionsPerSecond).toBe(20);
    expect(capacity.bound).toBe(60);

    complete(200);
    at(9_999); // 300 over (almost) a full window: 30 a second, 90 in a horizon, capped at twice the floor
    expect(capacity.completionsPerSecond).toBeCloseTo(30, 1);
    expect(capacity.bound).toBe(80);

    at(10_000); // the first 100 leave the window now; the 200 of 5 000 ms stay until 15 000
    expect(capacity.completionsPerSecond).toBe(20);
    at(14_999);
    expect(capacity.completionsPerSecond).toBe(20);
    at(15_000);
    expect(capacity.completionsPerSecond).toBe(0);
    expect(capacity.bound).toBe(40);
  });

  it('measures its rate from its own start, on any clock', () => {
    const { capacity, at, complete } = setting(40, { horizonMs: 3_000, windowMs: 10_000 }, 50_000);
    at(51_000);
    complete(30); // 30 in the first second since start
    expect(capacity.completionsPerSecond).toBe(30);
  });

  it('never bounds under MIN_BOUND, whatever the concurrency', () => {
    expect(setting(2).capacity.bound).toBe(MIN_BOUND);
    const { capacity, at, complete } = setting(2, { horizonMs: 3_000 });
    complete(1_000);
    at(1_000);
    expect(capacity.bound).toBe(2 * MIN_BOUND);
  });

  it('counts what it admitted until sent, then what was sent beyond the free slots and not yet taken by a finishing worker, until the next sample', async () => {
    const { capacity, counts, complete } = setting(40);
    counts({ waiting: 5, active: 30 });
    await capacity.sample();
    expect(capacity.backlog).toBe(5);
    for (let i = 0; i < 12; i++) expect(capacity.admit(1)).toBe(true);
    expect(capacity.backlog).toBe(17); // admitted and not sent yet: all of them count
    for (let i = 0; i < 12; i++) capacity.sent(true);
    expect(capacity.backlog).toBe(7); // 10 slots were free: only the 2 beyond them wait
    capacity.sent(false); // lost work sent again without admission
    expect(capacity.backlog).toBe(8);
    complete(3); // each finished job freed a slot for one that waited
    expect(capacity.backlog).toBe(5);
    complete(10);
    expect(capacity.backlog).toBe(0);
    counts({ waiting: 3, active: 40 });
    await capacity.sample();
    expect(capacity.backlog).toBe(3);
    expect(capacity.room(0.5)).toBe(17);
    capacity.admit(1);
    capacity.admit(1);
    capacity.release(2); // their request wrote nothing
    expect(capacity.backlog).toBe(3);
  });

  it('admits spare-capacity work only while nothing waits and more than a quarter of the workers stand idle, without reporting a shed', async () => {
    const { capacity, counts, complete } = setting(8);
    counts({ waiting: 0, active: 4 }); // 4 idle: more than the reserve of 2
    await capacity.sample();
    expect(capacity.idleWorkers).toBe(4);
    expect(capacity.spare).toBe(true);
    expect(capacity.admit(1, 'a')).toBe(true);
    capacity.sent(true);
    expect(capacity.fairShare).toBe(MIN_BOUND); // one game shares the bound
    expect(capacity.admit(0, 'g')).toBe(true);
    expect(capacity.fairShare).toBe(MIN_BOUND); // spare work is no game's admission
    expect(capacity.idleWorkers).toBe(2); // both admitted, about to take a worker each
    expect(capacity.admit(0, 'g')).toBe(false);
    expect(capacity.shedding).toBe(false);
    capacity.sent(true);
    expect(capacity.idleWorkers).toBe(2);
    complete(2); // two workers finished: two more idle
    expect(capacity.spare).toBe(true);
    counts({ waiting: 1, active: 0 });
    await capacity.sample();
    expect(capacity.idleWorkers).toBe(7); // the waiting job takes one of the eight
    counts({ waiting: 3, active: 8 });
    await capacity.sample();
    expect(capacity.spare).toBe(false);
  });

  it('forgets an admission never sent after a while, and keeps its last reading when the queue cannot answer', async () => {
    const { capacity, counts, at } = setting(40);
    counts({ waiting: 4, active: 40 });
    await capacity.sample();
    capacity.admit(1);
    expect(capacity.backlog).toBe(5);
    at(5_000); // forgotten only once it is older than 5 s
    expect(capacity.backlog).toBe(5);
    at(5_001);
    expect(capacity.backlog).toBe(4);
    counts(new Error('Redis is down'));
    await capacity.sample();
    expect(capacity.backlog).toBe(4);
  });

  it('reports shedding for two seconds after a refusal, and stops listening when stopped', async () => {
    const { capacity, counts, at, complete, unsubscribed } = setting(40);
    counts({ waiting: 40, active: 40 });
    await capacity.sample();
    expect(capacity.shedding).toBe(false);
    at(1_000);
    expect(capacity.admit(1)).toBe(false);
    expect(capacity.shedding).toBe(true);
    at(2_999);
    expect(capacity.shedding).toBe(true);
    at(3_000);
    expect(capacity.shedding).toBe(false);
    capacity.start();
    capacity.stop();
    expect(unsubscribed()).toBe(1);
    complete(50);
    expect(capacity.completionsPerSecond).toBe(0);
  });
});
