import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  const job = { jobId: 'job-8', attempt: 2, maxAttempts: 3, enqueuedAt: Date.now() - 250 };
  const taskOf = (name: string, handler?: () => Promise<unknown>) => ({
    name,
    definition: { payload: z.unknown() },
    ...(handler ? { handler } : {}),
    priority: 5,
    attempts: 3,
    backoff: { delayMs: 10, factor: 2 },
  });
  const runner = () => new TaskAttemptRunner(new MemoryTaskStartGate(), new QueueEventBus());

  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  beforeAll(() => {
    provider.register();
  });
  afterAll(async () => provider.shutdown());

  it("traces the job's wait in the queue and its run, named for the task, with the job and attempt", async () => {
    exporter.reset();
    const outcome = await runner().run(
      taskOf('social.generate_gossip', async () => 'written'),
      {},
      job,
      new AbortController().signal,
    );
    expect(outcome).toMatchObject({ result: 'written' });
    const spans = exporter.getFinishedSpans().map((span) => ({ name: span.name, kind: span.kind, attributes: span.attributes }));
    const identity = { 'messaging.destination.name': 'social.generate_gossip', 'messaging.message.id': 'job-8', 'nyx.job.attempt': 2 };
    expect(spans).toEqual([
      { name: 'wait social.generate_gossip', kind: SpanKind.INTERNAL, attributes: identity },
      {
        name: 'process social.generate_gossip',
        kind: SpanKind.CONSUMER,
        attributes: { ...identity, 'messaging.operation.type': 'process' },
      },
    ]);
    const wait = exporter.getFinishedSpans()[0]!;
    // From the enqueue to the attempt's start: the 250 ms the job waited.
    expect(wait.duration[0] * 1000 + wait.duration[1] / 1e6).toBeGreaterThanOrEqual(240);
  });

  it('refuses a task with no handler in this process, naming it', async () => {
    await expect(runner().run(taskOf('narrate'), {}, job, new AbortController().signal)).rejects.toThrow(
      'task "narrate" has no handler in this process',
    );
  });

  it('does not wait for a handler that ignores its signal when the queue is already stopping', async () => {
    const stop = new AbortController();
    stop.abort(new Error('queue closed'));
    const ignoresItsSignal = taskOf('endless', () => new Promise(() => {}));
    await expect(runner().run(ignoresItsSignal, {}, job, stop.signal)).rejects.toThrow('queue closed');
  });

  it('names a timed-out attempt TaskTimeoutError, the reason its log line gives', () => {
    const timeout = new TaskTimeoutError('social.generate_gossip', 50);
    expect(timeout.message).toBe('task "social.generate_gossip" timed out after 50 ms');
    expect(failureLogLine('social.generate_gossip', job, timeout).fields).toMatchObject({ reason: 'TaskTimeoutError', final: false });
  });
});
