/**
 * @module
 * The straightforward baseline of the ingest benchmark: what a user would write first. A bare
 * node:http server decodes each OTLP protobuf body with protobufjs (reflection, from the .proto
 * schema), maps every span to an `otel_traces` row and every chat span to an `llm_calls` row,
 * and inserts both as JSONEachRow through `@clickhouse/client` over the same embedded engine and
 * migrations as Tokenwatch, answering 200 once the inserts return. No spool, no batching across
 * requests, no duplicate check, no pricing.
 *
 *   node --conditions=@tokenwatch/source --import tsx baseline-server.ts DATA_DIR
 *
 * Prints `ready http://127.0.0.1:PORT` on stderr once the schema is in place.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { migrate, nsToDateTime64, openStore, TABLES } from '@tokenwatch/store';
import { loadOtlpTraceTypes } from '../../test/support/otlp/otlp-trace-proto.ts';

// The protobufjs message shapes this server reads (int64/fixed64 arrive as `Long` objects).
type Long = { toString(): string };
type AnyValue = {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: Long;
  doubleValue?: number;
  arrayValue?: { values: AnyValue[] };
};
type KeyValue = { key: string; value?: AnyValue };
type Span = {
  traceId: Uint8Array;
  spanId: Uint8Array;
  parentSpanId: Uint8Array;
  traceState: string;
  name: string;
  kind: number;
  startTimeUnixNano: Long;
  endTimeUnixNano: Long;
  attributes: KeyValue[];
  events: { timeUnixNano: Long; name: string; attributes: KeyValue[] }[];
  status?: { code: number; message: string };
};
type Request = {
  resourceSpans: {
    resource?: { attributes: KeyValue[] };
    scopeSpans: { scope?: { name: string; version: string }; spans: Span[] }[];
  }[];
};

const KINDS = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const STATUSES = ['UNSET', 'OK', 'ERROR'];

function text(value: AnyValue | undefined): string {
  if (!value) return '';
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return value.intValue.toString();
  if (value.doubleValue !== undefined) return String(value.doubleValue);
  if (value.boolValue !== undefined) return String(value.boolValue);
  if (value.arrayValue) return JSON.stringify(value.arrayValue.values.map(text));
  return '';
}

function toMap(attributes: KeyValue[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of attributes) out[kv.key] = text(kv.value);
  return out;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const nanos = (value: Long) => BigInt(value.toString());

function toRows(request: Request) {
  const spans: Record<string, unknown>[] = [];
  const calls: Record<string, unknown>[] = [];
  for (const rs of request.resourceSpans) {
    const resource = toMap(rs.resource?.attributes ?? []);
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) {
        const attrs = toMap(span.attributes);
        const start = nanos(span.startTimeUnixNano);
        const duration = nanos(span.endTimeUnixNano) - start;
        const row = {
          Timestamp: nsToDateTime64(start),
          TraceId: hex(span.traceId),
          SpanId: hex(span.spanId),
          ParentSpanId: hex(span.parentSpanId),
          TraceState: span.traceState,
          SpanName: span.name,
          SpanKind: `SPAN_KIND_${KINDS[span.kind] ?? 'UNSPECIFIED'}`,
          ServiceName: resource['service.name'] ?? '',
          ResourceAttributes: resource,
          ScopeName: ss.scope?.name ?? '',
          ScopeVersion: ss.scope?.version ?? '',
          SpanAttributes: attrs,
          Duration: duration.toString(),
          StatusCode: `STATUS_CODE_${STATUSES[span.status?.code ?? 0] ?? 'UNSET'}`,
          StatusMessage: span.status?.message ?? '',
          'Events.Timestamp': span.events.map((e) => nsToDateTime64(nanos(e.timeUnixNano))),
          'Events.Name': span.events.map((e) => e.name),
          'Events.Attributes': span.events.map((e) => toMap(e.attributes)),
          'Links.TraceId': [],
          'Links.SpanId': [],
          'Links.TraceState': [],
          'Links.Attributes': [],
          TenantId: 'default',
        };
        spans.push(row);
        if (attrs['gen_ai.operation.name'] !== 'chat') continue;
        calls.push({
          tenant: 'default',
          start_time: row.Timestamp,
          duration_ns: row.Duration,
          trace_id: row.TraceId,
          span_id: row.SpanId,
          parent_span_id: row.ParentSpanId,
          service: row.ServiceName,
          environment: resource['deployment.environment.name'] ?? '',
          provider: attrs['gen_ai.provider.name'] ?? '',
          operation: 'chat',
          request_model: attrs['gen_ai.request.model'] ?? '',
          response_model: attrs['gen_ai.response.model'] ?? '',
          input_tokens: Number(attrs['gen_ai.usage.input_tokens'] ?? 0),
          output_tokens: Number(attrs['gen_ai.usage.output_tokens'] ?? 0),
          cache_read_tokens: Number(attrs['gen_ai.usage.cache_read.input_tokens'] ?? 0),
          status: span.status?.code === 2 ? 'error' : 'ok',
          error_type: attrs['error.type'] ?? '',
        });
      }
    }
  }
  return { spans, calls };
}

async function main(): Promise<void> {
  const dataDir = process.argv[2];
  if (!dataDir) throw new Error('usage: baseline-server.ts DATA_DIR');
  const store = await openStore({ kind: 'embedded', dataDir });
  await migrate(store);
  const { request: requestType } = loadOtlpTraceTypes();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      try {
        const decoded = requestType.decode(Buffer.concat(chunks)) as unknown as Request;
        const { spans, calls } = toRows(decoded);
        await store.client.insert({
          table: TABLES.otelTraces,
          values: spans,
          format: 'JSONEachRow',
        });
        if (calls.length > 0)
          await store.client.insert({
            table: TABLES.llmCalls,
            values: calls,
            format: 'JSONEachRow',
          });
        res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': '0' });
        res.end();
      } catch (err) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end((err as Error).message);
      }
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    console.error(`ready http://127.0.0.1:${port}`);
  });
  process.once('SIGTERM', () => {
    server.close(() => {
      store.close().then(() => process.exit(0));
    });
    server.closeAllConnections();
  });
}

await main();
