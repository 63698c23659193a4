import { nsToDateTime64 } from '@tokenwatch/store';
import type { AcceptedSpan } from '../normalize/normalize-batch.ts';
import type { Attributes, AttributeValue } from '../otlp/types.ts';

/** One otel_traces row, with the column names of the OpenTelemetry Collector ClickHouse exporter. */
export type OtelTraceRow = {
  Timestamp: string;
  TraceId: string;
  SpanId: string;
  ParentSpanId: string;
  TraceState: string;
  SpanName: string;
  SpanKind: string;
  ServiceName: string;
  ResourceAttributes: Record<string, string>;
  ScopeName: string;
  ScopeVersion: string;
  SpanAttributes: Record<string, string>;
  Duration: string;
  StatusCode: string;
  StatusMessage: string;
  'Events.Timestamp': string[];
  'Events.Name': string[];
  'Events.Attributes': Record<string, string>[];
  'Links.TraceId': string[];
  'Links.SpanId': string[];
  'Links.TraceState': string[];
  'Links.Attributes': Record<string, string>[];
  TenantId: string;
};

/** The columns of {@link OtelTraceRow}, in the order the spool's compact rows carry them. */
export const OTEL_COLUMNS = [
  'Timestamp',
  'TraceId',
  'SpanId',
  'ParentSpanId',
  'TraceState',
  'SpanName',
  'SpanKind',
  'ServiceName',
  'ResourceAttributes',
  'ScopeName',
  'ScopeVersion',
  'SpanAttributes',
  'Duration',
  'StatusCode',
  'StatusMessage',
  'Events.Timestamp',
  'Events.Name',
  'Events.Attributes',
  'Links.TraceId',
  'Links.SpanId',
  'Links.TraceState',
  'Links.Attributes',
  'TenantId',
] as const satisfies readonly (keyof OtelTraceRow)[];

/** Attribute values as the exporter stores them: every value as a string (`AsString`). */
export function attributeText(value: AttributeValue): string {
  if (typeof value === 'string') return value;
  if (value === null) return '';
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'bigint'
      ? v.toString()
      : v instanceof Uint8Array
        ? Buffer.from(v).toString('base64')
        : v,
  );
}

function textMap(attrs: Attributes): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key in attrs) out[key] = attributeText(attrs[key]!);
  return out;
}

// The exporter's spellings (traceutil.SpanKindStr / StatusCodeStr).
const KIND: Record<string, string> = {
  UNSPECIFIED: 'SPAN_KIND_UNSPECIFIED',
  INTERNAL: 'SPAN_KIND_INTERNAL',
  SERVER: 'SPAN_KIND_SERVER',
  CLIENT: 'SPAN_KIND_CLIENT',
  PRODUCER: 'SPAN_KIND_PRODUCER',
  CONSUMER: 'SPAN_KIND_CONSUMER',
};
const STATUS: Record<string, string> = {
  UNSET: 'STATUS_CODE_UNSET',
  OK: 'STATUS_CODE_OK',
  ERROR: 'STATUS_CODE_ERROR',
};

/** The raw-span row of an accepted span. */
export function toOtelRow(accepted: AcceptedSpan, tenant: string): OtelTraceRow {
  const { span, resource, scope } = accepted;
  return {
    Timestamp: nsToDateTime64(span.startTimeUnixNano),
    TraceId: span.traceId,
    SpanId: span.spanId,
    ParentSpanId: span.parentSpanId,
    TraceState: span.traceState,
    SpanName: span.name,
    SpanKind: KIND[span.kind] ?? 'SPAN_KIND_UNSPECIFIED',
    ServiceName: typeof resource['service.name'] === 'string' ? resource['service.name'] : '',
    ResourceAttributes: textMap(resource),
    ScopeName: scope.name,
    ScopeVersion: scope.version,
    SpanAttributes: textMap(span.attributes),
    Duration: (span.endTimeUnixNano - span.startTimeUnixNano).toString(),
    StatusCode: STATUS[span.status.code] ?? 'STATUS_CODE_UNSET',
    StatusMessage: span.status.message,
    'Events.Timestamp': span.events.map((e) => nsToDateTime64(e.timeUnixNano)),
    'Events.Name': span.events.map((e) => e.name),
    'Events.Attributes': span.events.map((e) => textMap(e.attributes)),
    'Links.TraceId': span.links.map((l) => l.traceId),
    'Links.SpanId': span.links.map((l) => l.spanId),
    'Links.TraceState': span.links.map((l) => l.traceState),
    'Links.Attributes': span.links.map((l) => textMap(l.attributes)),
    TenantId: tenant,
  };
}

/** The attribute a lean raw span carries instead of its own, so a reader knows they were left out. */
export const LEAN_SPAN_ATTRIBUTE = 'tokenwatch.span.lean';

/**
 * The raw-span row of an LLM call when raw LLM spans are kept lean: the span stays in its trace
 * (ids, name, kind, times, status, service) while its attributes, events and links are left out,
 * since the call's model, tokens, cost and attribution are in llm_calls. The row is a third of
 * the size or less, which is most of what storing a call costs the engine.
 */
export function toLeanOtelRow(accepted: AcceptedSpan, tenant: string): OtelTraceRow {
  const { span, resource } = accepted;
  const service = resource['service.name'];
  return toOtelRow(
    {
      ...accepted,
      span: { ...span, attributes: { [LEAN_SPAN_ATTRIBUTE]: 'true' }, events: [], links: [] },
      resource: typeof service === 'string' ? { 'service.name': service } : {},
    },
    tenant,
  );
}
