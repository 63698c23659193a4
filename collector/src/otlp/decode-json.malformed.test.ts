import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import { createPrng } from '../../test/support/otlp/prng.ts';
import { recordGenAiSpans } from '../../test/support/otlp/sdk-spans.ts';
import { decodeJsonTraces } from './decode-json.ts';
import type { OtlpDecodeErrorCode } from './errors.ts';
import { OtlpDecodeError } from './errors.ts';
import { MAX_NESTING_DEPTH } from './wire-reader.ts';

function failure(body: string): { code: OtlpDecodeErrorCode; message: string } {
  try {
    decodeJsonTraces(body);
  } catch (err) {
    if (err instanceof OtlpDecodeError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected an OtlpDecodeError');
}

/** A one-span request around `span`. */
function oneSpan(span: Record<string, unknown>): string {
  return JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] });
}

function spanCount(body: string): number {
  return decodeJsonTraces(body).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans))
    .length;
}

describe('decodeJsonTraces on malformed input', () => {
  it.each(['', '{', 'nul', '{"resourceSpans":[}', '{"a":1,}', "{'a':1}", '{"a":1} x'])(
    'rejects %j as INVALID_JSON with the parser error as cause',
    (body) => {
      try {
        decodeJsonTraces(body);
        throw new Error('expected a failure');
      } catch (err) {
        expect(err).toBeInstanceOf(OtlpDecodeError);
        expect((err as OtlpDecodeError).code).toBe('INVALID_JSON');
        expect((err as OtlpDecodeError).cause).toBeInstanceOf(SyntaxError);
      }
    },
  );

  const S = 'resourceSpans[0].scopeSpans[0].spans[0]';
  it.each([
    ['[]', '$: expected an object, got an array'],
    ['null', '$: expected an object, got null'],
    ['"x"', '$: expected an object, got "x"'],
    ['{"resourceSpans":{}}', 'resourceSpans: expected an array, got an object'],
    ['{"resourceSpans":[5]}', 'resourceSpans[0]: expected an object, got 5'],
    [
      '{"resourceSpans":[{"resource":[]}]}',
      'resourceSpans[0].resource: expected an object, got an array',
    ],
    [
      '{"resourceSpans":[{"scopeSpans":[{"scope":{"name":1}}]}]}',
      'resourceSpans[0].scopeSpans[0].scope.name: expected a string, got 1',
    ],
    [oneSpan({ traceId: 5 }), `${S}.traceId: expected a string, got 5`],
    [
      oneSpan({ kind: 'SERVER' }),
      `${S}.kind: expected an integer or a SPAN_KIND_* name, got "SERVER"`,
    ],
    [
      oneSpan({ startTimeUnixNano: '-1' }),
      `${S}.startTimeUnixNano: expected an unsigned 64-bit integer (decimal string or number), got "-1"`,
    ],
    [
      oneSpan({ endTimeUnixNano: -5 }),
      `${S}.endTimeUnixNano: expected an unsigned 64-bit integer (decimal string or number), got -5`,
    ],
    [
      oneSpan({ endTimeUnixNano: 'NaN' }),
      `${S}.endTimeUnixNano: expected an unsigned 64-bit integer (decimal string or number), got "NaN"`,
    ],
    [
      oneSpan({ droppedAttributesCount: -1 }),
      `${S}.droppedAttributesCount: expected an unsigned 32-bit integer, got -1`,
    ],
    [oneSpan({ attributes: {} }), `${S}.attributes: expected an array, got an object`],
    [
      oneSpan({ attributes: [{ key: 'a' }, 'x'] }),
      `${S}.attributes[1]: expected an object, got "x"`,
    ],
    [oneSpan({ attributes: [{ key: 7 }] }), `${S}.attributes[0].key: expected a string, got 7`],
    [
      oneSpan({ attributes: [{ key: 'a', value: { intValue: '1.5' } }] }),
      `${S}.attributes[0].value.intValue: expected a signed 64-bit integer (decimal string or number), got "1.5"`,
    ],
    [
      oneSpan({ attributes: [{ key: 'a', value: { boolValue: 'true' } }] }),
      `${S}.attributes[0].value.boolValue: expected true or false, got "true"`,
    ],
    [
      oneSpan({ attributes: [{ key: 'a', value: { bytesValue: '!!' } }] }),
      `${S}.attributes[0].value.bytesValue: expected a base64 string, got "!!"`,
    ],
    [
      oneSpan({ attributes: [{ key: 'a', value: { arrayValue: [] } }] }),
      `${S}.attributes[0].value.arrayValue: expected an object, got an array`,
    ],
    [
      oneSpan({
        attributes: [{ key: 'a', value: { arrayValue: { values: [{}, { doubleValue: 'x' }] } } }],
      }),
      `${S}.attributes[0].value.arrayValue.values[1].doubleValue: expected a number, "NaN", "Infinity" or "-Infinity", got "x"`,
    ],
    [
      oneSpan({
        attributes: [{ key: 'a', value: { kvlistValue: { values: [{ key: 'b', value: 3 }] } } }],
      }),
      `${S}.attributes[0].value.kvlistValue.values[0].value: expected an object, got 3`,
    ],
    [
      oneSpan({ events: [{}, { timeUnixNano: 1.5 }] }),
      `${S}.events[1].timeUnixNano: expected an unsigned 64-bit integer (decimal string or number), got 1.5`,
    ],
    [oneSpan({ links: [{ spanId: true }] }), `${S}.links[0].spanId: expected a string, got true`],
    [
      oneSpan({ status: { code: 'ok' } }),
      `${S}.status.code: expected an integer or a STATUS_CODE_* name, got "ok"`,
    ],
    [oneSpan({ status: 'ERROR' }), `${S}.status: expected an object, got "ERROR"`],
  ])('rejects %s', (body, message) => {
    expect(failure(body)).toEqual({ code: 'INVALID_FIELD', message });
  });

  it(`limits AnyValue nesting to ${MAX_NESTING_DEPTH} levels`, () => {
    const nested = (levels: number) => {
      let value: unknown = { intValue: 1 };
      for (let i = 0; i < levels; i++) value = { arrayValue: { values: [value] } };
      return oneSpan({ attributes: [{ key: 'deep', value }] });
    };
    expect(spanCount(nested(MAX_NESTING_DEPTH))).toBe(1);
    expect(failure(nested(MAX_NESTING_DEPTH + 1)).code).toBe('NESTING_TOO_DEEP');
  });

  it('never throws anything but OtlpDecodeError on mutated SDK JSON (seed 5)', () => {
    const base = Buffer.from(
      JsonTraceSerializer.serializeRequest(recordGenAiSpans(3, 4)) ?? new Uint8Array(0),
    ).toString();
    expect(spanCount(base)).toBe(3);
    const prng = createPrng(5);
    const replacements = [
      '',
      '"',
      '{',
      '}',
      '[',
      ']',
      ',',
      ':',
      '-1',
      'null',
      '1e999',
      'true',
      '"x"',
    ];
    const codes = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      let text = base;
      for (let n = 1 + prng.int(3); n > 0; n--) {
        const at = prng.int(text.length);
        text = text.slice(0, at) + prng.pick(replacements) + text.slice(at + prng.int(4));
      }
      try {
        decodeJsonTraces(text);
        codes.add('ok');
      } catch (err) {
        if (!(err instanceof OtlpDecodeError)) throw err;
        codes.add(err.code);
      }
    }
    expect([...codes].sort()).toEqual(['INVALID_FIELD', 'INVALID_JSON', 'ok']);
  });
});
