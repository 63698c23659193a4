import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { recordRichSpan } from '../../test/support/otlp/rich-span.ts';
import {
  expectedDecodedSpan,
  FIXTURE_RESOURCE,
  FIXTURE_SCOPE,
  recordGenAiSpans,
} from '../../test/support/otlp/sdk-spans.ts';
import { decodeJsonTraces } from './decode-json.ts';
import { decodeProtobufTraces } from './decode-protobuf.ts';
import type { DecodedSpan, DecodedTraces } from './types.ts';
import { validateSpan } from './validate-span.ts';

function serializeJson(spans: ReadableSpan[]): Uint8Array {
  const bytes = JsonTraceSerializer.serializeRequest(spans);
  if (bytes === undefined) throw new Error('serializer returned nothing');
  return bytes;
}

function allSpans(traces: DecodedTraces): DecodedSpan[] {
  return traces.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
}

/** A one-span request around `span`. */
function oneSpan(span: Record<string, unknown>): string {
  return JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] });
}

describe('decodeJsonTraces on SDK output', () => {
  it('returns exactly what the SDK recorded, and what the protobuf decoder returns', () => {
    const spans = recordGenAiSpans(64, 2);
    const decoded = decodeJsonTraces(serializeJson(spans));
    expect(decoded.resourceSpans[0]?.resource.attributes).toEqual(FIXTURE_RESOURCE);
    expect(decoded.resourceSpans[0]?.scopeSpans[0]?.scope).toEqual({
      ...FIXTURE_SCOPE,
      attributes: {},
    });
    expect(allSpans(decoded)).toEqual(spans.map(expectedDecodedSpan));
    const protobuf = ProtobufTraceSerializer.serializeRequest(spans);
    expect(decoded).toEqual(decodeProtobufTraces(protobuf ?? new Uint8Array(0)));
  });

  it('decodes every AnyValue type the JSON serializer can express', () => {
    const { span, expected } = recordRichSpan();
    const [decoded] = allSpans(decodeJsonTraces(serializeJson([span])));
    // JSON.stringify turns NaN and Infinity into null inside the serializer, so the empty
    // AnyValue `{"doubleValue":null}` is all that arrives; protobuf carries them intact.
    expect(decoded).toEqual({
      ...expected,
      attributes: { ...expected.attributes, 'double.nan': null, 'double.infinity': null },
    });
    expect(decoded?.attributes['bytes.value']).toEqual(Uint8Array.of(0, 1, 2, 253, 254, 255));
    expect(decoded?.attributes['int.two_pow_60']).toBe(2n ** 60n);
  });

  it('accepts text, a Buffer and a Uint8Array with a byte-order mark', () => {
    const json = '{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"é"}]}]}]}';
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from(json)]);
    for (const body of [json, Buffer.from(json), withBom]) {
      expect(allSpans(decodeJsonTraces(body))[0]?.name).toBe('é');
    }
  });
});

