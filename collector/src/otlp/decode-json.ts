/**
 * @module
 * Decoder for OTLP/JSON ExportTraceServiceRequest bodies (`Content-Type: application/json`).
 *
 * The OTLP spec's JSON encoding is proto3 JSON with three changes: trace and span ids are hex
 * (case-insensitive) rather than base64, enums are integers, and unknown fields are ignored.
 * Keys are lowerCamelCase. This decoder is lenient where proto3 JSON parsers are, even though
 * OTLP tells senders not to rely on it: it also accepts the proto field names
 * (`resource_spans`, `start_time_unix_nano`; the lowerCamelCase spelling wins when both are
 * present) and enum value names (`SPAN_KIND_SERVER`, `STATUS_CODE_ERROR`).
 */
import { OTLP_DECODE_ERROR_CODES, OtlpDecodeError } from './errors.ts';
import type { JsonObject } from './json-scalars.ts';
import {
  boolValue,
  bytesValue,
  doubleValue,
  enumField,
  hexIdField,
  int64Value,
  invalidField,
  optionalArray,
  optionalObject,
  rethrowAt,
  stringField,
  uint32Field,
  uint64Field,
} from './json-scalars.ts';
import { setAttribute } from './set-attribute.ts';
import type {
  Attributes,
  AttributeValue,
  DecodedEvent,
  DecodedLink,
  DecodedResourceSpans,
  DecodedScopeSpans,
  DecodedSpan,
  DecodedTraces,
} from './types.ts';
import { SPAN_KINDS, STATUS_CODES } from './types.ts';
import { MAX_NESTING_DEPTH } from './wire-reader.ts';

// Non-fatal: invalid UTF-8 becomes U+FFFD, matching the protobuf decoder's choice.
const utf8 = new TextDecoder();

/**
 * Decodes an OTLP/JSON ExportTraceServiceRequest into the same shape the protobuf decoder
 * returns. Times and int64 values may be decimal strings or JSON numbers; numbers past 2^53 have
 * already lost precision in `JSON.parse`, which is why OTLP senders use strings.
 *
 * @param body the request body, already decompressed, as bytes or text
 * @returns every resource, scope and span in the request, in document order
 * @throws {OtlpDecodeError} `INVALID_JSON` when the body does not parse, `INVALID_FIELD` (with
 *   the JSON path in the message) when a field has the wrong type, `NESTING_TOO_DEEP` for
 *   AnyValues nested past `MAX_NESTING_DEPTH`
 *
 * @example
 * ```ts
 * const traces = decodeJsonTraces('{"resourceSpans":[]}'); // { resourceSpans: [] }
 * ```
 */
