import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { createPrng } from '../../test/support/otlp/prng.ts';
import {
  concat,
  fieldBytes,
  fieldFixed64,
  fieldString,
  fieldVarint,
  tag,
  varint,
} from '../../test/support/otlp/proto-writer.ts';
import {
  decodeWithProtobufjs,
  encodeWithProtobufjs,
  randomRequest,
} from '../../test/support/otlp/protobufjs-oracle.ts';
import { recordGenAiSpans, recordSpans } from '../../test/support/otlp/sdk-spans.ts';
import { decodeProtobufTraces } from './decode-protobuf.ts';
import type { OtlpDecodeErrorCode } from './errors.ts';
import { OtlpDecodeError } from './errors.ts';

/** Decodes and reports the outcome; anything but success or OtlpDecodeError fails the test. */
function outcome(body: Uint8Array): 'ok' | OtlpDecodeErrorCode {
  try {
    decodeProtobufTraces(body);
    return 'ok';
  } catch (err) {
    if (err instanceof OtlpDecodeError) return err.code;
    throw err;
  }
}

function sdkRequest(): Uint8Array {
  // Two resources, so the body has more than one top-level field.
  const spans = [
    ...recordGenAiSpans(4, 11),
    ...recordSpans(12, (t) => t.startSpan('second resource').end(), { 'service.name': 'b' }),
  ];
  const bytes = ProtobufTraceSerializer.serializeRequest(spans);
  if (bytes === undefined) throw new Error('serializer returned nothing');
  return bytes;
}

describe('decodeProtobufTraces against protobufjs', () => {
  it('agrees on 300 random requests (seed 20240611)', () => {
    const prng = createPrng(20240611);
    let spans = 0;
    for (let i = 0; i < 300; i++) {
      const body = encodeWithProtobufjs(randomRequest(prng));
      const mine = decodeProtobufTraces(body);
      expect(mine).toEqual(decodeWithProtobufjs(body));
      spans += mine.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)).length;
    }
    // Guard against a generator that silently produces empty requests.
    expect(spans).toBeGreaterThan(300);
  });

  it('agrees on the SDK serializer output', () => {
    const body = sdkRequest();
    expect(decodeProtobufTraces(body)).toEqual(decodeWithProtobufjs(body));
  });
});

describe('decodeProtobufTraces on malformed input', () => {
  it('throws OtlpDecodeError for every truncation except at top-level field boundaries', () => {
    const body = sdkRequest();
    // Top-level field boundaries, found with protobufjs's reader: cutting there leaves a valid,
    // shorter request.
    const boundaries = new Map<number, number>([[0, 0]]);
    const reader = protobuf.Reader.create(body);
    while (reader.pos < reader.len) {
      reader.skipType(reader.uint32() & 7);
      boundaries.set(reader.pos, boundaries.size);
    }
    expect(boundaries.size).toBe(3);
    for (let cut = 0; cut < body.length; cut++) {
      const prefix = body.subarray(0, cut);
      const fields = boundaries.get(cut);
      if (fields === undefined) {
        expect(outcome(prefix), `cut at ${cut}`).not.toBe('ok');
      } else {
        expect(decodeProtobufTraces(prefix).resourceSpans).toHaveLength(fields);
      }
    }
  });

  const span = (...fields: Uint8Array[]) => fieldBytes(1, fieldBytes(2, fieldBytes(2, ...fields)));
  const corpus: [string, Uint8Array, OtlpDecodeErrorCode][] = [
    ['wire type 6 at top level', concat(tag(1, 6), varint(0)), 'INVALID_WIRE_TYPE'],
    ['wire type 7 inside a span', span(tag(20, 7), varint(0)), 'INVALID_WIRE_TYPE'],
    ['stray end-group', concat(tag(9, 4)), 'INVALID_WIRE_TYPE'],
    ['end-group closing the wrong group', concat(tag(9, 3), tag(8, 4)), 'INVALID_WIRE_TYPE'],
    ['unclosed group', concat(tag(9, 3), fieldVarint(1, 1)), 'TRUNCATED'],
    ['field number 0', concat(varint(2), varint(0)), 'INVALID_TAG'],
    [
      'length of 2^31 at top level',
      concat(tag(1, 2), varint(2 ** 31), varint(0)),
      'LENGTH_OUT_OF_RANGE',
    ],
    ['length of 2^63', concat(tag(1, 2), varint(2n ** 63n)), 'LENGTH_OUT_OF_RANGE'],
    [
      'child longer than its parent but inside the body',
      concat(tag(1, 2), varint(3), tag(2, 2), varint(40), varint(0), new Uint8Array(60)),
      'LENGTH_OUT_OF_RANGE',
    ],
    [
      '11-byte varint in span kind',
      span(tag(6, 0), new Uint8Array(10).fill(0x80), varint(1)),
      'VARINT_TOO_LONG',
    ],
    [
      'varint cut by the span end',
      concat(
        fieldBytes(1, fieldBytes(2, fieldBytes(2, tag(6, 0), Uint8Array.of(0x80)))),
        fieldString(2, 'x'),
      ),
      'TRUNCATED',
    ],
    [
      'fixed64 cut by the span end',
      concat(span(tag(7, 1), new Uint8Array(4)), new Uint8Array(8)),
      'TRUNCATED',
    ],
    ['tag cut mid-varint', Uint8Array.of(0x8a), 'TRUNCATED'],
    [
      'double cut short',
      span(fieldBytes(9, fieldString(1, 'k'), fieldBytes(2, tag(4, 1), new Uint8Array(3)))),
      'TRUNCATED',
    ],
  ];

  it.each(corpus)('%s → %s', (_name, body, code) => {
    expect(outcome(body)).toBe(code);
  });

  it('accepts what looks hostile but is valid: a huge unknown field that fits', () => {
    const big = concat(fieldBytes(99, new Uint8Array(1 << 20)), fieldFixed64(98, 2n ** 64n - 1n));
    expect(decodeProtobufTraces(big)).toEqual({ resourceSpans: [] });
  });

  it('never throws anything but OtlpDecodeError on random bytes (seed 7, 5000 bodies)', () => {
    const prng = createPrng(7);
    const seen = new Map<string, number>();
    for (let i = 0; i < 5000; i++) {
      const result = outcome(prng.bytes(prng.int(257)));
      seen.set(result, (seen.get(result) ?? 0) + 1);
    }
    // Random bytes exercise more than one failure path, and some happen to be valid.
    expect(seen.get('ok')).toBeGreaterThan(0);
    expect(seen.size).toBeGreaterThanOrEqual(5);
  });

  it('never throws anything but OtlpDecodeError on mutated SDK requests (seed 99)', () => {
    const prng = createPrng(99);
    const base = sdkRequest();
    let failures = 0;
    for (let i = 0; i < 3000; i++) {
      const body = Uint8Array.from(base);
      for (let n = 1 + prng.int(4); n > 0; n--) {
        const at = prng.int(body.length);
        switch (prng.int(3)) {
          case 0:
            body[at] = prng.int(256);
            break;
          case 1:
            body[at] = (body[at] ?? 0) ^ (1 << prng.int(8));
            break;
          default:
            body[at] = prng.pick([0x00, 0x7f, 0x80, 0xff]);
        }
      }
      if (outcome(body) !== 'ok') failures++;
    }
    expect(failures).toBeGreaterThan(0);
  });
});
