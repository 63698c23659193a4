/**
 * @module
 * Protobuf wire-format primitives for the hand-written OTLP decoder: varints, fixed-width
 * values, length prefixes, unknown-field skipping, UTF-8 strings and hex ids.
 *
 * Every read takes the end of the enclosing message, not of the whole body, so a field that
 * crosses its parent's boundary is caught as malformed instead of being read from the sibling
 * that follows.
 */
import { OTLP_DECODE_ERROR_CODES, OtlpDecodeError } from './errors.ts';
import { decodeUtf8, decodeUtf8Cached } from './string-cache.ts';

/** Cursor over one request body. `hi` holds the upper 32 bits of the last varint read. */
export type WireReader = {
  readonly buf: Buffer;
  readonly view: DataView;
  pos: number;
  hi: number;
};

/** Wire types from the protobuf encoding spec. */
export const WIRE_TYPE = {
  varint: 0,
  fixed64: 1,
  lengthDelimited: 2,
  startGroup: 3,
  endGroup: 4,
  fixed32: 5,
} as const;

/**
 * Deepest nesting of groups (and, in the decoders, of AnyValues) accepted. protobuf's own
 * parsers stop at 100; a span attribute nested this deep is an attack, not telemetry, and
 * recursion without a limit would end in a RangeError instead of an OtlpDecodeError.
 */
export const MAX_NESTING_DEPTH = 64;

/**
 * Wraps a body for reading without copying it.
 *
 * @param bytes the request body; a `Buffer` or any `Uint8Array` view
 * @returns a reader positioned at the first byte
 */
export function createWireReader(bytes: Uint8Array): WireReader {
  // A Buffer view gives the decoder Node's native UTF-8 decoding for long strings.
  const buf = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    buf,
    view: new DataView(buf.buffer, buf.byteOffset, buf.byteLength),
    pos: 0,
    hi: 0,
  };
}

function truncated(what: string, pos: number): OtlpDecodeError {
  return new OtlpDecodeError(
    OTLP_DECODE_ERROR_CODES.truncated,
    `protobuf body is truncated: ${what} at byte ${pos} runs past the end of its message`,
  );
}

/**
 * Reads a varint of up to 10 bytes. Returns the low 32 bits as an unsigned number and leaves
 * the high 32 bits in `r.hi`, so callers that need 64 bits pay nothing extra and callers that
 * need 32 bits (tags, lengths, enums, counts) allocate nothing.
 *
 * @throws {OtlpDecodeError} `TRUNCATED` or `VARINT_TOO_LONG`
 */
export function readVarint(r: WireReader, end: number): number {
  const pos = r.pos;
  if (pos < end) {
    const b = r.buf[pos]!;
    // Tags, lengths under 128, enums and booleans are almost always one byte.
    if (b < 0x80) {
      r.pos = pos + 1;
      r.hi = 0;
      return b;
    }
  }
  return readVarintSlow(r, end);
}

function readVarintSlow(r: WireReader, end: number): number {
  const buf = r.buf;
  const start = r.pos;
  let pos = start;
  let lo = 0;
  let b = 0;
  // Bytes 0-3 carry bits 0-27.
  for (let shift = 0; shift < 28; shift += 7) {
    if (pos >= end) throw truncated('varint', start);
    b = buf[pos++]!;
    lo |= (b & 0x7f) << shift;
    if (b < 0x80) {
      r.pos = pos;
      r.hi = 0;
      return lo >>> 0;
    }
  }
  // Byte 4 straddles the halves: bits 28-31 go low, bits 32-34 go high.
  if (pos >= end) throw truncated('varint', start);
  b = buf[pos++]!;
  lo |= (b & 0x0f) << 28;
  let hi = (b & 0x7f) >> 4;
  if (b < 0x80) {
    r.pos = pos;
    r.hi = hi;
    return lo >>> 0;
  }
  // Bytes 5-9 carry bits 35-63; bits beyond 63 in byte 9 are dropped, as protobuf does.
  for (let shift = 3; shift < 32; shift += 7) {
    if (pos >= end) throw truncated('varint', start);
    b = buf[pos++]!;
    hi |= (b & 0x7f) << shift;
    if (b < 0x80) {
      r.pos = pos;
      r.hi = hi >>> 0;
      return lo >>> 0;
    }
  }
  throw new OtlpDecodeError(
    OTLP_DECODE_ERROR_CODES.varintTooLong,
    `protobuf varint at byte ${start} is longer than 10 bytes`,
  );
}

