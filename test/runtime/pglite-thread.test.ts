import { queueOptionsSymbol } from 'piscina';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metrics } from '../../src/observability/metrics.js';
import { HotPathFirstQueue, PgliteThread } from '../../src/runtime/db/pglite-thread/pglite-thread.js';
import { hotPath } from '../../src/runtime/hot-path/hot-path.js';

const task = (name: string, lane: 'hot' | 'slow') => ({ name, [queueOptionsSymbol]: { lane } });
const drain = (queue: HotPathFirstQueue) => {
  const order: string[] = [];
  for (let next = queue.shift(); next; next = queue.shift()) order.push((next as unknown as { name: string }).name);
  return order;
};

describe('HotPathFirstQueue', () => {
  it('runs hot-path statements first, in order, and lets one slow statement through after each burst', () => {
    const queue = new HotPathFirstQueue(2);
    for (const name of ['s1', 's2']) queue.push(task(name, 'slow'));
    for (const name of ['h1', 'h2', 'h3', 'h4', 'h5']) queue.push(task(name, 'hot'));
    expect(queue.size).toBe(7);
    expect(drain(queue)).toEqual(['h1', 'h2', 's1', 'h3', 'h4', 's2', 'h5']);
    expect(queue.size).toBe(0);
  });

  it('treats a task without lane options as slow, and removes a queued task from its lane', () => {
    const queue = new HotPathFirstQueue();
    const untagged = { name: 'plain', [queueOptionsSymbol]: null };
    const cancelled = task('cancelled', 'hot');
    queue.push(untagged);
    queue.push(cancelled);
    queue.push(task('h', 'hot'));
    queue.remove(cancelled);
    expect(drain(queue)).toEqual(['h', 'plain']);
  });
});

describe('PgliteThread', () => {
  let thread: PgliteThread;
  beforeAll(async () => {
    thread = await PgliteThread.start(undefined);
    await thread.query('create table t (id integer primary key, at timestamptz not null default now())', [], 'object');
  });
  afterAll(async () => thread?.close());

  it('answers rows in both shapes, with timestamps as text for drizzle to map', async () => {
    await thread.query('insert into t (id) values ($1), ($2)', [1, 2], 'object');
    const objects = (await thread.query('select id, at from t order by id', [], 'object')) as Array<{ id: number; at: unknown }>;
    expect(objects.map((row) => row.id)).toEqual([1, 2]);
    expect(typeof objects[0]!.at).toBe('string');
    expect(await thread.query('select id from t order by id', [], 'array')).toEqual([[1], [2]]);
  });

  it('keeps PostgreSQL error fields across the thread', async () => {
    const error = await thread.query('insert into t (id) values ($1)', [1], 'object').catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'PgliteError', code: '23505' });
    expect((error as Error).message).toMatch(/duplicate key/);
  });

  it('serves statements issued inside a hot-path request while the slow path has many queued', async () => {
    const slow = Array.from({ length: 200 }, () => thread.query('select pg_sleep(0.001)', [], 'array'));
    let slowDoneWhenHotAnswered = -1;
    let slowDone = 0;
    for (const statement of slow) void statement.then(() => slowDone++);
    await hotPath('test.read', async () => {
      await thread.query('select 1', [], 'array');
      slowDoneWhenHotAnswered = slowDone;
    });
    await Promise.all(slow);
    // FIFO would answer after all 200; hot first answers after the few already running or let through.
    expect(slowDoneWhenHotAnswered).toBeLessThan(20);
  });

  it('times how long a statement ran on the thread, by path, apart from its wait in the queue', async () => {
    const observed = async () => {
      const { values } = await metrics.dbStatementRun.get();
      const of = (path: string, name: string) => values.find((v) => v.metricName === name && v.labels.path === path)?.value ?? 0;
      return {
        hot: of('hot', 'nyx_db_statement_run_seconds_count'),
        slow: of('slow', 'nyx_db_statement_run_seconds_count'),
        slowSeconds: of('slow', 'nyx_db_statement_run_seconds_sum'),
      };
    };
    const before = await observed();
    // Three sleeps queue behind each other: the last waits about 0.1 s, yet each ran about 0.05 s.
    await Promise.all([1, 2, 3].map(() => thread.query('select pg_sleep(0.05)', [], 'object')));
    await hotPath('test.request', () => thread.query('select 1', [], 'array'));
    const after = await observed();
    expect(after.slow - before.slow).toBe(3);
    expect(after.hot - before.hot).toBe(1);
    expect(after.slowSeconds - before.slowSeconds).toBeGreaterThanOrEqual(0.14);
    // With the queue counted the three would add up to about 0.3 s.
    expect(after.slowSeconds - before.slowSeconds).toBeLessThan(0.28);
    // A failed statement ran too, and is timed like any other.
    await expect(thread.query('select * from no_such_table', [], 'object')).rejects.toThrow();
    expect((await observed()).slow - after.slow).toBe(1);
  });

  it('refuses statements once closed instead of starting an empty database', async () => {
    const other = await PgliteThread.start(undefined);
    await other.close();
    await expect(other.query('select 1', [], 'array')).rejects.toThrow(/closed/);
  });
});
