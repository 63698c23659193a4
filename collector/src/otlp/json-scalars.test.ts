import { describe, expect, it } from 'vitest';
import { OtlpDecodeError } from './errors.ts';
import {
  boolValue,
  bytesValue,
  doubleValue,
  enumField,
  hexIdField,
  int64Value,
  optionalArray,
  optionalObject,
  rethrowAt,
  stringField,
  uint32Field,
  uint64Field,
} from './json-scalars.ts';
import { SPAN_KINDS } from './types.ts';

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof OtlpDecodeError && err.code === 'INVALID_FIELD') return err.message;
    throw err;
  }
  throw new Error('expected an INVALID_FIELD error');
}

describe('uint64Field (fixed64 times)', () => {
  it.each([
    [undefined, 0n],
    [null, 0n],
    ['0', 0n],
    ['1760000000123456789', 1_760_000_000_123_456_789n],
    ['18446744073709551615', 18_446_744_073_709_551_615n],
    [1_700_000_000, 1_700_000_000n],
    [2 ** 60, 2n ** 60n],
  ])('reads %s as %s', (input, expected) => {
    expect(uint64Field(input, 't')).toBe(expected);
  });

  it.each([
    ['-1'],
    [-1],
    [1.5],
    ['1.5'],
    ['1e9'],
    ['NaN'],
    [Number.NaN],
    ['18446744073709551616'],
    [true],
    [''],
    [' 1'],
    [{}],
  ])('rejects %s', (input) => {
    expect(messageOf(() => uint64Field(input, 'startTimeUnixNano'))).toMatch(
      /^startTimeUnixNano: expected an unsigned 64-bit integer/,
    );
  });
});

describe('uint32Field', () => {
  it('reads numbers and decimal strings up to 2^32-1', () => {
    expect([
      uint32Field(undefined, 'n'),
      uint32Field(7, 'n'),
      uint32Field('4294967295', 'n'),
    ]).toEqual([0, 7, 4294967295]);
  });

  it.each([[-1], [4294967296], [0.5], ['x'], [false]])('rejects %s', (input) => {
    expect(messageOf(() => uint32Field(input, 'droppedAttributesCount'))).toMatch(
      /^droppedAttributesCount: /,
    );
  });
});

describe('int64Value', () => {
  it.each([
    ['-7', -7],
    [-7, -7],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
    ['9007199254740992', 9_007_199_254_740_992n],
    ['-9223372036854775808', -(2n ** 63n)],
    ['9223372036854775807', 2n ** 63n - 1n],
    [2 ** 60, 2n ** 60n],
  ])('reads %s as %s', (input, expected) => {
    expect(int64Value(input, 'intValue')).toBe(expected);
  });

  it.each([
    ['9223372036854775808'],
    ['1.5'],
    [1.5],
    [Number.NaN],
    [Number.POSITIVE_INFINITY],
    ['0x10'],
    [2 ** 64],
    [null],
    [true],
  ])('rejects %s', (input) => {
    expect(messageOf(() => int64Value(input, 'intValue'))).toMatch(
      /^intValue: expected a signed 64-bit/,
    );
  });
});

describe('doubleValue', () => {
  it('reads numbers, numeric strings and the proto3 JSON special values', () => {
    expect(doubleValue(1.25, 'd')).toBe(1.25);
    expect(doubleValue('-2.5e3', 'd')).toBe(-2500);
    expect(doubleValue('NaN', 'd')).toBeNaN();
    expect(doubleValue('Infinity', 'd')).toBe(Number.POSITIVE_INFINITY);
    expect(doubleValue('-Infinity', 'd')).toBe(Number.NEGATIVE_INFINITY);
  });

  it.each([['abc'], ['1.'], [''], ['nan'], [true], [[1]]])('rejects %s', (input) => {
    expect(messageOf(() => doubleValue(input, 'doubleValue'))).toMatch(
      /^doubleValue: expected a number/,
    );
  });
});