export function decodeJsonTraces(body: string | Uint8Array): DecodedTraces {
  const text = typeof body === 'string' ? body : utf8.decode(body);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new OtlpDecodeError(
      OTLP_DECODE_ERROR_CODES.invalidJson,
      `request body is not valid JSON: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const root = requireObject(parsed, '$');
  const list = optionalArray(pick(root, 'resourceSpans', 'resource_spans'), 'resourceSpans');
  const resourceSpans: DecodedResourceSpans[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    try {
      resourceSpans[i] = decodeResourceSpans(list[i]);
    } catch (err) {
      rethrowAt(err, `resourceSpans[${i}]`);
    }
  }
  return { resourceSpans };
}

/** Reads a field by its lowerCamelCase name, falling back to the proto field name. */
function pick(obj: JsonObject, camel: string, snake: string): unknown {
  return obj[camel] ?? obj[snake];
}

function requireObject(value: unknown, field: string): JsonObject {
  const obj = optionalObject(value, field);
  if (obj === undefined) invalidField(field, 'an object', value);
  return obj;
}

// Error messages name fields relative to the object being decoded; each loop below adds its
// element's segment when an error passes through (see rethrowAt), so no paths are built
// unless something is wrong.

function decodeResourceSpans(value: unknown): DecodedResourceSpans {
  const obj = requireObject(value, '');
  const resource = optionalObject(obj.resource, 'resource');
  const list = optionalArray(pick(obj, 'scopeSpans', 'scope_spans'), 'scopeSpans');
  const scopeSpans: DecodedScopeSpans[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    try {
      scopeSpans[i] = decodeScopeSpans(list[i]);
    } catch (err) {
      rethrowAt(err, `scopeSpans[${i}]`);
    }
  }
  return {
    resource: { attributes: decodeAttributes(resource?.attributes, 'resource.attributes') },
    scopeSpans,
  };
}

function decodeScopeSpans(value: unknown): DecodedScopeSpans {
  const obj = requireObject(value, '');
  const scope = optionalObject(obj.scope, 'scope');
  const list = optionalArray(obj.spans, 'spans');
  const spans: DecodedSpan[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    try {
      spans[i] = decodeSpan(list[i]);
    } catch (err) {
      rethrowAt(err, `spans[${i}]`);
    }
  }
  return {
    scope: {
      name: stringField(scope?.name, 'scope.name'),
      version: stringField(scope?.version, 'scope.version'),
      attributes: decodeAttributes(scope?.attributes, 'scope.attributes'),
    },
    spans,
  };
}

function decodeSpan(value: unknown): DecodedSpan {
  const obj = requireObject(value, '');
  const eventList = optionalArray(obj.events, 'events');
  const events: DecodedEvent[] = new Array(eventList.length);
  for (let i = 0; i < eventList.length; i++) {
    try {
      events[i] = decodeEvent(eventList[i]);
    } catch (err) {
      rethrowAt(err, `events[${i}]`);
    }
  }
  const linkList = optionalArray(obj.links, 'links');
  const links: DecodedLink[] = new Array(linkList.length);
  for (let i = 0; i < linkList.length; i++) {
    try {
      links[i] = decodeLink(linkList[i]);
    } catch (err) {
      rethrowAt(err, `links[${i}]`);
    }
  }
  const status = optionalObject(obj.status, 'status');
  return {
    traceId: hexIdField(pick(obj, 'traceId', 'trace_id'), 'traceId'),
    spanId: hexIdField(pick(obj, 'spanId', 'span_id'), 'spanId'),
    parentSpanId: hexIdField(pick(obj, 'parentSpanId', 'parent_span_id'), 'parentSpanId'),
    traceState: stringField(pick(obj, 'traceState', 'trace_state'), 'traceState'),
    name: stringField(obj.name, 'name'),
    kind: enumField(obj.kind, SPAN_KINDS, 'SPAN_KIND_', 'kind'),
    startTimeUnixNano: uint64Field(
      pick(obj, 'startTimeUnixNano', 'start_time_unix_nano'),
      'startTimeUnixNano',
    ),
    endTimeUnixNano: uint64Field(
      pick(obj, 'endTimeUnixNano', 'end_time_unix_nano'),
      'endTimeUnixNano',
    ),
    attributes: decodeAttributes(obj.attributes, 'attributes'),
    droppedAttributesCount: uint32Field(
      pick(obj, 'droppedAttributesCount', 'dropped_attributes_count'),
      'droppedAttributesCount',
    ),
    events,
    links,
    status: {
      code: enumField(status?.code, STATUS_CODES, 'STATUS_CODE_', 'status.code'),
      message: stringField(status?.message, 'status.message'),
    },
  };
}

function decodeEvent(value: unknown): DecodedEvent {
  const obj = requireObject(value, '');
  return {
    timeUnixNano: uint64Field(pick(obj, 'timeUnixNano', 'time_unix_nano'), 'timeUnixNano'),
    name: stringField(obj.name, 'name'),
    attributes: decodeAttributes(obj.attributes, 'attributes'),
  };
}

function decodeLink(value: unknown): DecodedLink {
  const obj = requireObject(value, '');
  return {
    traceId: hexIdField(pick(obj, 'traceId', 'trace_id'), 'traceId'),
    spanId: hexIdField(pick(obj, 'spanId', 'span_id'), 'spanId'),
    traceState: stringField(pick(obj, 'traceState', 'trace_state'), 'traceState'),
    attributes: decodeAttributes(obj.attributes, 'attributes'),
  };
}

/** A repeated KeyValue as a record; the last of duplicate keys wins, as in the protobuf path. */
function decodeAttributes(value: unknown, field: string): Attributes {
  const attributes: Attributes = {};
  decodeKeyValuesInto(attributes, value, field, 0);
  return attributes;
}

function decodeKeyValuesInto(
  target: Record<string, AttributeValue>,
  value: unknown,
  field: string,
  depth: number,
): void {
  const list = optionalArray(value, field);
  for (let i = 0; i < list.length; i++) {
    try {
      const kv = requireObject(list[i], '');
      setAttribute(target, stringField(kv.key, 'key'), decodeAnyValue(kv.value, 'value', depth));
    } catch (err) {
      rethrowAt(err, `${field}[${i}]`);
    }
  }
}

/**
 * Decodes an AnyValue object. `field` names it in error messages ('value' in a KeyValue, '' in
 * an array). An absent or empty AnyValue is OTLP's empty value; the first member found wins.
 */
function decodeAnyValue(value: unknown, field: string, depth: number): AttributeValue {
  const obj = optionalObject(value, field);
  if (obj === undefined) return null;
  try {
    return decodeAnyValueMember(obj, depth);
  } catch (err) {
    // Array elements get their segment from the array loop.
    if (field === '') throw err;
    rethrowAt(err, field);
  }
}

function decodeAnyValueMember(obj: JsonObject, depth: number): AttributeValue {
  let member: unknown = pick(obj, 'stringValue', 'string_value');
  if (member != null) return stringField(member, 'stringValue');
  member = pick(obj, 'intValue', 'int_value');
  if (member != null) return int64Value(member, 'intValue');
  member = pick(obj, 'doubleValue', 'double_value');
  if (member != null) return doubleValue(member, 'doubleValue');
  member = pick(obj, 'boolValue', 'bool_value');
  if (member != null) return boolValue(member, 'boolValue');
  member = pick(obj, 'arrayValue', 'array_value');
  if (member != null) {
    const inner = nested(depth);
    const list = optionalArray(requireObject(member, 'arrayValue').values, 'arrayValue.values');
    const values: AttributeValue[] = new Array(list.length);
    for (let i = 0; i < list.length; i++) {
      try {
        values[i] = decodeAnyValue(list[i], '', inner);
      } catch (err) {
        rethrowAt(err, `arrayValue.values[${i}]`);
      }
    }
    return values;
  }
  member = pick(obj, 'kvlistValue', 'kvlist_value');
  if (member != null) {
    const inner = nested(depth);
    const values: { [key: string]: AttributeValue } = {};
    const kvlist = requireObject(member, 'kvlistValue');
    decodeKeyValuesInto(values, kvlist.values, 'kvlistValue.values', inner);
    return values;
  }
  member = pick(obj, 'bytesValue', 'bytes_value');
  if (member != null) return bytesValue(member, 'bytesValue');
  return null;
}

function nested(depth: number): number {
  if (depth >= MAX_NESTING_DEPTH) {
    throw new OtlpDecodeError(
      OTLP_DECODE_ERROR_CODES.nestingTooDeep,
      `: AnyValue nests deeper than ${MAX_NESTING_DEPTH} levels`,
    );
  }
  return depth + 1;
}
