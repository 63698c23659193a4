/**
 * @module
 * Conformance harness: a real collector over a private embedded store, the fake provider, and the
 * official OTel SDK exporting with the official OTLP protobuf exporter. Each test file runs in its
 * own process (vitest forks pool), so each opens one backend and shares it among its tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import {
  type Attributes,
  context,
  propagation,
  type Span,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-node';
import { type Collector, createCollector } from '@tokenwatch/collector';
import { hashApiKey, loadConfig } from '@tokenwatch/config';
import { type FakeLlm, startFakeLlm } from '@tokenwatch/fake-llm';
import { queryRows } from '@tokenwatch/store';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import { z } from 'zod';

/** The API key every conformance exporter sends. */
export const API_KEY = 'tw_conformance_0123456789abcdef';

/** What an emitter exported, as the test needs it: enough to tell which span a row came from. */
export type ExportedSpan = {
  name: string;
  scope: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  status: 'UNSET' | 'OK' | 'ERROR';
  attributes: Attributes;
};

const CallRowSchema = z.object({
  span_id: z.string(),
  provider: z.string(),
  operation: z.string(),
  request_model: z.string(),
  response_model: z.string(),
  input_tokens: z.coerce.number(),
  cache_read_tokens: z.coerce.number(),
  cache_write_tokens: z.coerce.number(),
  cache_write_1h_tokens: z.coerce.number(),
  output_tokens: z.coerce.number(),
  reasoning_tokens: z.coerce.number(),
  usage_missing: z.boolean(),
  cache_unreported: z.boolean(),
  status: z.string(),
  error_type: z.string(),
  total_cost: z.string().nullable(),
});

const AttributionRowSchema = z.object({
  agent: z.string(),
  user_id: z.string(),
  feature: z.string(),
  session_id: z.string(),
});

/**
 * One stored llm_calls row, with `span` naming the exported span it was billed from
 * (`?` when the row matches no span the test saw, which would itself be a failure).
 */
export type CallRow = Omit<z.infer<typeof CallRowSchema>, 'span_id'> & { span: string };

/** Attribution columns of a stored call. */
export type AttributionRow = z.infer<typeof AttributionRowSchema>;

/** A collector on 127.0.0.1 over a private store, plus the fake provider. */
export type Backend = {
  /** Base URL of the collector, e.g. `http://127.0.0.1:41234`. */
  collectorUrl: string;
  fake: FakeLlm;
  /** The stored calls of the traces these spans belong to, oldest first, once all is written. */
  calls(spans: readonly ExportedSpan[]): Promise<CallRow[]>;
  /** Attribution of the stored calls of these spans' traces, oldest first. */
  attribution(spans: readonly ExportedSpan[]): Promise<AttributionRow[]>;
  /** The sum of total_cost over the stored calls of these spans' traces, as the store adds it. */
  totalCost(spans: readonly ExportedSpan[]): Promise<string | null>;
  /** Every call stored so far, whatever its trace: proves that nothing at all arrived. */
  countAllCalls(): Promise<number>;
  close(): Promise<void>;
};