describe('bytesValue', () => {
  it('decodes standard and URL-safe base64, padded or not, into a plain Uint8Array', () => {
    for (const input of ['AAH9/v8=', 'AAH9_v8', 'AAH9_v8=', 'AAH9/v8']) {
      const out = bytesValue(input, 'b');
      expect(out).toEqual(Uint8Array.of(0, 1, 253, 254, 255));
      expect(Buffer.isBuffer(out)).toBe(false);
    }
    expect(bytesValue('', 'b')).toEqual(new Uint8Array(0));
  });

  it.each([['!!!!'], ['abcde'], ['ab=c'], [5], [null]])('rejects %s', (input) => {
    expect(messageOf(() => bytesValue(input, 'bytesValue'))).toMatch(
      /^bytesValue: expected a base64 string/,
    );
  });
});

describe('enumField', () => {
  it('reads integers and full proto names, and maps unknown integers to the default', () => {
    expect(enumField(2, SPAN_KINDS, 'SPAN_KIND_', 'kind')).toBe('SERVER');
    expect(enumField('SPAN_KIND_CONSUMER', SPAN_KINDS, 'SPAN_KIND_', 'kind')).toBe('CONSUMER');
    expect(enumField(undefined, SPAN_KINDS, 'SPAN_KIND_', 'kind')).toBe('UNSPECIFIED');
    expect(enumField(42, SPAN_KINDS, 'SPAN_KIND_', 'kind')).toBe('UNSPECIFIED');
    expect(enumField(-1, SPAN_KINDS, 'SPAN_KIND_', 'kind')).toBe('UNSPECIFIED');
  });

  it.each([['SERVER'], ['SPAN_KIND_NOPE'], ['2'], [2.5], [true]])('rejects %s', (input) => {
    expect(messageOf(() => enumField(input, SPAN_KINDS, 'SPAN_KIND_', 'kind'))).toMatch(
      /^kind: expected an integer or a SPAN_KIND_\* name/,
    );
  });
});

describe('strings, ids and containers', () => {
  it('reads strings and lower-cases ids without validating them', () => {
    expect(stringField(null, 's')).toBe('');
    expect(hexIdField('5B8EFFF798038103D269B633813FC60C', 'traceId')).toBe(
      '5b8efff798038103d269b633813fc60c',
    );
    expect(hexIdField('Not Hex', 'traceId')).toBe('not hex');
    expect(messageOf(() => stringField(5, 'name'))).toBe('name: expected a string, got 5');
    expect(messageOf(() => hexIdField([1], 'spanId'))).toBe(
      'spanId: expected a string, got an array',
    );
  });

  it('tells objects from arrays and treats null as absent', () => {
    expect(optionalObject(null, 'o')).toBeUndefined();
    expect(optionalArray(undefined, 'a')).toEqual([]);
    expect(messageOf(() => optionalObject([], 'resource'))).toBe(
      'resource: expected an object, got an array',
    );
    expect(messageOf(() => optionalArray({}, 'spans'))).toBe(
      'spans: expected an array, got an object',
    );
    // Long values are cut to 40 characters in messages.
    expect(messageOf(() => boolValue('x'.repeat(100), 'boolValue'))).toBe(
      `boolValue: expected true or false, got "${'x'.repeat(40)}"`,
    );
  });
});

describe('rethrowAt', () => {
  it('prefixes the path segment and keeps the code', () => {
    const inner = new OtlpDecodeError('INVALID_FIELD', 'traceId: expected a string, got 5');
    const caught = (() => {
      try {
        rethrowAt(inner, 'spans[3]');
      } catch (err) {
        return err;
      }
    })();
    expect(caught).toBeInstanceOf(OtlpDecodeError);
    expect((caught as OtlpDecodeError).message).toBe('spans[3].traceId: expected a string, got 5');
    expect((caught as OtlpDecodeError).code).toBe('INVALID_FIELD');
    expect(() =>
      rethrowAt(new OtlpDecodeError('INVALID_FIELD', ': expected an object'), 'x[1]'),
    ).toThrow(/^x\[1\]: expected an object$/);
  });

  it('passes other errors through untouched', () => {
    const other = new TypeError('boom');
    expect(() => rethrowAt(other, 'spans[0]')).toThrow(other);
  });
});
