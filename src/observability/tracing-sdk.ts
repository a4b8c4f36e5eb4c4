import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

/**
 * Sends spans over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (the exporter reads it, and
 * the other standard `OTEL_*` variables such as `OTEL_SERVICE_NAME`). Loaded only then, so a
 * process that does not trace never loads the SDK. Returns the shutdown that flushes what is left.
 */
export function startOtlpTracing(): () => Promise<void> {
  const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] });
  // Registers the AsyncLocalStorage context manager and the W3C propagator along with the tracer.
  provider.register();
  return () => provider.shutdown();
}