describe('decodeJsonTraces field handling', () => {
  it('reads the spec forms: hex ids in any case, int64 as strings or numbers, enum integers', () => {
    const [span] = allSpans(
      decodeJsonTraces(
        oneSpan({
          traceId: '5B8EFFF798038103D269B633813FC60C',
          spanId: 'EEE19B7EC3C1B174',
          parentSpanId: '',
          kind: 2,
          startTimeUnixNano: '1544712660000000000',
          endTimeUnixNano: 1544712661000000000,
          droppedAttributesCount: '3',
          attributes: [
            { key: 'i', value: { intValue: '-9223372036854775808' } },
            { key: 'n', value: { intValue: 42 } },
            { key: 'd', value: { doubleValue: 'NaN' } },
            { key: 'e', value: { doubleValue: '-Infinity' } },
            { key: 'f', value: { doubleValue: 3 } },
            { key: 'a', value: { arrayValue: {} } },
            { key: 'm', value: { kvlistValue: { values: [{ key: 'x' }] } } },
            { key: 'y', value: { bytesValue: 'AAH9_v8' } },
            { key: 'empty', value: {} },
            { key: 'missing' },
          ],
          status: { code: 2, message: 'bad' },
        }),
      ),
    );
    expect(span).toMatchObject({
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'eee19b7ec3c1b174',
      kind: 'SERVER',
      startTimeUnixNano: 1_544_712_660_000_000_000n,
      endTimeUnixNano: 1_544_712_661_000_000_000n,
      droppedAttributesCount: 3,
      status: { code: 'ERROR', message: 'bad' },
    });
    expect(span?.attributes).toEqual({
      i: -(2n ** 63n),
      n: 42,
      d: Number.NaN,
      e: Number.NEGATIVE_INFINITY,
      f: 3,
      a: [],
      m: { x: null },
      y: Uint8Array.of(0, 1, 253, 254, 255),
      empty: null,
      missing: null,
    });
  });

  it('accepts proto field names and enum names, preferring lowerCamelCase when both appear', () => {
    const body = JSON.stringify({
      resource_spans: [
        {
          resource: { attributes: [{ key: 'k', value: { string_value: 'v' } }] },
          scope_spans: [
            {
              scope: { name: 's' },
              spans: [
                {
                  trace_id: '0102030405060708090a0b0c0d0e0f10',
                  span_id: '1112131415161718',
                  parent_span_id: '2122232425262728',
                  trace_state: 'a=b',
                  name: 'n',
                  kind: 'SPAN_KIND_CONSUMER',
                  start_time_unix_nano: '5',
                  end_time_unix_nano: '6',
                  startTimeUnixNano: '7',
                  dropped_attributes_count: 1,
                  attributes: [
                    { key: 'x', value: { int_value: '1', kvlist_value: { values: [] } } },
                  ],
                  events: [{ time_unix_nano: '8', name: 'e' }],
                  links: [{ trace_id: 'AA', span_id: 'BB', trace_state: 't' }],
                  status: { code: 'STATUS_CODE_OK' },
                },
              ],
            },
          ],
        },
      ],
    });
    const decoded = decodeJsonTraces(body);
    expect(decoded.resourceSpans[0]?.resource.attributes).toEqual({ k: 'v' });
    expect(allSpans(decoded)[0]).toEqual({
      traceId: '0102030405060708090a0b0c0d0e0f10',
      spanId: '1112131415161718',
      parentSpanId: '2122232425262728',
      traceState: 'a=b',
      name: 'n',
      kind: 'CONSUMER',
      startTimeUnixNano: 7n,
      endTimeUnixNano: 6n,
      attributes: { x: 1 },
      droppedAttributesCount: 1,
      events: [{ timeUnixNano: 8n, name: 'e', attributes: {} }],
      links: [{ traceId: 'aa', spanId: 'bb', traceState: 't', attributes: {} }],
      status: { code: 'OK', message: '' },
    });
  });

  it('ignores unknown fields and treats null as not set', () => {
    const decoded = decodeJsonTraces(
      JSON.stringify({
        futureField: { anything: [1, 2] },
        resourceSpans: [
          {
            schemaUrl: 'x',
            resource: null,
            scopeSpans: [
              {
                scope: null,
                spans: [{ name: null, flags: 257, events: null, status: null, newThing: true }],
              },
            ],
          },
        ],
      }),
    );
    expect(decoded.resourceSpans[0]?.resource).toEqual({ attributes: {} });
    expect(allSpans(decoded)[0]).toMatchObject({
      name: '',
      events: [],
      status: { code: 'UNSET', message: '' },
    });
    expect(decodeJsonTraces('{}')).toEqual({ resourceSpans: [] });
  });

  it('lets bad ids through for validateSpan to reject one span at a time', () => {
    const decoded = decodeJsonTraces(
      JSON.stringify({
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: 'XYZ',
                    spanId: '1112131415161718',
                    startTimeUnixNano: '1',
                    endTimeUnixNano: '2',
                  },
                  {
                    traceId: '0102030405060708090a0b0c0d0e0f10',
                    spanId: '1112131415161718',
                    startTimeUnixNano: '1',
                    endTimeUnixNano: '2',
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    expect(allSpans(decoded).map(validateSpan)).toEqual([
      'trace id must be 32 lower-case hex characters (16 bytes), got "xyz"',
      null,
    ]);
  });

  it('keeps an attribute named __proto__ as data', () => {
    const [span] = allSpans(
      decodeJsonTraces(
        oneSpan({ attributes: [{ key: '__proto__', value: { stringValue: 'x' } }] }),
      ),
    );
    expect(Object.getPrototypeOf(span?.attributes)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(span?.attributes, '__proto__')?.value).toBe('x');
  });

  it('replaces invalid UTF-8 in a byte body with U+FFFD', () => {
    const body = Buffer.from(oneSpan({ name: 'aXb' }));
    body[body.indexOf('X')] = 0xff;
    expect(allSpans(decodeJsonTraces(body))[0]?.name).toBe('a\uFFFDb');
  });
});
