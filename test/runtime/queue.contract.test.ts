import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { currentHotPathOperation, currentSlowPathWork, hotPath } from '../../src/runtime/hot-path/hot-path.js';
import { BullMqQueue } from '../../src/runtime/queue/bullmq-queue.js';
import { InProcessQueue } from '../../src/runtime/queue/in-process-queue.js';
import { metrics } from '../../src/observability/metrics.js';
import { PermanentTaskError, RateLimitedTaskError } from '../../src/runtime/queue/task-errors.js';
import type { QueueEvents, TaskQueue } from '../../src/runtime/queue/task-queue.js';
import { metricValue } from '../support/metrics.js';
import { describeWithServices, redisUrl, uniquePrefix } from '../support/services.js';

/** Small defaults so retries take milliseconds; tests that measure backoff set their own. */
const defaults = { attempts: 3, backoff: { delayMs: 10, factor: 2 } };
const anything = z.unknown();

/** A promise the test resolves by hand, to keep a handler busy. */
function latch() {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { released, release };
}

/** A task name no other test uses: the metrics it is counted under are this test's alone. */
let taskNames = 0;
const uniqueTaskName = (prefix: string) => `${prefix}-${process.pid}-${++taskNames}-${Date.now()}`;

/** What the process-wide registry has counted for `task` so far. */
async function countedFor(task: string) {
  return {
    completed: await metricValue(metrics.taskCompletions, { task }),
    failedFinal: await metricValue(metrics.taskFailures, { task, final: 'true' }),
    failedRetried: await metricValue(metrics.taskFailures, { task, final: 'false' }),
    attemptsTimed: await metricValue(metrics.taskDuration, { task }, 'nyx_task_duration_seconds_count'),
    secondsTimed: await metricValue(metrics.taskDuration, { task }, 'nyx_task_duration_seconds_sum'),
  };
}

function collect<E extends keyof QueueEvents>(queue: TaskQueue, event: E): QueueEvents[E][] {
  const seen: QueueEvents[E][] = [];
  queue.on(event, (data) => seen.push(data));
  return seen;
}

/** `make` wrapped so every queue a test opens is closed after it (call inside a `describe`). */
function closedAfterEach<Q extends TaskQueue>(make: (concurrency: number) => Q): (concurrency?: number) => Q {
  const open: Q[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((queue) => queue.close({ graceMs: 0 })));
  });
  return (concurrency = 4) => {
    const queue = make(concurrency);
    open.push(queue);
    return queue;
  };
}

