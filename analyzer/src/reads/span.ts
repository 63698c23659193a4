import { queryRows, TABLES } from '@tokenwatch/store';
import { z } from 'zod';
import { defineRead } from './contract.ts';

/** One raw span as the collector stored it in `otel_traces` (the exporter's columns). */
export const RawSpanSchema = z.object({
  traceId: z.string(),
  spanId: z.string(),
  parentSpanId: z.string(),
  name: z.string(),
  kind: z.string(),
  service: z.string(),
  /** Start as the store writes it (UTC, nanoseconds). */
  start: z.string(),
  durationNs: z.number(),
  statusCode: z.string(),
  statusMessage: z.string(),
  spanAttributes: z.record(z.string(), z.string()),
  resourceAttributes: z.record(z.string(), z.string()),
});

/** What `span` answers: the span, or null when the store holds none by that id for the tenant. */
export const SpanResultSchema = z.object({ span: RawSpanSchema.nullable() });

const Row = z.object({
  TraceId: z.string(),
  SpanId: z.string(),
  ParentSpanId: z.string(),
  SpanName: z.string(),
  SpanKind: z.string(),
  ServiceName: z.string(),
  start: z.string(),
  Duration: z.coerce.number(),
  StatusCode: z.string(),
  StatusMessage: z.string(),
  SpanAttributes: z.record(z.string(), z.string()),
  ResourceAttributes: z.record(z.string(), z.string()),
});

const Hex = (length: number) =>
  z.string().regex(new RegExp(`^[0-9a-f]{${length}}$`), `${length} hex digits`);

/**
 * `span`: one raw span by trace and span id, with its attributes, as stored in `otel_traces`
 * (kept 30 days; LLM-call spans stored lean carry no attributes there, `llm_calls` has them).
 */
export const spanRead = defineRead({
  name: 'span',
  path: '/span',
  query: () => z.object({ trace: Hex(32), span: Hex(16) }),
  result: SpanResultSchema,
  async run({ store, tenant }, query) {
    const [row] = await queryRows(store, {
      query: `SELECT TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName,
          toString(Timestamp) AS start, Duration, StatusCode, StatusMessage, SpanAttributes,
          ResourceAttributes
        FROM ${TABLES.otelTraces}
        WHERE TenantId = {tenant: String} AND TraceId = {trace: String} AND SpanId = {span: String}
        LIMIT 1`,
      params: { tenant, trace: query.trace, span: query.span },
      schema: Row,
      settings: { max_execution_time: 30 },
    });
    return {
      span: row
        ? {
            traceId: row.TraceId,
            spanId: row.SpanId,
            parentSpanId: row.ParentSpanId,
            name: row.SpanName,
            kind: row.SpanKind,
            service: row.ServiceName,
            start: row.start,
            durationNs: row.Duration,
            statusCode: row.StatusCode,
            statusMessage: row.StatusMessage,
            spanAttributes: row.SpanAttributes,
            resourceAttributes: row.ResourceAttributes,
          }
        : null,
    };
  },
  print: {
    tables: (result) => {
      const s = result.span;
      if (!s) return [{ records: [], empty: 'No such span here.' }];
      const attributes = (kind: string, map: Record<string, string>) =>
        Object.entries(map).map(([key, value]) => ({ kind, key, value }));
      return [
        {
          records: [
            { field: 'name', value: s.name },
            { field: 'service', value: s.service },
            { field: 'kind', value: s.kind },
            { field: 'start', value: s.start },
            { field: 'duration_ms', value: String(s.durationNs / 1e6) },
            {
              field: 'status',
              value: s.statusMessage ? `${s.statusCode}: ${s.statusMessage}` : s.statusCode,
            },
            { field: 'trace', value: s.traceId },
            { field: 'span', value: s.spanId },
            { field: 'parent', value: s.parentSpanId },
          ],
        },
        {
          records: [
            ...attributes('span', s.spanAttributes),
            ...attributes('resource', s.resourceAttributes),
          ],
          empty: 'No attributes stored for this span.',
        },
      ];
    },
  },
});
