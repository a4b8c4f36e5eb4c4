import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, afterEach, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { BullMqQueue } from '../../src/runtime/queue/bullmq-queue.js';
import type { QueueEvents } from '../../src/runtime/queue/task-queue.js';
import { describeWithServices, redisUrl, uniquePrefix } from '../support/services.js';

/** What only the distributed backend does: several processes share one queue. */
describeWithServices('BullMqQueue across processes', ['redis'], () => {
  const prefix = uniquePrefix('queue-shared');
  const open: BullMqQueue[] = [];
  const create = () => {
    const queue = new BullMqQueue({ url: redisUrl ?? '', prefix, concurrency: 2, attempts: 3, backoff: { delayMs: 10, factor: 2 } });
    open.push(queue);
    return queue;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((queue) => queue.close({ graceMs: 0 })));
  });
  afterAll(async () => {
    const redis = new Redis(redisUrl ?? '');
    const keys: string[] = [];
    for await (const batch of redis.scanStream({ match: `${prefix}*`, count: 500 })) keys.push(...(batch as string[]));
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('a dispatch-only process sees the outcome of a job another process runs', async () => {
    const web = create();
    const worker = create();
    web.defineTask('narrate', { payload: z.object({ scene: z.string() }) });
    worker.defineTask('narrate', { payload: z.object({ scene: z.string() }), handler: async ({ scene }) => `text for ${scene}` });
    const completed: QueueEvents['completed'][] = [];
    web.on('completed', (event) => completed.push(event));
    await worker.startWorkers();

    const result = await web.dispatch('narrate', { scene: 'harbour' });
    if (result.status !== 'accepted') throw new Error(`dispatch ${result.status}`);
    expect(await web.waitForJob(result.jobId, 10_000)).toEqual({ status: 'completed', result: 'text for harbour' });
    await vi.waitFor(() => expect(completed).toHaveLength(1), { timeout: 5_000 });
    expect(completed[0]).toMatchObject({ jobId: result.jobId, taskName: 'narrate', result: 'text for harbour', attempts: 1 });
  });

  it('close hands a running job back without spending an attempt, and another worker runs it', async () => {
    const first = create();
    const second = create();
    const attempts: number[] = [];
    for (const queue of [first, second]) {
      queue.defineTask('long', {
        payload: z.unknown(),
        handler: async (_, job) => {
          attempts.push(job.attempt);
          if (queue === first) await sleep(10_000, undefined, { signal: job.signal });
          return 'finished elsewhere';
        },
      });
    }
    await first.startWorkers();
    const result = await first.dispatch('long', {});
    if (result.status !== 'accepted') throw new Error(`dispatch ${result.status}`);
    await vi.waitFor(() => expect(attempts).toEqual([1]), { timeout: 5_000 });

    await first.close({ graceMs: 50 });
    expect((await second.counts()).failed).toBe(0);
    await second.startWorkers();
    expect(await second.waitForJob(result.jobId, 10_000)).toEqual({ status: 'completed', result: 'finished elsewhere' });
    expect(attempts).toEqual([1, 1]);
  });
});
