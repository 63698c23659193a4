/**
 * @module
 * Response bodies for OTLP/HTTP trace exports, in the encoding of the request.
 *
 * - Success and partial success: `ExportTraceServiceResponse { ExportTracePartialSuccess
 *   partial_success = 1 }`, with `ExportTracePartialSuccess { int64 rejected_spans = 1;
 *   string error_message = 2 }`. Full success leaves `partial_success` unset, as the OTLP spec
 *   requires.
 * - Failures (HTTP 4xx/5xx): `google.rpc.Status { int32 code = 1; string message = 2 }`. OTLP
 *   does not use the code, and clients must not act on it, so callers may leave it 0.
 *
 * Protobuf output is canonical proto3 (zero values omitted). JSON output is proto3 JSON:
 * int64 as a decimal string, int32 as a number.
 */

/** What to report when some spans were rejected, or a warning with `rejectedSpans: 0`. */
export type PartialSuccess = {
  /** Spans dropped from the request; at most 2^63 - 1. */
  rejectedSpans: number | bigint;
  /** Why, in English, for the SDK's logs. */
  errorMessage: string;
};

/** The `google.rpc.Status` fields an OTLP error body carries. */
export type RpcStatus = {
  /** A `google.rpc.Code`; see {@link RPC_CODES}. */
  code: number;
  message: string;
};

/** The `google.rpc.Code` values a collector has a use for. */
export const RPC_CODES = {
  ok: 0,
  invalidArgument: 3,
  resourceExhausted: 8,
  internal: 13,
  unavailable: 14,
} as const;

const INT64_MAX = 0x7fff_ffff_ffff_ffffn;

function checkRejectedSpans(value: number | bigint): bigint {
  const count =
    typeof value === 'bigint' ? value : Number.isSafeInteger(value) ? BigInt(value) : -1n;
  if (count < 0n || count > INT64_MAX) {
    throw new RangeError(`rejectedSpans must be an integer from 0 to 2^63-1, got ${value}`);
  }
  return count;
}

function checkCode(code: number): number {
  if (!Number.isInteger(code) || code < -0x80000000 || code > 0x7fffffff) {
    throw new RangeError(`status code must be a 32-bit integer, got ${code}`);
  }
  return code;
}

/** Size in bytes of a varint holding `value` (a uint64 as bigint). */
function varintSize(value: bigint): number {
  let size = 1;
  for (let v = value >> 7n; v > 0n; v >>= 7n) size++;
  return size;
}

/** A cursor that writes into a buffer sized up front. */
type Writer = { bytes: Uint8Array; pos: number };

function writeVarint(w: Writer, value: bigint): void {
  let v = value;
  while (v > 0x7fn) {
    w.bytes[w.pos++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  w.bytes[w.pos++] = Number(v);
}

function writeBytes(w: Writer, fieldNumber: number, payload: Uint8Array): void {
  writeVarint(w, BigInt((fieldNumber << 3) | 2));
  writeVarint(w, BigInt(payload.length));
  w.bytes.set(payload, w.pos);
  w.pos += payload.length;
}

function lengthDelimitedSize(fieldNumber: number, payloadLength: number): number {
  return varintSize(BigInt(fieldNumber << 3)) + varintSize(BigInt(payloadLength)) + payloadLength;
}

/**
 * Encodes `{ int64 field 1 = number?, string field 2 = text? }`, the layout shared by
 * ExportTracePartialSuccess and google.rpc.Status. `number` is already a uint64 bit pattern.
 */
function encodeNumberAndText(number: bigint, text: string): Uint8Array {
  const utf8 = Buffer.from(text, 'utf8');
  const size =
    (number === 0n ? 0 : 1 + varintSize(number)) +
    (utf8.length === 0 ? 0 : lengthDelimitedSize(2, utf8.length));
  const w: Writer = { bytes: new Uint8Array(size), pos: 0 };
  if (number !== 0n) {
    w.bytes[w.pos++] = 0x08; // field 1, varint
    writeVarint(w, number);
  }
  if (utf8.length !== 0) writeBytes(w, 2, utf8);
  return w.bytes;
}

/**
 * Encodes an ExportTraceServiceResponse as binary protobuf.
 *
 * @param partialSuccess omit for full success (an empty body, which is the empty message)
 * @returns the body for an `application/x-protobuf` HTTP 200 response
 * @throws {RangeError} when `rejectedSpans` is negative, fractional or over 2^63-1
 *
 * @example
 * ```ts
 * encodeTraceResponseProtobuf({ rejectedSpans: 2, errorMessage: 'span id is all zeros' });
 * ```
 */
export function encodeTraceResponseProtobuf(partialSuccess?: PartialSuccess): Uint8Array {
  if (partialSuccess === undefined) return new Uint8Array(0);
  const inner = encodeNumberAndText(
    checkRejectedSpans(partialSuccess.rejectedSpans),
    partialSuccess.errorMessage,
  );
  // partial_success is written even when empty: its presence is what signals partial success.
  const w: Writer = { bytes: new Uint8Array(lengthDelimitedSize(1, inner.length)), pos: 0 };
  writeBytes(w, 1, inner);
  return w.bytes;
}

/**
 * Encodes an ExportTraceServiceResponse as OTLP/JSON. `rejectedSpans` is an int64, so proto3
 * JSON writes it as a decimal string (clients accept strings and numbers). Both fields are
 * always written inside `partialSuccess`, so a warning reads `"rejectedSpans":"0"` explicitly.
 *
 * @param partialSuccess omit for full success (`{}`)
 * @returns the body for an `application/json` HTTP 200 response
 * @throws {RangeError} when `rejectedSpans` is negative, fractional or over 2^63-1
 *
 * @example
 * ```ts
 * encodeTraceResponseJson({ rejectedSpans: 3, errorMessage: 'end time is before start time' });
 * // '{"partialSuccess":{"rejectedSpans":"3","errorMessage":"end time is before start time"}}'
 * ```
 */
export function encodeTraceResponseJson(partialSuccess?: PartialSuccess): string {
  if (partialSuccess === undefined) return '{}';
  const rejectedSpans = checkRejectedSpans(partialSuccess.rejectedSpans).toString();
  return JSON.stringify({
    partialSuccess: { rejectedSpans, errorMessage: partialSuccess.errorMessage },
  });
}

/**
 * Encodes a `google.rpc.Status` as binary protobuf, for OTLP/HTTP error responses.
 *
 * @param status `code` is an int32 (negative values are sign-extended to 10 bytes, as int32
 *   varints are); `message` is for developers
 * @returns the body for an `application/x-protobuf` 4xx/5xx response
 * @throws {RangeError} when `code` is not a 32-bit integer
 *
 * @example
 * ```ts
 * encodeStatusProtobuf({ code: RPC_CODES.invalidArgument, message: 'body is not OTLP' });
 * ```
 */
export function encodeStatusProtobuf(status: RpcStatus): Uint8Array {
  return encodeNumberAndText(BigInt.asUintN(64, BigInt(checkCode(status.code))), status.message);
}

/**
 * Encodes a `google.rpc.Status` as proto3 JSON (`code` is an int32, hence a JSON number).
 *
 * @returns the body for an `application/json` 4xx/5xx response
 * @throws {RangeError} when `code` is not a 32-bit integer
 *
 * @example
 * ```ts
 * encodeStatusJson({ code: 3, message: 'bad' }); // '{"code":3,"message":"bad"}'
 * ```
 */
export function encodeStatusJson(status: RpcStatus): string {
  return JSON.stringify({ code: checkCode(status.code), message: status.message });
}
