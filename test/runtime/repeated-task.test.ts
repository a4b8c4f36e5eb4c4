import { afterEach, describe, expect, it, vi } from 'vitest';
import { REASSERT_SCHEDULE_EVERY_MS, registerRepeatedTask } from '../../src/runtime/queue/repeated-task.js';
import type { TaskQueue } from '../../src/runtime/queue/task-queue.js';

/** A queue that records what is asked of it. */
function recordingQueue(backend: TaskQueue['backend']) {
  const defined: Array<{ name: string; handled: boolean }> = [];
  const repeats: Array<[string, number]> = [];
  const queue = {
    backend,
    defineTask: (name: string, definition: { handler?: unknown }) => void defined.push({ name, handled: definition.handler !== undefined }),
    repeat: async (name: string, everyMs: number) => void repeats.push([name, everyMs]),
  } as unknown as TaskQueue;
  return { queue, defined, repeats };
}

describe('a cluster-wide repeated task', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is only declared by a process that does not run it', async () => {
    const { queue, defined, repeats } = recordingQueue('bullmq');
    await registerRepeatedTask(queue, 'sweep', 30_000);
    expect(defined).toEqual([{ name: 'sweep', handled: false }]);
    expect(repeats).toEqual([]);
  });

  it('asks for its schedule again on BullMQ, since a Redis that lost its data lost the schedule, until stopped', async () => {
    vi.useFakeTimers();
    const { queue, defined, repeats } = recordingQueue('bullmq');
    const stop = await registerRepeatedTask(queue, 'sweep', 30_000, async () => undefined);
    expect(defined).toEqual([{ name: 'sweep', handled: true }]);
    expect(repeats).toEqual([['sweep', 30_000]]);
    await vi.advanceTimersByTimeAsync(REASSERT_SCHEDULE_EVERY_MS * 2);
    expect(repeats).toHaveLength(3);
    stop();
    await vi.advanceTimersByTimeAsync(REASSERT_SCHEDULE_EVERY_MS * 2);
    expect(repeats).toHaveLength(3);
  });

  it('keeps the in-process schedule as it is: a timer nothing can lose', async () => {
    vi.useFakeTimers();
    const { queue, repeats } = recordingQueue('in-process');
    await registerRepeatedTask(queue, 'recover', 2_000, async () => undefined);
    await vi.advanceTimersByTimeAsync(REASSERT_SCHEDULE_EVERY_MS * 2);
    expect(repeats).toEqual([['recover', 2_000]]);
  });
});
