/**
 * @module
 * The official OpenTelemetry SDK and OTLP protobuf exporter, as an instrumented agent runs them,
 * for tests and benchmarks that drive a real `tokenwatch serve`.
 */
import type { Attributes, Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';

export type { ReadableSpan, SpanExporter };

/** The official OTLP/HTTP protobuf exporter (`@opentelemetry/exporter-trace-otlp-proto`). */
export function protoExporter(options: {
  url: string;
  headers?: Record<string, string>;
  timeoutMillis?: number;
}): SpanExporter {
  return new OTLPTraceExporter({ ...options, url: `${options.url}/v1/traces` });
}

/**
 * A tracer of the official SDK whose ended spans are collected, not exported: the caller hands
 * them to an exporter in batches of its choosing, and so knows exactly which spans it sent.
 */
export function spanRecorder(serviceName: string): {
  tracer: Tracer;
  /** Takes the spans ended since the last call. */
  take(): ReadableSpan[];
  shutdown(): Promise<void>;
} {
  let ended: ReadableSpan[] = [];
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [
      {
        onStart() {},
        onEnd(span: ReadableSpan) {
          ended.push(span);
        },
        forceFlush: async () => {},
        shutdown: async () => {},
      },
    ],
  });
  return {
    tracer: provider.getTracer('tokenwatch-test-agent', '1.0.0'),
    take() {
      const taken = ended;
      ended = [];
      return taken;
    },
    shutdown: () => provider.shutdown(),
  };
}

/** Exports spans with the given exporter; resolves with the SDK's result (0 = success). */
export function exportSpans(
  exporter: SpanExporter,
  spans: ReadableSpan[],
): Promise<{ code: number; error?: Error }> {
  return new Promise((resolve) => exporter.export(spans, (result) => resolve(result)));
}

/** Attributes of an LLM call as the GenAI conventions describe it (gpt-4o-mini chat). */
export function chatCallAttributes(inputTokens: number, outputTokens: number): Attributes {
  return {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o-mini',
    'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
    'gen_ai.usage.input_tokens': inputTokens,
    'gen_ai.usage.output_tokens': outputTokens,
  };
}
