import { gzipSync } from 'node:zlib';
import type { Attributes as OtelAttributes } from '@opentelemetry/api';
import { OTLPTraceExporter as HttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { hashApiKey } from '@tokenwatch/config';
import { queryRows } from '@tokenwatch/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startTestCollector, type TestCollector } from '../test/support/test-collector.ts';

const KEY_ACME = 'tw_test_acme_0123456789abcdef';
const KEY_BETA = 'tw_test_beta_0123456789abcdef';

let running: TestCollector;
let t: TestCollector['t'];
let collector: TestCollector['collector'];
let url: string;

beforeAll(async () => {
  running = await startTestCollector((loaded) => {
    const config = {
      ...loaded,
      apiKeys: [
        { tenant: 'acme', keySha256: hashApiKey(KEY_ACME) },
        { tenant: 'beta', keySha256: hashApiKey(KEY_BETA) },
      ],
    };
    config.ingest.maxBodyBytes = 1024 * 1024;
    return config;
  });
  ({ t, collector, url } = running);
});

afterAll(() => running.close());

/** Emits spans through the official SDK and exporter, as an instrumented agent would. */
async function emit(
  exporter: SpanExporter,
  service: string,
  spans: { name: string; attributes: OtelAttributes }[],
) {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('hand-built', '1.0.0');
  for (const s of spans) tracer.startSpan(s.name, { attributes: s.attributes }).end();
  await provider.forceFlush();
  await provider.shutdown();
}

const CallRow = z.object({
  tenant: z.string(),
  service: z.string(),
  input_tokens: z.coerce.number(),
  cache_read_tokens: z.coerce.number(),
  output_tokens: z.coerce.number(),
  input_cost: z.string().nullable(),
  cache_read_cost: z.string().nullable(),
  output_cost: z.string().nullable(),
  total_cost: z.string().nullable(),
  price_source: z.string(),
});

async function callsOf(service: string) {
  await collector.flushed();
  return queryRows(t.store, {
    query: `SELECT tenant, service, input_tokens, cache_read_tokens, output_tokens,
      toString(input_cost) AS input_cost, toString(cache_read_cost) AS cache_read_cost,
      toString(output_cost) AS output_cost, toString(total_cost) AS total_cost, price_source
      FROM llm_calls FINAL WHERE service = {service: String} ORDER BY start_time`,
    params: { service },
    schema: CallRow,
  });
}

const gpt4oCall = {
  name: 'chat gpt-4o',
  attributes: {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o',
    'gen_ai.response.model': 'gpt-4o-2024-08-06',
    'gen_ai.usage.input_tokens': 2000,
    'gen_ai.usage.cache_read.input_tokens': 800,
    'gen_ai.usage.output_tokens': 150,
  },
};

describe('collector over OTLP/HTTP', () => {
  it('stores and prices a call sent by the official protobuf exporter', async () => {
    await emit(
      new ProtoExporter({ url: `${url}/v1/traces`, headers: { 'x-tokenwatch-key': KEY_ACME } }),
      'proto-agent',
      [gpt4oCall],
    );
    // gpt-4o: $2.50 per million input tokens, $1.25 cached, $10 output.
    //   uncached 1200 × 2.50 / 1e6 = 0.003; cached 800 × 1.25 / 1e6 = 0.001; output 150 × 10 / 1e6 = 0.0015
    expect(await callsOf('proto-agent')).toEqual([
      {
        tenant: 'acme',
        service: 'proto-agent',
        input_tokens: 1200,
        cache_read_tokens: 800,
        output_tokens: 150,
        input_cost: '0.003',
        cache_read_cost: '0.001',
        output_cost: '0.0015',
        total_cost: '0.0055',
        price_source: 'genai-prices',
      },
    ]);
  });

  it('accepts the official JSON exporter, with the Authorization header', async () => {
    await emit(
      new HttpJsonExporter({
        url: `${url}/v1/traces`,
        headers: { authorization: `Bearer ${KEY_BETA}` },
      }),
      'json-agent',
      [gpt4oCall],
    );
    const rows = await callsOf('json-agent');
    expect(rows.map((r) => [r.tenant, r.total_cost])).toEqual([['beta', '0.0055']]);
  });

  it('refuses requests without a valid key', async () => {
    const body = JSON.stringify({ resourceSpans: [] });
    const none = await fetch(`${url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(none.status).toBe(401);
    const wrong = await fetch(`${url}/v1/traces`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-tokenwatch-key': 'tw_not_a_key_0000000000',
      },
      body,
    });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { message: string }).message).toBe('invalid API key');
  });
});

const post = (body: string | Uint8Array, headers: Record<string, string>) =>
  fetch(`${url}/v1/traces`, {
    method: 'POST',
    headers: { 'x-tokenwatch-key': KEY_ACME, ...headers },
    body,
  });

function jsonSpan(spanId: string, attributes: Record<string, unknown>) {
  const now = BigInt(Date.now()) * 1_000_000n;
  return {
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId,
    name: 'chat gpt-4o-mini',
    kind: 3,
    startTimeUnixNano: now.toString(),
    endTimeUnixNano: (now + 1_000_000n).toString(),
    attributes: Object.entries(attributes).map(([key, value]) => ({
      key,
      value:
        typeof value === 'number' ? { intValue: String(value) } : { stringValue: String(value) },
    })),
  };
}

function jsonRequest(service: string, spans: unknown[]) {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [{ scope: { name: 'hand-built' }, spans }],
      },
    ],
  });
}

describe('collector: bad input', () => {
  it('rejects invalid spans one by one and keeps the valid ones (partial success)', async () => {
    const good = jsonSpan('1111111111111111', {
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': 100,
      'gen_ai.usage.output_tokens': 5,
    });
    const badId = jsonSpan('12', { 'gen_ai.operation.name': 'chat' });
    const badTokens = jsonSpan('2222222222222222', {
      'gen_ai.operation.name': 'chat',
      'gen_ai.usage.input_tokens': -7,
    });
    const response = await post(jsonRequest('partial-agent', [good, badId, badTokens]), {
      'content-type': 'application/json',
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      partialSuccess: { rejectedSpans: string | number; errorMessage: string };
    };
    expect(Number(body.partialSuccess.rejectedSpans)).toBe(2);
    expect(body.partialSuccess.errorMessage).toMatch(/span id must be 16/);
    expect(body.partialSuccess.errorMessage).toMatch(/not a token count/);
    expect((await callsOf('partial-agent')).map((r) => r.input_tokens)).toEqual([100]);
  });

  it('answers 400 with a Status for a body that does not decode', async () => {
    const truncated = await post(new Uint8Array([0x0a, 0x05, 0x0a]), {
      'content-type': 'application/x-protobuf',
    });
    expect(truncated.status).toBe(400);
    expect(truncated.headers.get('content-type')).toBe('application/x-protobuf');
    const json = await post('{"resourceSpans": [', { 'content-type': 'application/json' });
    expect(json.status).toBe(400);
    expect(((await json.json()) as { message: string }).message.length).toBeGreaterThan(0);
  });

  it('answers 415 to other media types and encodings', async () => {
    expect((await post('x', { 'content-type': 'text/plain' })).status).toBe(415);
    expect(
      (await post('x', { 'content-type': 'application/json', 'content-encoding': 'br' })).status,
    ).toBe(415);
  });

  it('answers 413 to a body over the limit, and to a gzip bomb, without inflating it', async () => {
    const big = await post(new Uint8Array(2 * 1024 * 1024), {
      'content-type': 'application/x-protobuf',
    });
    expect(big.status).toBe(413);
    // 64 MiB of zeros gzips to ~64 KiB: small on the wire, far over the limit inflated.
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const response = await post(bomb, {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'gzip',
    });
    expect(response.status).toBe(413);
  });

  it('accepts gzip-compressed JSON', async () => {
    const span = jsonSpan('3333333333333333', {
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': 40,
      'gen_ai.usage.output_tokens': 2,
    });
    const response = await post(gzipSync(jsonRequest('gzip-agent', [span])), {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    expect(response.status).toBe(200);
    expect((await callsOf('gzip-agent')).map((r) => r.input_tokens)).toEqual([40]);
  });

  it('counts what it did in /metrics', async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(/^tokenwatch_spans_rejected_total 2$/m);
    expect(text).toMatch(/^tokenwatch_ingest_requests_total\{status="413"\} 2$/m);
    expect(text).toMatch(/^tokenwatch_llm_calls_total [4-9]$/m);
  });
});
