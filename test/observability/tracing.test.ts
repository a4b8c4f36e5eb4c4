import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNyxServer } from '../../src/app/nyx-server.js';
import { eventually, startTestNyx, type Backend } from '../support/nyx-harness.js';
import { describeWithServices } from '../support/services.js';

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
beforeAll(() => {
  provider.register();
});
afterAll(async () => provider.shutdown());

/** The names from `span` up to its trace's root, following parent ids through `spans`. */
function ancestry(span: ReadableSpan, spans: ReadableSpan[]): string[] {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const names = [span.name];
  for (let parent = span.parentSpanContext?.spanId; parent !== undefined; ) {
    const next = byId.get(parent);
    if (!next) {
      names.push('<missing parent>');
      break;
    }
    names.push(next.name);
    parent = next.parentSpanContext?.spanId;
  }
  return names;
}

/** The queue job a span sent or ran, when it names one. */
const messageId = (span: ReadableSpan) => span.attributes['messaging.message.id'] as string | undefined;

function oneChoiceTraces(backend: Backend) {
  it('one choice is one trace, from the HTTP request through dispatch, queue wait and job down to each model call', async () => {
    const { nyx, stop } = await startTestNyx(backend);
    const app = await buildNyxServer(nyx);
    try {
      const created = await app.inject({ method: 'POST', url: '/api/games', payload: { scenario: 'village-well', seed: 3 } });
      const { gameId, token, state } = created.json() as { gameId: string; token: string; state: { choices: Array<{ id: string }> } };
      const headers = { authorization: `Bearer ${token}` };
      exporter.reset();

      const chosen = await app.inject({
        method: 'POST',
        url: `/api/games/${gameId}/choices`,
        headers,
        payload: { choiceId: state.choices[0]!.id },
      });
      expect(chosen.statusCode).toBe(200);
      await eventually(
        async () => (await nyx.engine.getState(gameId)).content,
        (content) => content.every((item) => item.status !== 'generating'),
      );
      // An item is filled before its job ends: wait for every job the choice sent (and those they sent)
      // to end, so their spans have. Queue counts cannot tell: the cluster's own schedules stay delayed.
      const clickTrace = async () => {
        await provider.forceFlush();
        const spans = exporter.getFinishedSpans();
        const request = spans.find((span) => span.name === 'POST /api/games/:gameId/choices');
        return request ? spans.filter((span) => span.spanContext().traceId === request.spanContext().traceId) : [];
      };
      const trace = await eventually(clickTrace, (spans) => {
        const processed = new Set(spans.filter((span) => span.name.startsWith('process ')).map(messageId));
        const sent = spans.filter((span) => span.name.startsWith('send ') && messageId(span) !== undefined);
        return sent.length > 0 && sent.every((span) => processed.has(messageId(span)));
      });
      expect(
        trace.find((span) => span.name === 'POST /api/games/:gameId/choices'),
        exporter
          .getFinishedSpans()
          .map((span) => span.name)
          .join(', '),
      ).toBeDefined();
      const modelCalls = trace.filter((span) => span.attributes['gen_ai.operation.name'] === 'chat');
      expect(modelCalls.length).toBeGreaterThan(0);

      for (const call of modelCalls) {
        const chain = ancestry(call, trace);
        expect(chain[0]).toBe(`chat ${call.attributes['gen_ai.request.model']}`);
        expect(chain[1]).toMatch(/^process /);
        expect(chain).toContain(chain[1]!.replace('process ', 'send '));
        expect(chain.at(-1)).toBe('POST /api/games/:gameId/choices');
        expect(call.attributes).toMatchObject({ 'gen_ai.provider.name': expect.any(String), 'nyx.outcome': 'ok' });
        expect(call.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
        expect(call.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
      }
      const jobs = trace.filter((span) => span.name.startsWith('process '));
      for (const job of jobs) {
        const waited = trace.find(
          (span) =>
            span.name === job.name.replace('process ', 'wait ') &&
            span.attributes['messaging.message.id'] === job.attributes['messaging.message.id'],
        );
        expect(waited, `queue wait of ${job.name}`).toBeDefined();
        expect(waited!.parentSpanContext?.spanId).toBe(job.parentSpanContext?.spanId);
      }
    } finally {
      await app.close();
      await stop();
    }
  }, 120_000);
}

describe('traces, embedded (in-process queue)', () => oneChoiceTraces('embedded'));
// The job crosses Redis: only the trace context carried in the job can link the worker's spans.
describeWithServices('traces, distributed (BullMQ)', ['redis', 'postgres'], () => oneChoiceTraces('distributed'));