function queueContract(makeQueue: (concurrency: number) => TaskQueue): void {
  const create = closedAfterEach(makeQueue);

  it('a repeated task runs on its schedule, and asking again replaces the schedule', async () => {
    const queue = create();
    let runs = 0;
    queue.defineTask('sweep', { payload: anything, handler: async () => void runs++ });
    await queue.repeat('sweep', 300);
    await queue.repeat('sweep', 300);
    await queue.startWorkers();
    await sleep(1_700);
    // About five runs in 1.7 s at one every 300 ms; two schedules would make about ten.
    expect(runs).toBeGreaterThanOrEqual(3);
    expect(runs).toBeLessThanOrEqual(7);
    await expect(queue.repeat('no-such-task', 300)).rejects.toThrow(/unknown task/);
  });

  it('dispatch settles at once while the handler runs for seconds, and close does not wait for it', async () => {
    const queue = create();
    queue.defineTask('slow', { payload: anything, handler: (_, job) => sleep(5_000, 'done', { signal: job.signal }) });
    queue.defineTask('warm-up', { payload: anything, handler: async () => undefined });
    await queue.startWorkers();
    // The first command on a fresh connection also loads BullMQ's scripts: time a steady-state dispatch.
    const warmUp = await queue.dispatch('warm-up', {});
    if (warmUp.status === 'accepted') await queue.waitForJob(warmUp.jobId, 5_000);
    const active = collect(queue, 'active');

    const started = performance.now();
    const result = await queue.dispatch('slow', {});
    expect(performance.now() - started).toBeLessThan(100);
    expect(result.status).toBe('accepted');

    await vi.waitFor(() => expect(active).toHaveLength(1), { timeout: 5_000 });
    const closing = performance.now();
    await queue.close({ graceMs: 0 });
    expect(performance.now() - closing).toBeLessThan(2_000);
  });

  it('runs higher priorities first across task kinds (8 > 7 > 5), and the newest first within one', async () => {
    const queue = create(1);
    const blocker = latch();
    const order: string[] = [];
    queue.defineTask('blocker', { payload: anything, handler: () => blocker.released });
    for (const [name, priority] of [
      ['reaction', 8],
      ['action', 7],
      ['narration', 5],
    ] as const) {
      queue.defineTask(name, {
        payload: anything,
        priority,
        handler: async (payload) => void order.push(`${name} ${(payload as { n: number }).n}`),
      });
    }
    const active = collect(queue, 'active');
    await queue.startWorkers();
    await queue.dispatch('blocker', {});
    await vi.waitFor(() => expect(active).toHaveLength(1), { timeout: 5_000 });

    let n = 0;
    for (const name of ['narration', 'action', 'reaction', 'narration', 'reaction', 'action']) {
      expect((await queue.dispatch(name, { n: n++ })).status).toBe('accepted');
      // Newness is counted in 100 ms steps on BullMQ.
      await sleep(110);
    }
    blocker.release();
    await vi.waitFor(() => expect(order).toHaveLength(6), { timeout: 10_000 });
    expect(order).toEqual(['reaction 4', 'reaction 2', 'action 5', 'action 1', 'narration 3', 'narration 0']);
  });

  it('retries with growing backoff until an attempt succeeds', async () => {
    const queue = create();
    const startedAt: number[] = [];
    queue.defineTask('flaky', {
      payload: anything,
      attempts: 3,
      backoff: { delayMs: 100, factor: 4 },
      handler: async (_, job) => {
        startedAt.push(Date.now());
        if (job.attempt < 3) throw new Error(`attempt ${job.attempt} failed`);
        return 'finally';
      },
    });
    await queue.startWorkers();
    const result = await queue.dispatch('flaky', {});
    if (result.status !== 'accepted') throw new Error(`dispatch ${result.status}`);

    expect(await queue.waitForJob(result.jobId, 10_000)).toEqual({ status: 'completed', result: 'finally' });
    const [first = 0, second = 0, third = 0] = startedAt;
    expect(startedAt).toHaveLength(3);
    expect(second - first).toBeGreaterThanOrEqual(90);
    expect(third - second).toBeGreaterThanOrEqual(390);
    expect(third - second).toBeGreaterThan(second - first);
  });

  it('reports the last failure as final once attempts are exhausted', async () => {
    const queue = create();
    const failed = collect(queue, 'failed');
    queue.defineTask('doomed', {
      payload: anything,
      attempts: 2,
      handler: async () => {
        throw new Error('model unavailable');
      },
    });
    await queue.startWorkers();
    const result = await queue.dispatch('doomed', { scene: 1 });
    if (result.status !== 'accepted') throw new Error(`dispatch ${result.status}`);

    expect(await queue.waitForJob(result.jobId, 10_000)).toEqual({ status: 'failed', error: 'model unavailable' });
    await vi.waitFor(() => expect(failed).toHaveLength(2), { timeout: 5_000 });
    expect(failed.map(({ attempt, final }) => ({ attempt, final }))).toEqual([
      { attempt: 1, final: false },
      { attempt: 2, final: true },
    ]);
    expect(failed[1]).toMatchObject({ jobId: result.jobId, taskName: 'doomed', payload: { scene: 1 } });
  });

  it('does not retry a PermanentTaskError or an error marked retryable: false', async () => {
    const queue = create();
    const failed = collect(queue, 'failed');
    let calls = 0;
    queue.defineTask('garbage', {
      payload: z.object({ marked: z.boolean() }),
      attempts: 5,
      handler: async ({ marked }) => {
        calls += 1;
        throw marked ? Object.assign(new Error('marked'), { retryable: false }) : new PermanentTaskError('schema-invalid output');
      },
    });
    await queue.startWorkers();
    const permanent = await queue.dispatch('garbage', { marked: false });
    const marked = await queue.dispatch('garbage', { marked: true });
    if (permanent.status !== 'accepted' || marked.status !== 'accepted') throw new Error('dispatch not accepted');

    expect(await queue.waitForJob(permanent.jobId, 10_000)).toEqual({ status: 'failed', error: 'schema-invalid output' });
    expect(await queue.waitForJob(marked.jobId, 10_000)).toEqual({ status: 'failed', error: 'marked' });
    await vi.waitFor(() => expect(failed).toHaveLength(2), { timeout: 5_000 });
    expect(calls).toBe(2);
    expect(failed.every((event) => event.final && event.attempt === 1)).toBe(true);
  });

  it('aborts an attempt past its timeoutMs and retries it', async () => {
    const queue = create();
    const failed = collect(queue, 'failed');
    const sawAbort: boolean[] = [];
    queue.defineTask('stuck', {
      payload: anything,
      attempts: 2,
      timeoutMs: 150,
      handler: async (_, job) => {
        if (job.attempt === 2) return 'second time lucky';
        await new Promise((resolve) => job.signal.addEventListener('abort', resolve, { once: true }));
        sawAbort.push(job.signal.aborted);
        return 'too late';
      },
    });
    await queue.startWorkers();
    const result = await queue.dispatch('stuck', {});
    if (result.status !== 'accepted') throw new Error(`dispatch ${result.status}`);

    expect(await queue.waitForJob(result.jobId, 10_000)).toEqual({ status: 'completed', result: 'second time lucky' });
    expect(sawAbort).toEqual([true]);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ attempt: 1, final: false });
    expect(failed[0]?.error).toMatch(/timed out after 150 ms/);
  });

  it('rejects an unknown task and a payload that fails its schema, without running anything', async () => {
    const queue = create();
    let calls = 0;
    queue.defineTask('typed', { payload: z.object({ sceneId: z.string() }), handler: async () => void calls++ });
    await queue.startWorkers();

    const invalid = await queue.dispatch('typed', { sceneId: 42 });
    expect(invalid.status).toBe('rejected');
    expect(invalid.status === 'rejected' && invalid.reason).toMatch(/sceneId/);
    expect(await queue.dispatch('nope', {})).toEqual({ status: 'rejected', reason: 'unknown task "nope"' });
    expect((await queue.dispatch('typed', { sceneId: 's' }, { priority: 11 })).status).toBe('rejected');

    await sleep(100);
    expect(calls).toBe(0);
    expect(await queue.counts()).toMatchObject({ waiting: 0, active: 0, delayed: 0 });
  });

  it('collapses 1,000 concurrent dispatches of one dedupe key into one run', async () => {
    const queue = create();
    const running = latch();
    const deduplicated = collect(queue, 'deduplicated');
    let calls = 0;
    queue.defineTask('storm', {
      payload: anything,
      handler: async () => {
        calls += 1;
        await running.released;
      },
    });
    await queue.startWorkers();

    const results = await Promise.all(Array.from({ length: 1_000 }, (_, i) => queue.dispatch('storm', { i }, { dedupeKey: 'scene-7' })));
    const accepted = results.filter((r) => r.status === 'accepted');
    expect(accepted).toHaveLength(1);
    const jobId = accepted[0]?.status === 'accepted' ? accepted[0].jobId : '';
    expect(results.filter((r) => r.status === 'deduplicated' && r.jobId === jobId)).toHaveLength(999);
    expect(deduplicated).toHaveLength(999);
    expect(deduplicated[0]).toMatchObject({ taskName: 'storm', dedupeKey: 'scene-7', jobId });

    running.release();
    expect((await queue.waitForJob(jobId, 10_000)).status).toBe('completed');
    expect(calls).toBe(1);
    // The key is free again once its job has finished.
    expect((await queue.dispatch('storm', {}, { dedupeKey: 'scene-7' })).status).toBe('accepted');
  });

  it.each([
    { mode: 'first', ttl: undefined },
    { mode: 'first', ttl: 60_000 },
    { mode: 'latest', ttl: undefined },
  ] as const)('a job that fails for good frees its dedupe key ($mode mode, TTL $ttl), so the next request runs', async ({ mode, ttl }) => {
    const queue = create();
    const finals = collect(queue, 'failed');
    let fail = true;
    queue.defineTask('bundle', {
      payload: anything,
      attempts: 2,
      handler: async () => {
        if (fail) throw new Error('model unavailable');
        return 'written';
      },
    });
    await queue.startWorkers();
    const options = { dedupeKey: 'scene-9', dedupeMode: mode, ...(ttl === undefined ? {} : { dedupeTtlMs: ttl }) };
    const first = await queue.dispatch('bundle', {}, options);
    if (first.status !== 'accepted') throw new Error(`dispatch ${first.status}`);
    expect((await queue.waitForJob(first.jobId, 10_000)).status).toBe('failed');
    // Listeners hear of the final failure once the key is free: a fallback written then may be retried at once.
    await vi.waitFor(() => expect(finals.filter((event) => event.final)).toHaveLength(1), { timeout: 5_000 });

    fail = false;
    const again = await queue.dispatch('bundle', {}, options);
    expect(again.status).toBe('accepted');
    if (again.status === 'accepted') expect(await queue.waitForJob(again.jobId, 10_000)).toMatchObject({ status: 'completed' });
  });

  it('a first-mode TTL still holds the key after its job completed', async () => {
    const queue = create();
    queue.defineTask('bundle', { payload: anything, handler: async () => 'written' });
    await queue.startWorkers();
    const options = { dedupeKey: 'scene-10', dedupeTtlMs: 60_000 };
    const first = await queue.dispatch('bundle', {}, options);
    if (first.status !== 'accepted') throw new Error(`dispatch ${first.status}`);
    expect((await queue.waitForJob(first.jobId, 10_000)).status).toBe('completed');
    expect((await queue.dispatch('bundle', {}, options)).status).toBe('deduplicated');
  });

  it('latest mode: a waiting job takes the newest payload, a running one keeps exactly one follow-up', async () => {
    const queue = create(1);
    const blocker = latch();
    const seen: number[] = [];
    let holdFirstRun = latch();
    const active = collect(queue, 'active');
    queue.defineTask('blocker', { payload: anything, handler: () => blocker.released });
    queue.defineTask('summary', {
      payload: z.object({ version: z.number() }),
      handler: async ({ version }) => {
        seen.push(version);
        if (seen.length === 2) await holdFirstRun.released;
      },
    });
    await queue.startWorkers();

    // Waiting: the worker is busy, so versions 1..3 collapse into one job that runs with 3.
    await queue.dispatch('blocker', {});
    await vi.waitFor(() => expect(active).toHaveLength(1), { timeout: 5_000 });
    for (const version of [1, 2, 3]) await queue.dispatch('summary', { version }, { dedupeKey: 'scene', dedupeMode: 'latest' });
    blocker.release();
    await vi.waitFor(() => expect(seen).toEqual([3]), { timeout: 5_000 });

    // Running: 4 runs (held), 5 and 6 arrive meanwhile; exactly one follow-up runs, with 6.
    holdFirstRun = latch();
    await queue.dispatch('summary', { version: 4 }, { dedupeKey: 'scene', dedupeMode: 'latest' });
    await vi.waitFor(() => expect(seen).toEqual([3, 4]), { timeout: 5_000 });
    for (const version of [5, 6]) {
      expect((await queue.dispatch('summary', { version }, { dedupeKey: 'scene', dedupeMode: 'latest' })).status).toBe('deduplicated');
    }
    holdFirstRun.release();
    await vi.waitFor(() => expect(seen).toEqual([3, 4, 6]), { timeout: 5_000 });
    await sleep(200);
    expect(seen).toEqual([3, 4, 6]);
  });

  it('spaces the starts of a rate-limited task kind', async () => {
    const queue = create();
    const startedAt: number[] = [];
    queue.defineTask('limited', {
      payload: anything,
      rateLimit: { max: 1, durationMs: 250 },
      handler: async () => void startedAt.push(Date.now()),
    });
    await queue.startWorkers();
    for (let i = 0; i < 3; i++) await queue.dispatch('limited', { i });

    await vi.waitFor(() => expect(startedAt).toHaveLength(3), { timeout: 10_000 });
    const [a = 0, b = 0, c = 0] = startedAt;
    // The gate spaces its starts by 250 ms; a handler runs a few ms after its start, more on a busy
    // machine, so two handlers may land a little closer (unlimited, they would be 0 ms apart).
    expect(b - a).toBeGreaterThanOrEqual(200);
    expect(c - b).toBeGreaterThanOrEqual(200);
  });

  it('holds back a task kind after a 429 while other kinds keep running', async () => {
    const queue = create();
    const failed = collect(queue, 'failed');
    const startedAt: Record<string, number[]> = { provider: [], local: [] };
    let first = true;
    queue.defineTask('provider', {
      payload: anything,
      handler: async () => {
        startedAt.provider?.push(Date.now());
        if (first) {
          first = false;
          throw new RateLimitedTaskError('429 from provider', 600);
        }
      },
    });
    queue.defineTask('local', { payload: anything, handler: async () => void startedAt.local?.push(Date.now()) });
    await queue.startWorkers();

    const limited = await queue.dispatch('provider', { n: 1 });
    await vi.waitFor(() => expect(failed).toHaveLength(1), { timeout: 5_000 });
    const rateLimitedAt = Date.now();
    const sameKind = await queue.dispatch('provider', { n: 2 });
    await queue.dispatch('local', {});

    await vi.waitFor(() => expect(startedAt.local).toHaveLength(1), { timeout: 5_000 });
    expect((startedAt.local?.[0] ?? 0) - rateLimitedAt).toBeLessThan(400);
    if (limited.status !== 'accepted' || sameKind.status !== 'accepted') throw new Error('dispatch not accepted');
    expect((await queue.waitForJob(limited.jobId, 10_000)).status).toBe('completed');
    expect((await queue.waitForJob(sameKind.jobId, 10_000)).status).toBe('completed');
    const laterStarts = startedAt.provider?.slice(1) ?? [];
    expect(laterStarts).toHaveLength(2);
    for (const at of laterStarts) expect(at - rateLimitedAt).toBeGreaterThanOrEqual(450);
  });

  it('keeps a 429 hold-back when another job of that kind then fails in the ordinary way', async () => {
    const queue = create();
    const failed = collect(queue, 'failed');
    const rateLimited = latch();
    const startedAt: number[] = [];
    let rateLimitedAt = 0;
    queue.defineTask('provider', {
      payload: z.object({ n: z.number() }),
      handler: async ({ n }, job) => {
        if (n === 3) startedAt.push(Date.now());
        if (job.attempt > 1) return;
        if (n === 1) {
          rateLimitedAt = Date.now();
          throw new RateLimitedTaskError('429 from provider', 800);
        }
        // Running before the 429, failing after it: a failure with no retry-after of its own.
        if (n === 2) await rateLimited.released.then(() => Promise.reject(new Error('connection reset')));
      },
    });
    await queue.startWorkers();

    await queue.dispatch('provider', { n: 2 });
    await sleep(50);
    await queue.dispatch('provider', { n: 1 });
    await vi.waitFor(() => expect(failed).toHaveLength(1), { timeout: 5_000 });
    rateLimited.release();
    await vi.waitFor(() => expect(failed).toHaveLength(2), { timeout: 5_000 });
    const third = await queue.dispatch('provider', { n: 3 });
    if (third.status !== 'accepted') throw new Error(`dispatch ${third.status}`);
    expect((await queue.waitForJob(third.jobId, 10_000)).status).toBe('completed');
    expect(startedAt).toHaveLength(1);
    // Held back 800 ms from the 429 (less the moments between the throw and the hold).
    expect(startedAt[0]! - rateLimitedAt).toBeGreaterThanOrEqual(700);
  });

  it('waitForJob returns a finished outcome, waits for a running job, and times out', async () => {
    const queue = create();
    const running = latch();
    queue.defineTask('quick', { payload: z.object({ n: z.number() }), handler: async ({ n }) => ({ doubled: n * 2 }) });
    queue.defineTask('held', { payload: anything, handler: () => running.released.then(() => 'released') });
    await queue.startWorkers();

    const quick = await queue.dispatch('quick', { n: 21 });
    if (quick.status !== 'accepted') throw new Error(`dispatch ${quick.status}`);
    await vi.waitFor(async () => expect((await queue.counts()).completed).toBe(1), { timeout: 5_000 });
    expect(await queue.waitForJob(quick.jobId)).toEqual({ status: 'completed', result: { doubled: 42 } });

    const held = await queue.dispatch('held', {});
    if (held.status !== 'accepted') throw new Error(`dispatch ${held.status}`);
    expect(await queue.waitForJob(held.jobId, 100)).toEqual({ status: 'timeout' });
    const outcome = queue.waitForJob(held.jobId, 10_000);
    running.release();
    expect(await outcome).toEqual({ status: 'completed', result: 'released' });
  });

  it('waitForJob of a job it never had answers failed, naming the job', async () => {
    const queue = create();
    await queue.startWorkers();
    expect(await queue.waitForJob('no-such-job', 1_000)).toEqual({ status: 'failed', error: 'unknown job "no-such-job"' });
  });

  it('once closed: ping answers false, dispatches are rejected, and closing again returns at once', async () => {
    const queue = create();
    let runs = 0;
    queue.defineTask('narrate', { payload: anything, handler: async () => void runs++ });
    await queue.startWorkers();
    expect(await queue.ping()).toBe(true);

    await queue.close({ graceMs: 0 });
    expect(await queue.ping()).toBe(false);
    expect(await queue.dispatch('narrate', {})).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/closed/) });
    const again = performance.now();
    await queue.close({ graceMs: 10_000 });
    expect(performance.now() - again).toBeLessThan(100);
    expect(runs).toBe(0);
  });

  it('runs nothing before startWorkers', async () => {
    const queue = create();
    const active = collect(queue, 'active');
    queue.defineTask('narrate', { payload: anything, handler: async () => 'written' });
    const result = await queue.dispatch('narrate', {});
    if (result.status !== 'accepted') throw new Error(`dispatch ${result.status}`);
    await sleep(300);
    expect(active).toHaveLength(0);
    await queue.startWorkers();
    expect(await queue.waitForJob(result.jobId, 10_000)).toEqual({ status: 'completed', result: 'written' });
  });

  it('announces each attempt and each completion with its job, task, attempt and run time', async () => {
    const queue = create();
    const active = collect(queue, 'active');
    const completed = collect(queue, 'completed');
    let calls = 0;
    queue.defineTask('flaky', {
      payload: anything,
      handler: async () => {
        if (++calls === 1) throw new Error('model unavailable');
        await sleep(150);
        return 'written';
      },
    });
    await queue.startWorkers();
    const started = performance.now();
    const result = await queue.dispatch('flaky', {});
    if (result.status !== 'accepted') throw new Error(`dispatch ${result.status}`);
    expect((await queue.waitForJob(result.jobId, 10_000)).status).toBe('completed');
    const elapsed = performance.now() - started;
    await vi.waitFor(() => expect(completed).toHaveLength(1), { timeout: 5_000 });
    expect(active).toEqual([
      { jobId: result.jobId, taskName: 'flaky', attempt: 1 },
      { jobId: result.jobId, taskName: 'flaky', attempt: 2 },
    ]);
    expect(completed[0]).toMatchObject({ jobId: result.jobId, taskName: 'flaky', result: 'written', attempts: 2 });
    // The second attempt's run: its 150 ms sleep, and no more than the whole wait.
    expect(completed[0]!.durationMs).toBeGreaterThanOrEqual(140);
    expect(completed[0]!.durationMs).toBeLessThanOrEqual(elapsed + 50);
  });

  it('counts completions, failures (final or retried) and attempt run times by task in /metrics', async () => {
    const queue = create();
    const works = uniqueTaskName('metered');
    const breaks = uniqueTaskName('metered-broken');
    queue.defineTask(works, { payload: anything, handler: () => sleep(100, 'ok') });
    queue.defineTask(breaks, {
      payload: anything,
      attempts: 2,
      handler: async () => {
        throw new Error('model unavailable');
      },
    });
    await queue.startWorkers();
    const done = await queue.dispatch(works, {});
    const failed = await queue.dispatch(breaks, {});
    if (done.status !== 'accepted' || failed.status !== 'accepted') throw new Error('dispatch refused');
    expect((await queue.waitForJob(done.jobId, 10_000)).status).toBe('completed');
    expect((await queue.waitForJob(failed.jobId, 10_000)).status).toBe('failed');
    await vi.waitFor(async () => expect((await countedFor(breaks)).failedFinal).toBe(1), { timeout: 5_000 });

    const worked = await countedFor(works);
    expect(worked).toMatchObject({ completed: 1, failedFinal: 0, failedRetried: 0, attemptsTimed: 1 });
    expect(worked.secondsTimed).toBeGreaterThanOrEqual(0.09);
    expect(worked.secondsTimed).toBeLessThan(5);
    expect(await countedFor(breaks)).toMatchObject({ completed: 0, failedFinal: 1, failedRetried: 1, attemptsTimed: 2 });
  });

  it('a first-mode TTL frees the key once it ends, and latest mode keeps no TTL', async () => {
    const queue = create();
    queue.defineTask('bundle', { payload: anything, handler: async () => 'written' });
    await queue.startWorkers();
    const runOnce = async (options: { dedupeKey: string; dedupeMode?: 'first' | 'latest'; dedupeTtlMs: number }) => {
      const result = await queue.dispatch('bundle', {}, options);
      if (result.status !== 'accepted') throw new Error(`dispatch ${result.status}`);
      expect((await queue.waitForJob(result.jobId, 10_000)).status).toBe('completed');
    };

    // Long enough to outlast the job and the check on loaded cores; the TTL counts from the dispatch.
    const first = { dedupeKey: 'scene-11', dedupeTtlMs: 1_500 };
    await runOnce(first);
    expect((await queue.dispatch('bundle', {}, first)).status).toBe('deduplicated');
    await sleep(1_700);
    expect((await queue.dispatch('bundle', {}, first)).status).toBe('accepted');

    const latest = { dedupeKey: 'scene-12', dedupeMode: 'latest', dedupeTtlMs: 60_000 } as const;
    await runOnce(latest);
    // Its job finished: the key is free at once, whatever TTL the caller named.
    await vi.waitFor(async () => expect((await queue.dispatch('bundle', {}, latest)).status).toBe('accepted'), { timeout: 2_000 });
  });

  it('counts waiting, active, delayed, completed and failed jobs', async () => {
    const queue = create(1);
    const blocker = latch();
    const active = collect(queue, 'active');
    queue.defineTask('blocker', { payload: anything, handler: () => blocker.released });
    queue.defineTask('work', { payload: anything, handler: async () => 'ok' });
    queue.defineTask('broken', {
      payload: anything,
      handler: async () => {
        throw new PermanentTaskError('broken');
      },
    });
    await queue.startWorkers();
    await queue.dispatch('blocker', {});
    await vi.waitFor(() => expect(active).toHaveLength(1), { timeout: 5_000 });
    await queue.dispatch('work', {});
    await queue.dispatch('broken', {});
    await queue.dispatch('work', {}, { delayMs: 60_000 });

    expect(await queue.counts()).toEqual({ waiting: 2, active: 1, delayed: 1, completed: 0, failed: 0 });
    blocker.release();
    await vi.waitFor(async () => expect(await queue.counts()).toEqual({ waiting: 0, active: 0, delayed: 1, completed: 2, failed: 1 }), {
      timeout: 5_000,
    });
  });

  it('runs jobs dispatched inside a hot-path operation outside it, as slow-path work named for their task', async () => {
    const queue = create();
    const seen: (string | undefined)[] = [];
    queue.defineTask('narrate', {
      payload: anything,
      handler: async () => {
        await Promise.resolve();
        seen.push(currentHotPathOperation(), currentSlowPathWork());
      },
    });
    await queue.startWorkers();

    const result = await hotPath('player-move', async () => {
      seen.push(currentHotPathOperation());
      return queue.dispatch('narrate', {});
    });
    if (result.status !== 'accepted') throw new Error(`dispatch ${result.status}`);
    expect(await queue.waitForJob(result.jobId, 10_000)).toMatchObject({ status: 'completed' });
    expect(seen).toEqual(['player-move', undefined, 'narrate']);
  });
}

