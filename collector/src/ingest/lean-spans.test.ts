import { context, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { queryRows } from '@tokenwatch/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startTestCollector, type TestCollector } from '../../test/support/test-collector.ts';
import { LEAN_SPAN_ATTRIBUTE } from './otel-rows.ts';

let running: TestCollector;
let t: TestCollector['t'];
let collector: TestCollector['collector'];
let url: string;

beforeAll(async () => {
  running = await startTestCollector((config) => {
    config.ingest.rawLlmSpans = 'lean';
    return config;
  });
  ({ t, collector, url } = running);
});

afterAll(() => running.close());

const SpanRow = z.object({
  SpanName: z.string(),
  ParentSpanId: z.string(),
  ServiceName: z.string(),
  StatusCode: z.string(),
  attributes: z.record(z.string(), z.string()),
  resource: z.record(z.string(), z.string()),
  events: z.coerce.number(),
});

describe('raw_llm_spans: lean', () => {
  it('keeps an LLM call in its trace without its attributes, and other spans whole', async () => {
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'lean-agent', 'host.name': 'box-1' }),
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${url}/v1/traces` }))],
    });
    const tracer = provider.getTracer('hand-built');
    const task = tracer.startSpan('plan trip', { attributes: { 'app.step': 'plan' } });
    const call = tracer.startSpan(
      'chat gpt-4o',
      {
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': 'gpt-4o',
          'gen_ai.usage.input_tokens': 2000,
          'gen_ai.usage.output_tokens': 150,
        },
      },
      trace.setSpan(context.active(), task),
    );
    call.addEvent('gen_ai.choice', { index: 0 });
    call.end();
    task.end();
    await provider.forceFlush();
    await provider.shutdown();
    await collector.flushed();

    const rows = await queryRows(t.store, {
      query: `SELECT SpanName, ParentSpanId, ServiceName, StatusCode,
          SpanAttributes AS attributes, ResourceAttributes AS resource, length(Events.Name) AS events
        FROM otel_traces WHERE ServiceName = 'lean-agent' ORDER BY SpanName`,
      schema: SpanRow,
    });
    expect(rows.map((r) => r.SpanName)).toEqual(['chat gpt-4o', 'plan trip']);
    const [lean, whole] = rows as [z.infer<typeof SpanRow>, z.infer<typeof SpanRow>];
    expect(lean.attributes).toEqual({ [LEAN_SPAN_ATTRIBUTE]: 'true' });
    expect(lean.resource).toEqual({ 'service.name': 'lean-agent' });
    expect(lean.events).toBe(0);
    expect(lean.ParentSpanId).toMatch(/^[0-9a-f]{16}$/);
    expect(whole.attributes).toEqual({ 'app.step': 'plan' });
    expect(whole.resource['host.name']).toBe('box-1');

    // The call itself is whole in llm_calls: gpt-4o, 2000 × $2.50 + 150 × $10 per million.
    const [stored] = await queryRows(t.store, {
      query: `SELECT request_model, input_tokens, output_tokens, toString(total_cost) AS cost
        FROM llm_calls FINAL WHERE service = 'lean-agent'`,
      schema: z.object({
        request_model: z.string(),
        input_tokens: z.coerce.number(),
        output_tokens: z.coerce.number(),
        cost: z.string(),
      }),
    });
    expect(stored).toEqual({
      request_model: 'gpt-4o',
      input_tokens: 2000,
      output_tokens: 150,
      cost: '0.0065',
    });
  });
});
