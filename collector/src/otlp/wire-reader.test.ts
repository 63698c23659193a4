import { describe, expect, it } from 'vitest';
import {
  concat,
  fieldBytes,
  fieldFixed32,
  fieldGroup,
  fieldVarint,
  tag,
  varint,
} from '../../test/support/otlp/proto-writer.ts';
import { OtlpDecodeError } from './errors.ts';
import type { WireReader } from './wire-reader.ts';
import {
  createWireReader,
  MAX_NESTING_DEPTH,
  readBytes,
  readDouble,
  readFixed64,
  readHex,
  readInt64,
  readKey,
  readLengthEnd,
  readString,
  readTag,
  readVarint,
  skipField,
} from './wire-reader.ts';

function reader(...bytes: (number | Uint8Array)[]): WireReader {
  return createWireReader(
    concat(...bytes.map((b) => (typeof b === 'number' ? Uint8Array.of(b) : b))),
  );
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof OtlpDecodeError) return err.code;
    throw err;
  }
  throw new Error('expected an OtlpDecodeError');
}

describe('readVarint', () => {
  it.each([
    [0n, 0, 0],
    [1n, 1, 0],
    [127n, 127, 0],
    [128n, 128, 0],
    [300n, 300, 0],
    [2n ** 28n - 1n, 2 ** 28 - 1, 0],
    [2n ** 32n - 1n, 2 ** 32 - 1, 0],
    [2n ** 32n, 0, 1],
    [2n ** 35n + 5n, 5, 8],
    [2n ** 64n - 1n, 2 ** 32 - 1, 2 ** 32 - 1],
  ])('reads %s as low and high 32-bit halves', (value, lo, hi) => {
    const r = reader(varint(value), 0x2a);
    expect(readVarint(r, r.buf.length)).toBe(lo);
    expect(r.hi).toBe(hi);
    expect(r.pos).toBe(varint(value).length);
  });

  it('rejects an 11-byte varint', () => {
    const r = reader(...new Array(10).fill(0x80), 0x01);
    expect(codeOf(() => readVarint(r, r.buf.length))).toBe('VARINT_TOO_LONG');
  });

  it('stops at the end of the enclosing message, not of the buffer', () => {
    const r = reader(0x80, 0x01);
    expect(codeOf(() => readVarint(r, 1))).toBe('TRUNCATED');
    expect(codeOf(() => readVarint(createWireReader(new Uint8Array(0)), 0))).toBe('TRUNCATED');
  });
});

describe('readInt64', () => {
  it.each([
    [0n, 0],
    [-1n, -1],
    [2n ** 31n, 2 ** 31],
    [-(2n ** 31n), -(2 ** 31)],
    [2n ** 53n - 1n, Number.MAX_SAFE_INTEGER],
    [-(2n ** 53n) + 1n, Number.MIN_SAFE_INTEGER],
    [2n ** 53n, 2n ** 53n],
    [-(2n ** 53n), -(2n ** 53n)],
    [2n ** 63n - 1n, 2n ** 63n - 1n],
    [-(2n ** 63n), -(2n ** 63n)],
  ])('reads %s as %s', (value, expected) => {
    const r = reader(varint(value));
    expect(readInt64(r, r.buf.length)).toBe(expected);
  });
});

describe('readTag', () => {
  it('returns field number and wire type', () => {
    const r = reader(tag(16, 5), tag(2 ** 29 - 1, 2));
    expect(readTag(r, r.buf.length)).toBe((16 << 3) | 5);
    expect(readTag(r, r.buf.length)).toBe(((2 ** 29 - 1) * 8 + 2) >>> 0);
  });

  it('rejects field number 0 and tags over 32 bits', () => {
    expect(codeOf(() => readTag(reader(0x02), 1))).toBe('INVALID_TAG');
    const wide = reader(varint(2n ** 32n + 10n));
    expect(codeOf(() => readTag(wide, wide.buf.length))).toBe('INVALID_TAG');
  });
});

describe('readLengthEnd', () => {
  it('returns the end of the payload', () => {
    const r = reader(3, 1, 2, 3, 4);
    expect(readLengthEnd(r, 5)).toBe(4);
    expect(r.pos).toBe(1);
  });

  it('rejects lengths past the enclosing message and lengths over 32 bits', () => {
    expect(codeOf(() => readLengthEnd(reader(4, 1, 2, 3), 4))).toBe('LENGTH_OUT_OF_RANGE');
    expect(codeOf(() => readLengthEnd(reader(2, 1, 2, 3), 2))).toBe('LENGTH_OUT_OF_RANGE');
    const huge = reader(varint(2n ** 40n), 1);
    expect(codeOf(() => readLengthEnd(huge, huge.buf.length))).toBe('LENGTH_OUT_OF_RANGE');
    const max = reader(varint(2 ** 32 - 1), 1);
    expect(() => readLengthEnd(max, max.buf.length)).toThrow(/declares 4294967295 bytes/);
  });
});

