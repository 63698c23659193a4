/**
 * @module
 * Hand-written decoder for `opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest`
 * (OTLP/HTTP with `Content-Type: application/x-protobuf`).
 *
 * Field numbers are those of opentelemetry-proto's `trace.proto`, `common.proto`,
 * `resource.proto` and `trace_service.proto`. Each `case` below is a whole tag,
 * `(field << 3) | wireType`, so a known field sent with an unexpected wire type falls through
 * to `skipField` and is ignored, as protobuf's reference parsers treat it as an unknown field.
 * Fields this decoder does not map (span flags, dropped event/link counts, schema URLs,
 * entity refs, anything added later) are skipped the same way.
 *
 * Singular message fields that occur twice are merged, per the protobuf spec: attributes
 * accumulate and later scalars win.
 */

import { OTLP_DECODE_ERROR_CODES, OtlpDecodeError } from './errors.ts';
import { setAttribute } from './set-attribute.ts';
import type {
  Attributes,
  AttributeValue,
  DecodedEvent,
  DecodedLink,
  DecodedResourceSpans,
  DecodedScope,
  DecodedScopeSpans,
  DecodedSpan,
  DecodedTraces,
  SpanKind,
  StatusCode,
} from './types.ts';
import { SPAN_KINDS, STATUS_CODES } from './types.ts';
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

// Tags as they appear on the wire: (field number << 3) | wire type.
// Wire types: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.
const F1_LEN = 0x0a;
const F2_LEN = 0x12;
const F3_LEN = 0x1a;
const F4_LEN = 0x22;
const F5_LEN = 0x2a;
const F6_LEN = 0x32;
const F7_LEN = 0x3a;
const F9_LEN = 0x4a;
const F11_LEN = 0x5a;
const F13_LEN = 0x6a;
const F15_LEN = 0x7a;
const F1_I64 = 0x09;
const F2_VARINT = 0x10;
const F3_VARINT = 0x18;
const F4_I64 = 0x21;
const F6_VARINT = 0x30;
const F7_I64 = 0x39;
const F8_I64 = 0x41;
const F10_VARINT = 0x50;

/**
 * Decodes an OTLP/protobuf ExportTraceServiceRequest.
 *
 * Ids come back as lower-case hex of whatever length was sent; times as bigint nanoseconds;
 * int64 attribute values as numbers when safe and bigints otherwise. Unknown span kinds and
 * status codes (values added after this decoder) map to `UNSPECIFIED` and `UNSET`.
 *
 * @param body the request body, already decompressed
 * @returns every resource, scope and span in the request, in wire order
 * @throws {OtlpDecodeError} when the body is not a well-formed protobuf message
 *
 * @example
 * ```ts
 * const traces = decodeProtobufTraces(new Uint8Array(await c.req.arrayBuffer()));
 * ```
 */
export function decodeProtobufTraces(body: Uint8Array): DecodedTraces {
  const r = createWireReader(body);
  const end = r.buf.length;
  const resourceSpans: DecodedResourceSpans[] = [];
  while (r.pos < end) {
    const tag = readTag(r, end);
    if (tag === F1_LEN) resourceSpans.push(decodeResourceSpans(r, readLengthEnd(r, end)));
    else skipField(r, tag, end, 0);
  }
  return { resourceSpans };
}

function decodeResourceSpans(r: WireReader, end: number): DecodedResourceSpans {
  const resourceAttributes: Attributes = {};
  const scopeSpans: DecodedScopeSpans[] = [];
  while (r.pos < end) {
    const tag = readTag(r, end);
    if (tag === F2_LEN) scopeSpans.push(decodeScopeSpans(r, readLengthEnd(r, end)));
    else if (tag === F1_LEN) decodeResource(r, readLengthEnd(r, end), resourceAttributes);
    else skipField(r, tag, end, 0);
  }
  return { resource: { attributes: resourceAttributes }, scopeSpans };
}

function decodeResource(r: WireReader, end: number, attributes: Attributes): void {
  while (r.pos < end) {
    const tag = readTag(r, end);
    if (tag === F1_LEN) decodeKeyValueInto(r, readLengthEnd(r, end), attributes, 0);
    else skipField(r, tag, end, 0);
  }
}

