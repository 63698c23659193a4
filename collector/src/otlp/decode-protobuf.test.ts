import { SpanKind } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import {
  concat,
  fieldBytes,
  fieldDouble,
  fieldFixed32,
  fieldFixed64,
  fieldString,
  fieldVarint,
  hexBytes,
  unknownFieldsOfEveryWireType,
} from '../../test/support/otlp/proto-writer.ts';
import { recordRichSpan } from '../../test/support/otlp/rich-span.ts';
import {
  expectedDecodedSpan,
  FIXTURE_RESOURCE,
  FIXTURE_SCOPE,
  hrTime,
  recordGenAiSpans,
  recordSpans,
} from '../../test/support/otlp/sdk-spans.ts';
import { decodeProtobufTraces } from './decode-protobuf.ts';
import { OtlpDecodeError } from './errors.ts';
import type { DecodedSpan, DecodedTraces } from './types.ts';
import { MAX_NESTING_DEPTH } from './wire-reader.ts';

function serialize(spans: ReadableSpan[]): Uint8Array {
  const bytes = ProtobufTraceSerializer.serializeRequest(spans);
  if (bytes === undefined) throw new Error('serializer returned nothing');
  return bytes;
}

function allSpans(traces: DecodedTraces): DecodedSpan[] {
  return traces.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
}