describe('fixed-width values', () => {
  it('reads fixed64 as unsigned bigint and doubles little-endian', () => {
    const bytes = new Uint8Array(16);
    const view = new DataView(bytes.buffer);
    view.setBigUint64(0, 18_446_744_073_709_551_615n, true);
    view.setFloat64(8, -0.1, true);
    const r = createWireReader(bytes);
    expect(readFixed64(r, 16)).toBe(18_446_744_073_709_551_615n);
    expect(readDouble(r, 16)).toBe(-0.1);
    expect(codeOf(() => readFixed64(createWireReader(new Uint8Array(7)), 7))).toBe('TRUNCATED');
    expect(codeOf(() => readDouble(createWireReader(new Uint8Array(9)), 7))).toBe('TRUNCATED');
  });

  it('reads from a view that does not start at offset 0 of its ArrayBuffer', () => {
    const backing = new Uint8Array(20);
    new DataView(backing.buffer).setBigUint64(5, 1_760_000_000_123_456_789n, true);
    const r = createWireReader(backing.subarray(5, 13));
    expect(readFixed64(r, 8)).toBe(1_760_000_000_123_456_789n);
  });
});

describe('strings, bytes and ids', () => {
  it('reads strings and keys of any length', () => {
    const long = 'content '.repeat(40);
    const r = reader(
      fieldBytes(1, Buffer.from('model')).subarray(1),
      fieldBytes(1, Buffer.from(long)).subarray(1),
    );
    expect(readString(r, r.buf.length)).toBe('model');
    expect(readKey(r, r.buf.length)).toBe(long);
    expect(r.pos).toBe(r.buf.length);
  });

  it('copies bytes out of the body', () => {
    const body = Uint8Array.of(3, 9, 8, 7);
    const out = readBytes(createWireReader(body), 4);
    body[1] = 0;
    expect(out).toEqual(Uint8Array.of(9, 8, 7));
    expect(Buffer.isBuffer(out)).toBe(false);
  });

  it.each([
    ['', ''],
    ['0a', '0a'],
    ['00ff10', '00ff10'],
    ['0123456789abcdef', '0123456789abcdef'],
    ['5b8efff798038103d269b633813fc60c', '5b8efff798038103d269b633813fc60c'],
    ['ffffffffffffffffffffffffffffffffff', 'ffffffffffffffffffffffffffffffffff'],
  ])('reads id bytes %s as lower-case hex', (hex) => {
    const bytes = Buffer.from(hex, 'hex');
    const r = reader(bytes.length, bytes);
    expect(readHex(r, r.buf.length)).toBe(hex);
  });

  it('reuses no state between ids of the same size', () => {
    const a = Buffer.from('11'.repeat(16), 'hex');
    const b = Buffer.from('22'.repeat(16), 'hex');
    const r = reader(16, a, 16, b);
    const first = readHex(r, r.buf.length);
    const second = readHex(r, r.buf.length);
    expect([first, second]).toEqual(['11'.repeat(16), '22'.repeat(16)]);
  });
});

describe('skipField', () => {
  function skipAll(...fields: Uint8Array[]): number {
    const r = reader(...fields, fieldVarint(1, 99));
    const end = r.buf.length;
    for (let i = 0; i < fields.length; i++) skipField(r, readTag(r, end), end, 0);
    // The field after the skipped ones must be intact.
    expect(readTag(r, end)).toBe(0x08);
    return readVarint(r, end);
  }

  it('skips every wire type, including nested groups', () => {
    expect(
      skipAll(
        fieldVarint(5, 2n ** 64n - 1n),
        concat(tag(6, 1), new Uint8Array(8)),
        fieldBytes(7, new Uint8Array(300)),
        fieldGroup(8, fieldVarint(1, 1), fieldGroup(9, fieldBytes(2, Uint8Array.of(4)))),
        fieldFixed32(10, 1),
      ),
    ).toBe(99);
  });

  it('rejects wire types 6 and 7 and stray or mismatched end-groups', () => {
    for (const wireType of [6, 7, 4]) {
      const r = reader(tag(3, wireType), 0);
      const end = r.buf.length;
      expect(codeOf(() => skipField(r, readTag(r, end), end, 0))).toBe('INVALID_WIRE_TYPE');
    }
    const mismatched = reader(tag(3, 3), tag(4, 4));
    expect(codeOf(() => skipField(mismatched, readTag(mismatched, 2), 2, 0))).toBe(
      'INVALID_WIRE_TYPE',
    );
  });

  it('rejects truncated fixed-width values and unclosed groups', () => {
    for (const bytes of [
      concat(tag(3, 1), new Uint8Array(7)),
      concat(tag(3, 5), new Uint8Array(3)),
      fieldGroup(3, fieldVarint(1, 1)).subarray(0, 3),
    ]) {
      const r = createWireReader(bytes);
      expect(codeOf(() => skipField(r, readTag(r, bytes.length), bytes.length, 0))).toBe(
        'TRUNCATED',
      );
    }
  });

  it('limits group nesting', () => {
    let group = fieldVarint(1, 1);
    for (let i = 0; i < MAX_NESTING_DEPTH; i++) group = fieldGroup(2, group);
    const ok = createWireReader(group);
    skipField(ok, readTag(ok, group.length), group.length, 0);
    expect(ok.pos).toBe(group.length);
    const deeper = fieldGroup(2, group);
    const r = createWireReader(deeper);
    expect(codeOf(() => skipField(r, readTag(r, deeper.length), deeper.length, 0))).toBe(
      'NESTING_TOO_DEEP',
    );
  });
});