describe('TaskQueue contract: InProcessQueue', () => {
  queueContract((concurrency) => new InProcessQueue({ ...defaults, concurrency }));

  // What only the embedded queue does: its jobs live in this process, so closing it drops them.
  const embedded = closedAfterEach((concurrency) => new InProcessQueue({ ...defaults, concurrency }));

  it('refuses a task that has no handler in this process, naming it', async () => {
    const queue = embedded();
    queue.defineTask('narrate', { payload: anything });
    expect(await queue.dispatch('narrate', {})).toEqual({
      status: 'rejected',
      reason: 'task "narrate" has no handler, and the in-process queue runs its jobs in this process',
    });
  });

  it('close drops a delayed job at once, and a running job cut short is dropped, not failed or retried', async () => {
    const queue = embedded();
    const failed = collect(queue, 'failed');
    const active = collect(queue, 'active');
    queue.defineTask('work', { payload: anything, handler: async () => 'ok' });
    queue.defineTask('endless', { payload: anything, handler: (_, job) => sleep(60_000, 'done', { signal: job.signal }) });
    await queue.startWorkers();
    const delayed = await queue.dispatch('work', {}, { delayMs: 60_000 });
    const running = await queue.dispatch('endless', {});
    if (delayed.status !== 'accepted' || running.status !== 'accepted') throw new Error('dispatch refused');
    await vi.waitFor(() => expect(active).toHaveLength(1), { timeout: 5_000 });

    await queue.close({ graceMs: 0 });
    const dropped = { status: 'failed', error: 'dropped: queue closed' };
    expect(await queue.waitForJob(delayed.jobId, 1_000)).toEqual(dropped);
    expect(await queue.waitForJob(running.jobId, 1_000)).toEqual(dropped);
    expect(failed).toEqual([]);
    expect(active).toHaveLength(1);
  });

  it('a repeated task never overlaps itself: a run still going absorbs the next tick', async () => {
    const queue = embedded();
    let running = 0;
    let overlapped = 0;
    let runs = 0;
    queue.defineTask('sweep', {
      payload: anything,
      handler: async () => {
        runs++;
        if (++running > 1) overlapped++;
        await sleep(450);
        running--;
      },
    });
    await queue.repeat('sweep', 100);
    await queue.startWorkers();
    await sleep(1_500);
    // Ticks every 100 ms: without the absorbed ticks about four runs would overlap each one.
    expect(overlapped).toBe(0);
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(runs).toBeLessThanOrEqual(4);
  });

  // BullMQ counts such a job delayed until a worker is free to move it on.
  it('a delayed job counts as waiting once its delay has passed and no worker is free', async () => {
    const queue = embedded(1);
    const blocker = latch();
    const active = collect(queue, 'active');
    queue.defineTask('blocker', { payload: anything, handler: () => blocker.released });
    queue.defineTask('work', { payload: anything, handler: async () => 'ok' });
    await queue.startWorkers();
    await queue.dispatch('blocker', {});
    await vi.waitFor(() => expect(active).toHaveLength(1), { timeout: 5_000 });
    await queue.dispatch('work', {}, { delayMs: 200 });
    expect(await queue.counts()).toMatchObject({ waiting: 0, delayed: 1 });
    await vi.waitFor(async () => expect(await queue.counts()).toMatchObject({ waiting: 1, active: 1, delayed: 0 }), { timeout: 5_000 });
    blocker.release();
  });

  it('a job that fails for good frees only its own key: a TTL that ended has let another job hold it', async () => {
    const queue = embedded();
    const first = latch();
    let calls = 0;
    queue.defineTask('bundle', {
      payload: anything,
      attempts: 1,
      handler: async () => {
        if (++calls === 1) {
          await first.released;
          throw new Error('model unavailable');
        }
        await sleep(60_000);
      },
    });
    await queue.startWorkers();
    const options = { dedupeKey: 'scene-13', dedupeTtlMs: 200 };
    const a = await queue.dispatch('bundle', {}, options);
    await sleep(300);
    const b = await queue.dispatch('bundle', {}, options);
    if (a.status !== 'accepted' || b.status !== 'accepted') throw new Error('dispatch refused');
    first.release();
    expect((await queue.waitForJob(a.jobId, 5_000)).status).toBe('failed');
    expect(await queue.dispatch('bundle', {}, options)).toEqual({ status: 'deduplicated', jobId: b.jobId });
  });
});

