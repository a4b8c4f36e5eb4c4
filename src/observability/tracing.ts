import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';

/**
 * OpenTelemetry spans for one player's click: the HTTP request, the task dispatch, the time the job
 * waited in the queue, the job, and each model call. Without `startTracing()` the API's no-op
 * tracer is in place, so every span here costs a function call and nothing is recorded or sent.
 */
export const tracer = trace.getTracer('nyx');

/** W3C trace context (`traceparent`, `tracestate`) carried with a job, so its worker continues the dispatcher's trace. */
export type TraceCarrier = Record<string, string>;

export { SpanKind };

/** The active trace context as a carrier for a job; undefined when nothing is being traced. */
export function currentTraceCarrier(): TraceCarrier | undefined {
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return Object.keys(carrier).length > 0 ? carrier : undefined;
}

/** The context a job's spans belong to: the dispatcher's trace when the job carries one. */
export function contextOf(carrier: TraceCarrier | undefined): Context {
  return carrier === undefined ? context.active() : propagation.extract(context.active(), carrier);
}

/**
 * Runs `work` inside a new active span, child of `parent` (default: the active context). A thrown
 * error marks the span failed with its `error.type` and is rethrown.
 */
export function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Attributes; startTime?: number },
  work: (span: Span) => Promise<T>,
  parent: Context = context.active(),
): Promise<T> {
  return tracer.startActiveSpan(name, options, parent, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.setAttribute('error.type', error instanceof Error ? error.name : 'error');
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * Records an interval that already happened (a job's wait in the queue) as a finished span.
 * `startTime` and `endTime` are epoch milliseconds.
 */
export function recordSpan(name: string, startTime: number, endTime: number, parent: Context, attributes: Attributes = {}): void {
  tracer.startSpan(name, { kind: SpanKind.INTERNAL, startTime, attributes }, parent).end(endTime);
}