function decodeScopeSpans(r: WireReader, end: number): DecodedScopeSpans {
  let scope: DecodedScope = { name: '', version: '', attributes: {} };
  const spans: DecodedSpan[] = [];
  while (r.pos < end) {
    const tag = readTag(r, end);
    if (tag === F2_LEN) spans.push(decodeSpan(r, readLengthEnd(r, end)));
    else if (tag === F1_LEN) scope = decodeScope(r, readLengthEnd(r, end), scope);
    else skipField(r, tag, end, 0);
  }
  return { scope, spans };
}

function decodeScope(r: WireReader, end: number, merged: DecodedScope): DecodedScope {
  let name = merged.name;
  let version = merged.version;
  const attributes = merged.attributes;
  while (r.pos < end) {
    const tag = readTag(r, end);
    switch (tag) {
      case F1_LEN:
        name = readString(r, end);
        break;
      case F2_LEN:
        version = readString(r, end);
        break;
      case F3_LEN:
        decodeKeyValueInto(r, readLengthEnd(r, end), attributes, 0);
        break;
      default:
        skipField(r, tag, end, 0);
    }
  }
  return { name, version, attributes };
}

function decodeSpan(r: WireReader, end: number): DecodedSpan {
  let traceId = '';
  let spanId = '';
  let parentSpanId = '';
  let traceState = '';
  let name = '';
  let kind = 0;
  let startTimeUnixNano = 0n;
  let endTimeUnixNano = 0n;
  const attributes: Attributes = {};
  let droppedAttributesCount = 0;
  const events: DecodedEvent[] = [];
  const links: DecodedLink[] = [];
  let status: DecodedSpan['status'] | null = null;
  while (r.pos < end) {
    const tag = readTag(r, end);
    switch (tag) {
      case F1_LEN:
        traceId = readHex(r, end);
        break;
      case F2_LEN:
        spanId = readHex(r, end);
        break;
      case F3_LEN:
        traceState = readString(r, end);
        break;
      case F4_LEN:
        parentSpanId = readHex(r, end);
        break;
      case F5_LEN:
        name = readString(r, end);
        break;
      case F6_VARINT:
        // An enum is an int32: a negative value arrives sign-extended to 10 bytes.
        kind = readVarint(r, end) | 0;
        break;
      case F7_I64:
        startTimeUnixNano = readFixed64(r, end);
        break;
      case F8_I64:
        endTimeUnixNano = readFixed64(r, end);
        break;
      case F9_LEN:
        decodeKeyValueInto(r, readLengthEnd(r, end), attributes, 0);
        break;
      case F10_VARINT:
        droppedAttributesCount = readVarint(r, end);
        break;
      case F11_LEN:
        events.push(decodeEvent(r, readLengthEnd(r, end)));
        break;
      case F13_LEN:
        links.push(decodeLink(r, readLengthEnd(r, end)));
        break;
      case F15_LEN:
        status = decodeStatus(r, readLengthEnd(r, end), status);
        break;
      default:
        skipField(r, tag, end, 0);
    }
  }
  return {
    traceId,
    spanId,
    parentSpanId,
    traceState,
    name,
    kind: spanKindOf(kind),
    startTimeUnixNano,
    endTimeUnixNano,
    attributes,
    droppedAttributesCount,
    events,
    links,
    status: status ?? { code: 'UNSET', message: '' },
  };
}

function spanKindOf(value: number): SpanKind {
  return SPAN_KINDS[value] ?? 'UNSPECIFIED';
}

function statusCodeOf(value: number): StatusCode {
  return STATUS_CODES[value] ?? 'UNSET';
}

function decodeEvent(r: WireReader, end: number): DecodedEvent {
  let timeUnixNano = 0n;
  let name = '';
  const attributes: Attributes = {};
  while (r.pos < end) {
    const tag = readTag(r, end);
    switch (tag) {
      case F1_I64:
        timeUnixNano = readFixed64(r, end);
        break;
      case F2_LEN:
        name = readString(r, end);
        break;
      case F3_LEN:
        decodeKeyValueInto(r, readLengthEnd(r, end), attributes, 0);
        break;
      default:
        skipField(r, tag, end, 0);
    }
  }
  return { timeUnixNano, name, attributes };
}

