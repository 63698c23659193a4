import { queryRows } from '@tokenwatch/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadOtlpTraceTypes } from '../../test/support/otlp/otlp-trace-proto.ts';
import { concat, fieldBytes, hexBytes, tag } from '../../test/support/otlp/proto-writer.ts';
import { encodeWithProtobufjs } from '../../test/support/otlp/protobufjs-oracle.ts';
import { startTestCollector, type TestCollector } from '../../test/support/test-collector.ts';

// The malformed-input corpus, against a collector with the default limits (16 MiB bodies,
// 256 attributes per span). After every case the server must still take valid data.

let running: TestCollector;
let t: TestCollector['t'];
let collector: TestCollector['collector'];
let url: string;

beforeAll(async () => {
  running = await startTestCollector();
  ({ t, collector, url } = running);
});

afterAll(() => running.close());

let nextSpan = 1;
const now = BigInt(Date.now()) * 1_000_000n;

/** A protobufjs plain span; attribute values are given as OTLP AnyValue objects. */
function span(
  service: string,
  attributes: { key: string; value: Record<string, unknown> }[],
  spanIdHex?: string,
) {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [
          {
            scope: { name: 'corpus' },
            spans: [
              {
                traceId: hexBytes('4bf92f3577b34da6a3ce929d0e0e4736'),
                spanId: hexBytes(spanIdHex ?? (nextSpan++).toString(16).padStart(16, '0')),
                name: 'chat gpt-4o-mini',
                kind: 3,
                startTimeUnixNano: now.toString(),
                endTimeUnixNano: (now + 1000n).toString(),
                attributes,
              },
            ],
          },
        ],
      },
    ],
  };
}

const callAttributes = (input: Record<string, unknown>) => [
  { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
  { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o-mini' } },
  { key: 'gen_ai.usage.input_tokens', value: input },
  { key: 'gen_ai.usage.output_tokens', value: { intValue: '3' } },
];

const postProto = (body: Uint8Array) =>
  fetch(`${url}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body,
  });

async function stillServes(service: string): Promise<void> {
  const response = await postProto(
    encodeWithProtobufjs(span(service, callAttributes({ intValue: '21' }))),
  );
  expect(response.status).toBe(200);
  await collector.flushed();
  const rows = await queryRows(t.store, {
    query: 'SELECT input_tokens FROM llm_calls WHERE service = {service: String}',
    params: { service },
    schema: z.object({ input_tokens: z.coerce.number() }),
  });
  expect(rows).toEqual([{ input_tokens: 21 }]);
}

/** The partial success of a protobuf ExportTraceServiceResponse, decoded by protobufjs. */
function partialSuccess(body: Uint8Array): { rejected: number; message: string } {
  const decoded = loadOtlpTraceTypes().response.toObject(
    loadOtlpTraceTypes().response.decode(body),
    { longs: Number },
  ) as {
    partialSuccess?: { rejectedSpans?: number; errorMessage?: string };
  };
  return {
    rejected: decoded.partialSuccess?.rejectedSpans ?? 0,
    message: decoded.partialSuccess?.errorMessage ?? '',
  };
}

describe('malformed input', () => {
  it('answers 400 to protobuf truncated at every byte, and keeps serving', async () => {
    const valid = encodeWithProtobufjs(span('truncated', callAttributes({ intValue: '5' })));
    const statuses = new Set<number>();
    for (let cut = 1; cut < valid.length; cut += Math.max(1, Math.floor(valid.length / 25))) {
      statuses.add((await postProto(valid.subarray(0, cut))).status);
    }
    // Some prefixes end exactly between fields and decode to fewer, valid spans: 200 is right for them.
    expect([...statuses].every((s) => s === 400 || s === 200)).toBe(true);
    expect(statuses.has(400)).toBe(true);
    await stillServes('after-truncated');
  });

  it('answers 400 to an invalid wire type', async () => {
    const response = await postProto(concat(tag(1, 7), new Uint8Array([1, 2, 3])));
    expect(response.status).toBe(400);
    await stillServes('after-wire-type');
  });

  it('rejects NaN, negative and huge token counts span by span', async () => {
    const body = encodeWithProtobufjs({
      resourceSpans: [
        ...span('counts', callAttributes({ doubleValue: Number.NaN })).resourceSpans,
        ...span('counts', callAttributes({ intValue: '-4' })).resourceSpans,
        ...span('counts', callAttributes({ intValue: '1000000000000000' })).resourceSpans,
        ...span('counts', callAttributes({ intValue: '77' })).resourceSpans,
      ],
    });
    const response = await postProto(body);
    expect(response.status).toBe(200);
    const partial = partialSuccess(new Uint8Array(await response.arrayBuffer()));
    expect(partial.rejected).toBe(3);
    expect(partial.message).toMatch(/not a token count: NaN/);
    await collector.flushed();
    const rows = await queryRows(t.store, {
      query: "SELECT input_tokens FROM llm_calls WHERE service = 'counts'",
      schema: z.object({ input_tokens: z.coerce.number() }),
    });
    expect(rows).toEqual([{ input_tokens: 77 }]);
  });

  it('keeps a span with 100k attributes, cut to the limit, with the usage attributes first', async () => {
    const noise = Array.from({ length: 100_000 }, (_, i) => ({
      key: `noise.${i}`,
      value: { stringValue: 'x' },
    }));
    const attributes = [...noise, ...callAttributes({ intValue: '9' })];
    const response = await postProto(encodeWithProtobufjs(span('wide', attributes)));
    expect(response.status).toBe(200);
    await collector.flushed();
    const [row] = await queryRows(t.store, {
      query:
        "SELECT length(SpanAttributes) AS n, SpanAttributes['gen_ai.usage.input_tokens'] AS input FROM otel_traces WHERE ServiceName = 'wide'",
      schema: z.object({ n: z.coerce.number(), input: z.string() }),
    });
    expect(row).toEqual({ n: 256, input: '9' });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(
      new RegExp(`^tokenwatch_attributes_dropped_total ${100_004 - 256}$`, 'm'),
    );
  });

  it('answers 413 to a 20 MiB body and keeps serving', async () => {
    const response = await postProto(concat(fieldBytes(1, new Uint8Array(20 * 1024 * 1024))));
    expect(response.status).toBe(413);
    await stillServes('after-huge');
  });

  it('rejects a base64 id (a common JSON mistake) and says so', async () => {
    const body = JSON.stringify({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: 'S/kvNXezTaajzpKdDg5HNg==',
                  spanId: '0123456789abcdef',
                  name: 'x',
                  startTimeUnixNano: '1',
                  endTimeUnixNano: '2',
                },
              ],
            },
          ],
        },
      ],
    });
    const response = await fetch(`${url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(response.status).toBe(200);
    const json = (await response.json()) as {
      partialSuccess: { rejectedSpans: string; errorMessage: string };
    };
    expect(json.partialSuccess.rejectedSpans).toBe('1');
    expect(json.partialSuccess.errorMessage).toMatch(/base64/);
  });
});