describeWithServices('TaskQueue contract: BullMqQueue', ['redis'], () => {
  const prefixes: string[] = [];
  afterAll(async () => {
    const redis = new Redis(redisUrl ?? '');
    for (const prefix of prefixes) {
      const keys: string[] = [];
      for await (const batch of redis.scanStream({ match: `${prefix}*`, count: 500 })) keys.push(...(batch as string[]));
      if (keys.length > 0) await redis.del(...keys);
    }
    await redis.quit();
  });

  queueContract((concurrency) => {
    const prefix = uniquePrefix('queue');
    prefixes.push(prefix);
    // A generous deadline: 1,000 dispatches at once on two loaded cores take about a second.
    return new BullMqQueue({ ...defaults, url: redisUrl ?? '', prefix, concurrency, dispatchTimeoutMs: 5_000 });
  });

  it('a repeated task is scheduled once for the cluster, however many worker processes ask for it', async () => {
    const prefix = uniquePrefix('queue-repeat');
    prefixes.push(prefix);
    const workers = [0, 1].map(() => new BullMqQueue({ ...defaults, url: redisUrl ?? '', prefix, concurrency: 2 }));
    let runs = 0;
    try {
      for (const queue of workers) {
        queue.defineTask('sweep', { payload: anything, handler: async () => void runs++ });
        await queue.repeat('sweep', 300);
        await queue.startWorkers();
      }
      await sleep(1_700);
      expect(runs).toBeGreaterThanOrEqual(3);
      expect(runs).toBeLessThanOrEqual(7);
    } finally {
      await Promise.all(workers.map((queue) => queue.close({ graceMs: 0 })));
    }
  });

  it('rejects dispatches fast and never throws when Redis is unreachable', async () => {
    const queue = new BullMqQueue({ ...defaults, url: 'redis://127.0.0.1:1', prefix: uniquePrefix('queue-down'), concurrency: 1 });
    queue.defineTask('narrate', { payload: anything });
    try {
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        const result = await queue.dispatch('narrate', { i });
        expect(performance.now() - started).toBeLessThan(250);
        expect(result.status).toBe('rejected');
      }
      expect(await queue.ping()).toBe(false);
      expect(await queue.waitForJob('any', 100)).toEqual({ status: 'timeout' });
    } finally {
      await queue.close({ graceMs: 0 });
    }
  });
});
