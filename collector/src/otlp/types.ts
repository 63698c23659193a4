/**
 * Spans as the OTLP decoders hand them on: one shape for protobuf and JSON input, ids as
 * lower-case hex, times as bigint nanoseconds, attribute values in their OTLP types.
 */

/** An OTLP AnyValue. int64 values are numbers when they are safe integers, bigint otherwise. */
export type AttributeValue =
  | string
  | number
  | bigint
  | boolean
  | Uint8Array
  | AttributeValue[]
  | { [key: string]: AttributeValue }
  | null;

export type Attributes = Record<string, AttributeValue>;

export const SPAN_KINDS = [
  'UNSPECIFIED',
  'INTERNAL',
  'SERVER',
  'CLIENT',
  'PRODUCER',
  'CONSUMER',
] as const;
export type SpanKind = (typeof SPAN_KINDS)[number];

export const STATUS_CODES = ['UNSET', 'OK', 'ERROR'] as const;
export type StatusCode = (typeof STATUS_CODES)[number];

export type DecodedEvent = { timeUnixNano: bigint; name: string; attributes: Attributes };

export type DecodedLink = {
  traceId: string;
  spanId: string;
  traceState: string;
  attributes: Attributes;
};

export type DecodedSpan = {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  traceState: string;
  name: string;
  kind: SpanKind;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attributes;
  droppedAttributesCount: number;
  events: DecodedEvent[];
  links: DecodedLink[];
  status: { code: StatusCode; message: string };
};

export type DecodedScope = { name: string; version: string; attributes: Attributes };

export type DecodedScopeSpans = { scope: DecodedScope; spans: DecodedSpan[] };

export type DecodedResourceSpans = {
  resource: { attributes: Attributes };
  scopeSpans: DecodedScopeSpans[];
};

/** A decoded ExportTraceServiceRequest. */
export type DecodedTraces = { resourceSpans: DecodedResourceSpans[] };