/** Starts the store, the collector (served over HTTP, as exporters reach it) and the fake. */
export async function startBackend(): Promise<Backend> {
  const testStore: TestStore = await openTestStore();
  const dataDir = mkdtempSync(join(tmpdir(), 'tokenwatch-conformance-'));
  const config = {
    ...loadConfig({ cwd: dataDir, env: {}, flags: { dataDir } }),
    apiKeys: [{ tenant: 'conformance', keySha256: hashApiKey(API_KEY) }],
  };
  const collector: Collector = createCollector({ store: testStore.store, config });
  collector.start();
  const server = createAdaptorServer({ fetch: collector.app.fetch });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const collectorUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const fake = await startFakeLlm();

  const traceIds = (spans: readonly ExportedSpan[]) => [...new Set(spans.map((s) => s.traceId))];

  return {
    collectorUrl,
    fake,
    async calls(spans) {
      await collector.flushed();
      const rows = await queryRows(testStore.store, {
        query: `SELECT span_id, provider, operation, request_model, response_model,
            input_tokens, cache_read_tokens, cache_write_tokens, cache_write_1h_tokens,
            output_tokens, reasoning_tokens, usage_missing, cache_unreported, status, error_type, toString(total_cost) AS total_cost
          FROM llm_calls FINAL WHERE trace_id IN {traceIds: Array(String)}
          ORDER BY start_time, span_id`,
        params: { traceIds: traceIds(spans) },
        schema: CallRowSchema,
      });
      const names = new Map(spans.map((s) => [s.spanId, s.name]));
      return rows.map(({ span_id, ...row }) => ({ span: names.get(span_id) ?? '?', ...row }));
    },
    async attribution(spans) {
      await collector.flushed();
      return queryRows(testStore.store, {
        query: `SELECT agent, user_id, feature, session_id
          FROM llm_calls FINAL WHERE trace_id IN {traceIds: Array(String)}
          ORDER BY start_time, span_id`,
        params: { traceIds: traceIds(spans) },
        schema: AttributionRowSchema,
      });
    },
    async totalCost(spans) {
      await collector.flushed();
      const [row] = await queryRows(testStore.store, {
        query: `SELECT toString(sum(total_cost)) AS total
          FROM llm_calls FINAL WHERE trace_id IN {traceIds: Array(String)}`,
        params: { traceIds: traceIds(spans) },
        schema: z.object({ total: z.string().nullable() }),
      });
      return row?.total ?? null;
    },
    async countAllCalls() {
      await collector.flushed();
      const [row] = await queryRows(testStore.store, {
        query: 'SELECT count() AS n FROM llm_calls FINAL',
        schema: z.object({ n: z.coerce.number() }),
      });
      return row?.n ?? 0;
    },
    async close() {
      await fake.close();
      await new Promise((resolve) => server.close(resolve));
      await collector.stop();
      await testStore.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Hands spans to the real exporter and remembers them, so a test knows what the emitter sent. */
class RecordingExporter implements SpanExporter {
  readonly spans: ExportedSpan[] = [];
  constructor(private readonly inner: SpanExporter) {}

  export(spans: ReadableSpan[], done: Parameters<SpanExporter['export']>[1]): void {
    for (const span of spans) this.spans.push(summarize(span));
    this.inner.export(spans, done);
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

const STATUS = {
  [SpanStatusCode.UNSET]: 'UNSET',
  [SpanStatusCode.OK]: 'OK',
  [SpanStatusCode.ERROR]: 'ERROR',
} as const;

function summarize(span: ReadableSpan): ExportedSpan {
  const { traceId, spanId } = span.spanContext();
  return {
    name: span.name,
    scope: span.instrumentationScope.name,
    traceId,
    spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? '',
    status: STATUS[span.status.code],
    attributes: span.attributes,
  };
}

/** The OTel SDK as an instrumented app sets it up, exporting to the collector. */
export type Tracing = {
  provider: NodeTracerProvider;
  /** Flushes, then returns the spans exported since the previous call, in export order. */
  take(): Promise<ExportedSpan[]>;
  /** Shuts the provider down (and removes the OTel globals {@link startTracing} installed). */
  shutdown(): Promise<void>;
};

/** Options of {@link createTracing}. */
export type TracingOptions = {
  /** `service.name` of the resource. */
  service: string;
  /**
   * `simple` exports each span on its own request as it ends (SimpleSpanProcessor: the strictest
   * case, since related spans reach the collector apart, in the order they end). `batch` exports
   * everything ended since the previous {@link Tracing.take} in one request (BatchSpanProcessor,
   * the NodeSDK default; its timer is pushed out so that only `take()` flushes and a scenario
   * never straddles two requests).
   * @default 'simple'
   */
  processor?: 'simple' | 'batch';
};

/**
 * A tracer provider exporting with the official OTLP/HTTP protobuf exporter, registered nowhere:
 * emitters are handed it explicitly.
 */
export function createTracing(backend: Backend, options: TracingOptions): Tracing {
  const recorder = new RecordingExporter(
    new OTLPTraceExporter({
      url: `${backend.collectorUrl}/v1/traces`,
      headers: { 'x-tokenwatch-key': API_KEY },
    }),
  );
  const processor =
    options.processor === 'batch'
      ? new BatchSpanProcessor(recorder, { scheduledDelayMillis: 600_000 })
      : new SimpleSpanProcessor(recorder);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.service }),
    spanProcessors: [processor],
  });
  let taken = 0;
  return {
    provider,
    async take() {
      await provider.forceFlush();
      const spans = recorder.spans.slice(taken);
      taken = recorder.spans.length;
      return spans;
    },
    shutdown: () => provider.shutdown(),
  };
}

/**
 * {@link createTracing} plus the process-wide setup an app does. `global` registers the provider
 * as the global tracer provider, which only emitters without an explicit provider option need
 * (the Anthropic SDK 1.x's own spans). Call once per file; `shutdown()` undoes it all.
 */
export function startTracing(
  backend: Backend,
  options: TracingOptions & { global: boolean },
): Tracing {
  const tracing = createTracing(backend, options);
  // register() is the public way to install the SDK's AsyncLocalStorage context manager, which
  // parent/child spans (an agent span around calls, the AI SDK's nested spans) need. Where the
  // emitter is handed the provider explicitly, the global tracer provider is removed again so that
  // nothing else in the process reports through it.
  tracing.provider.register();
  if (!options.global) trace.disable();
  return {
    ...tracing,
    async shutdown() {
      await tracing.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/**
 * Runs `body` inside a hand-made agent span, the active span while it runs. The body records the
 * summed usage of its calls on the span, as agent frameworks do: the collector must treat such a
 * span as an aggregate and bill only the calls under it.
 */
export async function withAgentSpan<T>(
  tracing: Tracing,
  name: string,
  attributes: Attributes,
  body: (span: Span) => Promise<T>,
): Promise<T> {
  const tracer = tracing.provider.getTracer('conformance-agent', '1.0.0');
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await body(span);
    } finally {
      span.end();
    }
  });
}
