import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { QueueEventBus } from '../../src/runtime/queue/queue-event-bus.js';
import { failureLogLine, TaskAttemptRunner, TaskTimeoutError } from '../../src/runtime/queue/task-attempt.js';
import { PermanentTaskError } from '../../src/runtime/queue/task-errors.js';
import { MemoryTaskStartGate } from '../../src/runtime/queue/task-start-gate.js';

/** A gateway error as the model call throws it: a model kind and a reason besides its message. */
class ModelCallError extends Error {
  constructor(
    readonly kind: unknown,
    readonly reason: unknown,
  ) {
    super('the answer did not fit its schema');
    this.name = 'ModelCallError';
  }
}

describe('failureLogLine', () => {
  const job = (attempt: number) => ({ jobId: 'job-7', attempt, maxAttempts: 3 });

  it("says a model call's kind and reason, and that the queue will retry, before the last attempt", () => {
    expect(failureLogLine('social.generate_gossip', job(2), new ModelCallError('gossip', 'schema'))).toEqual({
      fields: {
        task: 'social.generate_gossip',
        jobId: 'job-7',
        kind: 'gossip',
        attempt: 2,
        maxAttempts: 3,
        final: false,
        reason: 'schema',
        error: 'the answer did not fit its schema',
      },
      message: 'task failed; it will be retried',
    });
  });

  it('says the last attempt and a permanent error failed for good, with the error’s name as its reason', () => {
    expect(failureLogLine('t', job(3), new TypeError('bad input'))).toEqual({
      fields: {
        task: 't',
        jobId: 'job-7',
        kind: undefined,
        attempt: 3,
        maxAttempts: 3,
        final: true,
        reason: 'TypeError',
        error: 'bad input',
      },
      message: 'task failed for good',
    });
    const permanent = failureLogLine('t', job(1), new PermanentTaskError('gone'));
    expect(permanent).toMatchObject({
      fields: { final: true, reason: 'PermanentTaskError', error: 'gone' },
      message: 'task failed for good',
    });
  });

  it('keeps only string kinds and reasons, and names anything else that was thrown "error"', () => {
    expect(failureLogLine('t', job(1), new ModelCallError(7, { code: 1 })).fields).toMatchObject({
      kind: undefined,
      reason: 'ModelCallError',
    });
    expect(failureLogLine('t', job(1), 'boom').fields).toMatchObject({ kind: undefined, reason: 'error', error: 'boom', final: false });
    expect(failureLogLine('t', job(1), null).fields).toMatchObject({ kind: undefined, reason: 'error', error: 'null' });
    expect(failureLogLine('t', job(1), { kind: 'lore_check', reason: 'timeout' }).fields).toMatchObject({
      kind: 'lore_check',
      reason: 'timeout',
    });
    expect(failureLogLine('t', job(1), { name: 7 }).fields).toMatchObject({ reason: 'error' });
  });
});

describe('TaskAttemptRunner', () => {
  const job = { jobId: 'job-8', attempt: 1, maxAttempts: 3, enqueuedAt: Date.now() };

  it('does not wait for a handler that ignores its signal when the queue is already stopping', async () => {
    const runner = new TaskAttemptRunner(new MemoryTaskStartGate(), new QueueEventBus());
    let called = false;
    const task = {
      name: 'endless',
      definition: { payload: z.unknown() },
      handler: () => {
        called = true;
        return new Promise(() => {});
      },
      priority: 5,
      attempts: 3,
      backoff: { delayMs: 10, factor: 2 },
    };
    const stop = new AbortController();
    stop.abort(new Error('queue closed'));
    await expect(runner.run(task, {}, job, stop.signal)).rejects.toThrow('queue closed');
    expect(called).toBe(true);
  });

  it('names a timed-out attempt TaskTimeoutError, the reason its log line gives', () => {
    const timeout = new TaskTimeoutError('social.generate_gossip', 50);
    expect(timeout.message).toBe('task "social.generate_gossip" timed out after 50 ms');
    expect(failureLogLine('social.generate_gossip', job, timeout).fields).toMatchObject({ reason: 'TaskTimeoutError', final: false });
  });
});