/**
 * Reads a field tag (field number << 3 | wire type).
 *
 * @throws {OtlpDecodeError} `INVALID_TAG` for field number 0 or a tag over 32 bits
 */
export function readTag(r: WireReader, end: number): number {
  const start = r.pos;
  const tag = readVarint(r, end);
  if (tag < 8 || r.hi !== 0) {
    throw new OtlpDecodeError(
      OTLP_DECODE_ERROR_CODES.invalidTag,
      `protobuf tag at byte ${start} has an invalid field number`,
    );
  }
  return tag;
}

/**
 * Reads a length prefix and returns the end offset of the payload that follows it.
 *
 * @throws {OtlpDecodeError} `LENGTH_OUT_OF_RANGE` when the payload would cross `end`
 */
export function readLengthEnd(r: WireReader, end: number): number {
  const start = r.pos;
  const len = readVarint(r, end);
  const remaining = end - r.pos;
  if (r.hi !== 0 || len > remaining) {
    const declared = r.hi === 0 ? String(len) : 'over 2^32';
    throw new OtlpDecodeError(
      OTLP_DECODE_ERROR_CODES.lengthOutOfRange,
      `protobuf length at byte ${start} declares ${declared} bytes but only ${remaining} remain ` +
        'in the enclosing message (truncated body or corrupt length)',
    );
  }
  return r.pos + len;
}

/**
 * Reads a signed int64 varint: a number when it is a safe integer, a bigint otherwise.
 *
 * @throws {OtlpDecodeError} as {@link readVarint}
 */
export function readInt64(r: WireReader, end: number): number | bigint {
  const lo = readVarint(r, end);
  const hi = r.hi | 0;
  // hi within ±2^21 keeps hi * 2^32 + lo inside ±2^53, where doubles are exact.
  if (hi >= -0x200000 && hi < 0x200000) {
    const value = hi * 0x100000000 + lo;
    if (value !== Number.MIN_SAFE_INTEGER - 1) return value;
  }
  return BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo));
}

function ensureBytes(r: WireReader, end: number, n: number, what: string): number {
  const pos = r.pos;
  if (end - pos < n) throw truncated(what, pos);
  r.pos = pos + n;
  return pos;
}

/** Reads a fixed64 (timestamps in nanoseconds) as an unsigned bigint. */
export function readFixed64(r: WireReader, end: number): bigint {
  const pos = ensureBytes(r, end, 8, 'fixed64');
  return r.view.getBigUint64(pos, true);
}

/** Reads a little-endian IEEE 754 double. */
export function readDouble(r: WireReader, end: number): number {
  const pos = ensureBytes(r, end, 8, 'double');
  return r.view.getFloat64(pos, true);
}

/**
 * Skips one field whose tag has just been read, whatever its wire type, so fields added to
 * OTLP after this decoder was written are ignored rather than fatal.
 *
 * @throws {OtlpDecodeError} `INVALID_WIRE_TYPE` for wire types 6 and 7 and for a stray end-group
 */
export function skipField(r: WireReader, tag: number, end: number, depth: number): void {
  switch (tag & 7) {
    case WIRE_TYPE.varint:
      readVarint(r, end);
      return;
    case WIRE_TYPE.fixed64:
      ensureBytes(r, end, 8, 'fixed64');
      return;
    case WIRE_TYPE.lengthDelimited:
      r.pos = readLengthEnd(r, end);
      return;
    case WIRE_TYPE.startGroup:
      skipGroup(r, tag >>> 3, end, depth + 1);
      return;
    case WIRE_TYPE.fixed32:
      ensureBytes(r, end, 4, 'fixed32');
      return;
    default:
      throw new OtlpDecodeError(
        OTLP_DECODE_ERROR_CODES.invalidWireType,
        `protobuf field ${tag >>> 3} before byte ${r.pos} has ` +
          ((tag & 7) === WIRE_TYPE.endGroup
            ? 'an end-group with no matching start-group'
            : `invalid wire type ${tag & 7}`),
      );
  }
}