function decodeLink(r: WireReader, end: number): DecodedLink {
  let traceId = '';
  let spanId = '';
  let traceState = '';
  const attributes: Attributes = {};
  while (r.pos < end) {
    const tag = readTag(r, end);
    switch (tag) {
      case F1_LEN:
        traceId = readHex(r, end);
        break;
      case F2_LEN:
        spanId = readHex(r, end);
        break;
      case F3_LEN:
        traceState = readString(r, end);
        break;
      case F4_LEN:
        decodeKeyValueInto(r, readLengthEnd(r, end), attributes, 0);
        break;
      default:
        skipField(r, tag, end, 0);
    }
  }
  return { traceId, spanId, traceState, attributes };
}

function decodeStatus(
  r: WireReader,
  end: number,
  merged: DecodedSpan['status'] | null,
): DecodedSpan['status'] {
  // Status field 1 is reserved (the old deprecated_code) and is skipped like any unknown field.
  let message = merged === null ? '' : merged.message;
  let code: StatusCode = merged === null ? 'UNSET' : merged.code;
  while (r.pos < end) {
    const tag = readTag(r, end);
    if (tag === F2_LEN) message = readString(r, end);
    else if (tag === F3_VARINT) code = statusCodeOf(readVarint(r, end) | 0);
    else skipField(r, tag, end, 0);
  }
  return { code, message };
}

function decodeKeyValueInto(
  r: WireReader,
  end: number,
  target: Record<string, AttributeValue>,
  depth: number,
): void {
  let key = '';
  let value: AttributeValue = null;
  while (r.pos < end) {
    const tag = readTag(r, end);
    if (tag === F1_LEN) key = readKey(r, end);
    else if (tag === F2_LEN) value = decodeAnyValue(r, readLengthEnd(r, end), depth);
    else skipField(r, tag, end, 0);
  }
  // Duplicate keys are invalid OTLP; the last one wins, as in a proto3 map.
  setAttribute(target, key, value);
}

function decodeAnyValue(r: WireReader, end: number, depth: number): AttributeValue {
  // An AnyValue with no field set is OTLP's empty value.
  let value: AttributeValue = null;
  while (r.pos < end) {
    const tag = readTag(r, end);
    switch (tag) {
      case F1_LEN:
        value = readString(r, end);
        break;
      case F2_VARINT:
        value = readVarint(r, end) !== 0 || r.hi !== 0;
        break;
      case F3_VARINT:
        value = readInt64(r, end);
        break;
      case F4_I64:
        value = readDouble(r, end);
        break;
      case F5_LEN:
        value = decodeArrayValue(r, readLengthEnd(r, end), nested(r, depth));
        break;
      case F6_LEN:
        value = decodeKeyValueList(r, readLengthEnd(r, end), nested(r, depth));
        break;
      case F7_LEN:
        value = readBytes(r, end);
        break;
      default:
        skipField(r, tag, end, 0);
    }
  }
  return value;
}

function nested(r: WireReader, depth: number): number {
  if (depth >= MAX_NESTING_DEPTH) {
    throw new OtlpDecodeError(
      OTLP_DECODE_ERROR_CODES.nestingTooDeep,
      `protobuf AnyValue nests deeper than ${MAX_NESTING_DEPTH} levels at byte ${r.pos}`,
    );
  }
  return depth + 1;
}

function decodeArrayValue(r: WireReader, end: number, depth: number): AttributeValue[] {
  const values: AttributeValue[] = [];
  while (r.pos < end) {
    const tag = readTag(r, end);
    if (tag === F1_LEN) values.push(decodeAnyValue(r, readLengthEnd(r, end), depth));
    else skipField(r, tag, end, 0);
  }
  return values;
}

function decodeKeyValueList(
  r: WireReader,
  end: number,
  depth: number,
): { [key: string]: AttributeValue } {
  const values: { [key: string]: AttributeValue } = {};
  while (r.pos < end) {
    const tag = readTag(r, end);
    if (tag === F1_LEN) decodeKeyValueInto(r, readLengthEnd(r, end), values, depth);
    else skipField(r, tag, end, 0);
  }
  return values;
}