describe('decodeProtobufTraces on SDK output', () => {
  it('returns exactly the spans, resource and scope the SDK recorded', () => {
    const spans = recordGenAiSpans(64, 1);
    const decoded = decodeProtobufTraces(serialize(spans));
    expect(decoded.resourceSpans).toHaveLength(1);
    const [resourceSpans] = decoded.resourceSpans;
    expect(resourceSpans?.resource.attributes).toEqual(FIXTURE_RESOURCE);
    expect(resourceSpans?.scopeSpans).toHaveLength(1);
    expect(resourceSpans?.scopeSpans[0]?.scope).toEqual({ ...FIXTURE_SCOPE, attributes: {} });
    expect(allSpans(decoded)).toEqual(spans.map(expectedDecodedSpan));
    // Spot checks against literal values, so the oracle itself is held to something.
    const chat = allSpans(decoded).find((s) => s.kind === 'CLIENT');
    expect(chat?.name).toMatch(/^chat /);
    expect(chat?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(chat?.parentSpanId).toMatch(/^[0-9a-f]{16}$/);
    expect(chat?.startTimeUnixNano).toBeGreaterThan(1_760_000_000_000_000_000n);
    expect(chat?.attributes['gen_ai.request.max_tokens']).toBe(1024);
    expect(chat?.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
    expect(chat?.events.map((e) => e.name)).toEqual(['gen_ai.user.message', 'gen_ai.choice']);
  });

  it('decodes every AnyValue type, links, events, trace state and status', () => {
    const { span, expected } = recordRichSpan();
    const [decoded] = allSpans(decodeProtobufTraces(serialize([span])));
    expect(decoded).toEqual(expected);
    expect(decoded?.attributes['int.two_pow_60']).toBe(1_152_921_504_606_846_976n);
    expect(decoded?.attributes['int.negative']).toBe(-5);
    expect(decoded?.attributes['bytes.value']).toEqual(Uint8Array.of(0, 1, 2, 253, 254, 255));
    expect(decoded?.attributes['double.nan']).toBeNaN();
    expect(decoded?.parentSpanId).toBe('eee19b7ec3c1b174');
    expect(decoded?.traceState).toBe('vendor=a1,other=b2');
    expect(decoded?.kind).toBe('PRODUCER');
    expect(decoded?.status).toEqual({ code: 'ERROR', message: 'tool timed out: ⏱' });
    expect(decoded?.links[0]).toEqual({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceState: 'congo=t61rcWkgMzE',
      attributes: { 'link.reason': 'retry', 'link.attempt': 2 },
    });
    expect(decoded?.events[1]).toEqual({
      timeUnixNano: 1_760_000_000_999_999_999n,
      name: 'exception',
      attributes: { 'exception.type': 'TimeoutError' },
    });
  });

  it('maps every API span kind', () => {
    const kinds = [
      SpanKind.INTERNAL,
      SpanKind.SERVER,
      SpanKind.CLIENT,
      SpanKind.PRODUCER,
      SpanKind.CONSUMER,
    ];
    const spans = recordSpans(3, (tracer) => {
      for (const kind of kinds)
        tracer.startSpan(`k${kind}`, { kind, startTime: hrTime(1n) }).end(hrTime(2n));
    });
    expect(allSpans(decodeProtobufTraces(serialize(spans))).map((s) => s.kind)).toEqual([
      'INTERNAL',
      'SERVER',
      'CLIENT',
      'PRODUCER',
      'CONSUMER',
    ]);
  });

  it('keeps resources apart and accepts any Uint8Array view of the body', () => {
    const a = recordGenAiSpans(3, 5);
    const b = recordSpans(6, (tracer) => tracer.startSpan('other').end(), { 'service.name': 'b' });
    const bytes = serialize([...a, ...b]);
    const padded = new Uint8Array(bytes.length + 7);
    padded.set(bytes, 7);
    const fromView = decodeProtobufTraces(padded.subarray(7));
    expect(fromView).toEqual(decodeProtobufTraces(Buffer.from(bytes)));
    expect(fromView.resourceSpans.map((r) => r.resource.attributes['service.name'])).toEqual([
      'support-agent',
      'b',
    ]);
    expect(allSpans(fromView).map((s) => s.name)).toEqual([...a, ...b].map((s) => s.name));
  });
});

// A request written field by field, with `extra` appended to every message, to prove that
// unknown fields are skipped at every level without disturbing the known ones.
function handBuiltRequest(extra: Uint8Array): Uint8Array {
  const attr = (field: number, key: string, ...value: Uint8Array[]) =>
    fieldBytes(field, fieldString(1, key), fieldBytes(2, ...value, extra), extra);
  const span = fieldBytes(
    2,
    fieldBytes(1, hexBytes('0102030405060708090a0b0c0d0e0f10')),
    fieldBytes(2, hexBytes('1112131415161718')),
    fieldString(3, 'k=v'),
    fieldBytes(4, hexBytes('2122232425262728')),
    fieldFixed32(16, 0x301),
    fieldString(5, 'chat'),
    fieldVarint(6, 3),
    fieldFixed64(7, 1_700_000_000_000_000_000n),
    fieldFixed64(8, 1_700_000_000_500_000_000n),
    attr(9, 's', fieldString(1, 'v')),
    attr(9, 'i', fieldVarint(3, -7)),
    attr(9, 'd', fieldDouble(4, 1.25)),
    attr(9, 'b', fieldVarint(2, 1)),
    attr(9, 'y', fieldBytes(7, Uint8Array.of(9))),
    attr(9, 'a', fieldBytes(5, fieldBytes(1, fieldString(1, 'x'), extra), extra)),
    attr(
      9,
      'm',
      fieldBytes(
        6,
        fieldBytes(1, fieldString(1, 'n'), fieldBytes(2, fieldVarint(3, 1)), extra),
        extra,
      ),
    ),
    fieldVarint(10, 4),
    fieldBytes(
      11,
      fieldFixed64(1, 1_700_000_000_100_000_000n),
      fieldString(2, 'ev'),
      attr(3, 'e', fieldString(1, 'f')),
      fieldVarint(4, 1),
      extra,
    ),
    fieldVarint(12, 2),
    fieldBytes(
      13,
      fieldBytes(1, hexBytes('a1a2a3a4a5a6a7a8a9aaabacadaeafb0')),
      fieldBytes(2, hexBytes('b1b2b3b4b5b6b7b8')),
      fieldString(3, 'l=1'),
      attr(4, 'la', fieldVarint(3, 9)),
      fieldVarint(5, 1),
      fieldFixed32(6, 1),
      extra,
    ),
    fieldVarint(14, 3),
    fieldBytes(15, fieldString(2, 'boom'), fieldVarint(3, 2), extra),
    extra,
  );
  const scopeSpans = fieldBytes(
    2,
    fieldBytes(
      1,
      fieldString(1, 'scope'),
      fieldString(2, '1.0'),
      attr(3, 'sa', fieldString(1, 'sv')),
      fieldVarint(4, 0),
      extra,
    ),
    span,
    fieldString(3, 'https://opentelemetry.io/schemas/1.37.0'),
    extra,
  );
  const resourceSpans = fieldBytes(
    1,
    fieldBytes(1, attr(1, 'service.name', fieldString(1, 'svc')), fieldVarint(2, 0), extra),
    scopeSpans,
    fieldString(3, 'https://opentelemetry.io/schemas/1.37.0'),
    extra,
  );
  return concat(resourceSpans, extra);
}

const HAND_BUILT_DECODED: DecodedTraces = {
  resourceSpans: [
    {
      resource: { attributes: { 'service.name': 'svc' } },
      scopeSpans: [
        {
          scope: { name: 'scope', version: '1.0', attributes: { sa: 'sv' } },
          spans: [
            {
              traceId: '0102030405060708090a0b0c0d0e0f10',
              spanId: '1112131415161718',
              parentSpanId: '2122232425262728',
              traceState: 'k=v',
              name: 'chat',
              kind: 'CLIENT',
              startTimeUnixNano: 1_700_000_000_000_000_000n,
              endTimeUnixNano: 1_700_000_000_500_000_000n,
              attributes: {
                s: 'v',
                i: -7,
                d: 1.25,
                b: true,
                y: Uint8Array.of(9),
                a: ['x'],
                m: { n: 1 },
              },
              droppedAttributesCount: 4,
              events: [
                { timeUnixNano: 1_700_000_000_100_000_000n, name: 'ev', attributes: { e: 'f' } },
              ],
              links: [
                {
                  traceId: 'a1a2a3a4a5a6a7a8a9aaabacadaeafb0',
                  spanId: 'b1b2b3b4b5b6b7b8',
                  traceState: 'l=1',
                  attributes: { la: 9 },
                },
              ],
              status: { code: 'ERROR', message: 'boom' },
            },
          ],
        },
      ],
    },
  ],
};

describe('decodeProtobufTraces field handling', () => {
  it('decodes a hand-built request with every field', () => {
    expect(decodeProtobufTraces(handBuiltRequest(new Uint8Array(0)))).toEqual(HAND_BUILT_DECODED);
  });

  it('skips unknown fields of every wire type in every message', () => {
    expect(decodeProtobufTraces(handBuiltRequest(unknownFieldsOfEveryWireType()))).toEqual(
      HAND_BUILT_DECODED,
    );
  });

  it('decodes an empty body as an empty request', () => {
    expect(decodeProtobufTraces(new Uint8Array(0))).toEqual({ resourceSpans: [] });
  });

  it('fills defaults for an empty span, scope and resource', () => {
    const bytes = fieldBytes(1, fieldBytes(2, fieldBytes(2)));
    expect(decodeProtobufTraces(bytes)).toEqual({
      resourceSpans: [
        {
          resource: { attributes: {} },
          scopeSpans: [
            {
              scope: { name: '', version: '', attributes: {} },
              spans: [
                {
                  traceId: '',
                  spanId: '',
                  parentSpanId: '',
                  traceState: '',
                  name: '',
                  kind: 'UNSPECIFIED',
                  startTimeUnixNano: 0n,
                  endTimeUnixNano: 0n,
                  attributes: {},
                  droppedAttributesCount: 0,
                  events: [],
                  links: [],
                  status: { code: 'UNSET', message: '' },
                },
              ],
            },
          ],
        },
      ],
    });
  });

  function decodeOneSpan(...fields: Uint8Array[]): DecodedSpan {
    const span = allSpans(
      decodeProtobufTraces(fieldBytes(1, fieldBytes(2, fieldBytes(2, ...fields)))),
    )[0];
    if (span === undefined) throw new Error('no span decoded');
    return span;
  }

  it('hex-encodes ids of any length and leaves judging them to validateSpan', () => {
    const span = decodeOneSpan(
      fieldBytes(1, hexBytes('abcdef')),
      fieldBytes(2, new Uint8Array(9)),
      fieldBytes(4, hexBytes('ff')),
    );
    expect([span.traceId, span.spanId, span.parentSpanId]).toEqual([
      'abcdef',
      '00'.repeat(9),
      'ff',
    ]);
  });

  it('ignores a known field sent with another wire type, like protobuf reference parsers', () => {
    const span = decodeOneSpan(
      fieldVarint(5, 7),
      fieldFixed64(1, 1n),
      fieldString(6, 'x'),
      fieldString(2, 'not hex'),
      fieldVarint(15, 1),
    );
    expect(span.name).toBe('');
    expect(span.traceId).toBe('');
    expect(span.kind).toBe('UNSPECIFIED');
    expect(span.spanId).toBe(Buffer.from('not hex').toString('hex'));
    expect(span.status).toEqual({ code: 'UNSET', message: '' });
  });

  it('maps enum values it does not know to the defaults', () => {
    expect(decodeOneSpan(fieldVarint(6, 9), fieldBytes(15, fieldVarint(3, 7))).kind).toBe(
      'UNSPECIFIED',
    );
    expect(decodeOneSpan(fieldBytes(15, fieldVarint(3, 7))).status.code).toBe('UNSET');
    // A negative enum arrives sign-extended to 10 bytes.
    expect(decodeOneSpan(fieldVarint(6, -1)).kind).toBe('UNSPECIFIED');
  });

  it('merges repeated singular messages and lets later scalars win', () => {
    const span = decodeOneSpan(
      fieldString(5, 'first'),
      fieldBytes(15, fieldString(2, 'kept'), fieldVarint(3, 2)),
      fieldString(5, 'second'),
      fieldBytes(15, fieldVarint(3, 1)),
    );
    expect(span.name).toBe('second');
    expect(span.status).toEqual({ code: 'OK', message: 'kept' });
    const kv = (key: string, value: string) =>
      fieldBytes(1, fieldString(1, key), fieldBytes(2, fieldString(1, value)));
    const decoded = decodeProtobufTraces(
      fieldBytes(1, fieldBytes(1, kv('a', '1'), kv('b', '1')), fieldBytes(1, kv('b', '2'))),
    );
    expect(decoded.resourceSpans[0]?.resource.attributes).toEqual({ a: '1', b: '2' });
  });

  it('reads an AnyValue without a value as null and a KeyValue without a key as ""', () => {
    const span = decodeOneSpan(
      fieldBytes(9, fieldString(1, 'k')),
      fieldBytes(9, fieldBytes(2, fieldString(1, 'v'))),
    );
    expect(span.attributes).toEqual({ k: null, '': 'v' });
  });

  it('keeps an attribute named __proto__ as data', () => {
    const span = decodeOneSpan(
      fieldBytes(9, fieldString(1, '__proto__'), fieldBytes(2, fieldString(1, 'x'))),
    );
    expect(Object.getPrototypeOf(span.attributes)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(span.attributes, '__proto__')?.value).toBe('x');
  });

  it(`accepts AnyValues nested ${MAX_NESTING_DEPTH} deep and rejects one more level`, () => {
    const nestedArray = (levels: number): Uint8Array => {
      let value = fieldVarint(3, 1);
      for (let i = 0; i < levels; i++) value = fieldBytes(5, fieldBytes(1, value));
      return fieldBytes(9, fieldString(1, 'deep'), fieldBytes(2, value));
    };
    let expected: unknown = 1;
    for (let i = 0; i < MAX_NESTING_DEPTH; i++) expected = [expected];
    expect(decodeOneSpan(nestedArray(MAX_NESTING_DEPTH)).attributes.deep).toEqual(expected);
    expect(() => decodeOneSpan(nestedArray(MAX_NESTING_DEPTH + 1))).toThrow(OtlpDecodeError);
    expect(() => decodeOneSpan(nestedArray(MAX_NESTING_DEPTH + 1))).toThrow(/deeper than 64/);
  });

  it('replaces invalid UTF-8 in strings with U+FFFD', () => {
    const span = decodeOneSpan(fieldBytes(5, Uint8Array.of(0x63, 0xff, 0x68)));
    expect(span.name).toBe('c\uFFFDh');
  });
});