function skipGroup(r: WireReader, fieldNumber: number, end: number, depth: number): void {
  if (depth > MAX_NESTING_DEPTH) {
    throw new OtlpDecodeError(
      OTLP_DECODE_ERROR_CODES.nestingTooDeep,
      `protobuf groups nest deeper than ${MAX_NESTING_DEPTH} levels at byte ${r.pos}`,
    );
  }
  const start = r.pos;
  while (r.pos < end) {
    const tag = readTag(r, end);
    if ((tag & 7) === WIRE_TYPE.endGroup) {
      if (tag >>> 3 === fieldNumber) return;
      throw new OtlpDecodeError(
        OTLP_DECODE_ERROR_CODES.invalidWireType,
        `protobuf group ${fieldNumber} is closed by an end-group for field ${tag >>> 3}`,
      );
    }
    skipField(r, tag, end, depth);
  }
  throw truncated(`group ${fieldNumber}`, start);
}

// Values longer than this are mostly unique (response ids, prompts): caching them would only
// evict the keys and model names that do repeat.
const CACHED_VALUE_BYTES = 32;

/**
 * Reads a length-delimited UTF-8 string value. Short values go through the string cache, since
 * model names, providers and finish reasons repeat from span to span. Invalid UTF-8 becomes
 * U+FFFD instead of failing the request (see `decodeUtf8`).
 */
export function readString(r: WireReader, end: number): string {
  const stop = readLengthEnd(r, end);
  const start = r.pos;
  r.pos = stop;
  return stop - start <= CACHED_VALUE_BYTES
    ? decodeUtf8Cached(r.buf, r.view, start, stop)
    : decodeUtf8(r.buf, start, stop);
}

/** Reads a length-delimited UTF-8 attribute key, always through the string cache. */
export function readKey(r: WireReader, end: number): string {
  const stop = readLengthEnd(r, end);
  const start = r.pos;
  r.pos = stop;
  return decodeUtf8Cached(r.buf, r.view, start, stop);
}

/** Reads length-delimited bytes into a new array, so the result does not pin the request body. */
export function readBytes(r: WireReader, end: number): Uint8Array {
  const stop = readLengthEnd(r, end);
  const out = new Uint8Array(stop - r.pos);
  out.set(r.buf.subarray(r.pos, stop));
  r.pos = stop;
  return out;
}

// Character codes of the two hex digits of every byte value, for building ids in one call.
const HEX_CODES = new Uint16Array(512);
const HEX_PAIRS: string[] = [];
for (let i = 0; i < 256; i++) {
  const pair = i.toString(16).padStart(2, '0');
  HEX_PAIRS.push(pair);
  HEX_CODES[2 * i] = pair.charCodeAt(0);
  HEX_CODES[2 * i + 1] = pair.charCodeAt(1);
}
// Reused argument arrays for the two id sizes: String.fromCharCode over them yields a flat
// string in one allocation, where concatenating pairs builds a rope that is flattened later.
const SPAN_ID_CODES: number[] = new Array<number>(16).fill(0);
const TRACE_ID_CODES: number[] = new Array<number>(32).fill(0);

/**
 * Reads length-delimited bytes as lower-case hex. Any length is accepted: a wrong-sized id is a
 * per-span problem for `validateSpan`, not a reason to fail the whole request.
 */
export function readHex(r: WireReader, end: number): string {
  const stop = readLengthEnd(r, end);
  const start = r.pos;
  r.pos = stop;
  const len = stop - start;
  const buf = r.buf;
  if (len === 16 || len === 8) {
    const codes = len === 16 ? TRACE_ID_CODES : SPAN_ID_CODES;
    for (let i = 0; i < len; i++) {
      const v = buf[start + i]! << 1;
      codes[2 * i] = HEX_CODES[v]!;
      codes[2 * i + 1] = HEX_CODES[v + 1]!;
    }
    return String.fromCharCode.apply(null, codes);
  }
  let out = '';
  for (let i = start; i < stop; i++) out += HEX_PAIRS[buf[i]!]!;
  return out;
}
