/**
 * @module
 * The straightforward baseline of the ingest benchmark: what a user would write first. A bare
 * node:http server decodes each OTLP protobuf body with protobufjs (reflection, from the .proto
 * schema), maps every chat span to a row of a narrow calls table (time, ids, service, model,
 * tokens, status) and inserts them as JSONEachRow through `@clickhouse/client` over the same
 * embedded engine as Tokenwatch, one insert per request, answering 200 once the insert returns.
 * No raw spans, no spool, no batching across requests, no duplicate check, no pricing, no rollup.
 *
 *   node --conditions=@tokenwatch/source --import tsx baseline-server.ts DATA_DIR
 *
 * Prints `ready http://127.0.0.1:PORT` on stderr once the schema is in place.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { nsToDateTime64, openStore, runCommand } from '@tokenwatch/store';
import { loadOtlpTraceTypes } from '../../test/support/otlp/otlp-trace-proto.ts';
import { BASELINE_TABLE } from './stored-rows.ts';

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

/** The narrow call rows of a request's chat spans. */
function toCallRows(request: Request): Record<string, unknown>[] {
  const calls: Record<string, unknown>[] = [];
  for (const rs of request.resourceSpans) {
    const resource = toMap(rs.resource?.attributes ?? []);
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) {
        const attrs = toMap(span.attributes);
        if (attrs['gen_ai.operation.name'] !== 'chat') continue;
        const start = nanos(span.startTimeUnixNano);
        calls.push({
          tenant: 'default',
          start_time: nsToDateTime64(start),
          duration_ns: (nanos(span.endTimeUnixNano) - start).toString(),
          trace_id: hex(span.traceId),
          span_id: hex(span.spanId),
          parent_span_id: hex(span.parentSpanId),
          service: resource['service.name'] ?? '',
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
  return calls;
}

const BASELINE_DDL = `CREATE TABLE IF NOT EXISTS ${BASELINE_TABLE} (
  tenant LowCardinality(String),
  start_time DateTime64(9, 'UTC'),
  duration_ns UInt64,
  trace_id String,
  span_id String,
  parent_span_id String,
  service LowCardinality(String),
  environment LowCardinality(String),
  provider LowCardinality(String),
  operation LowCardinality(String),
  request_model LowCardinality(String),
  response_model LowCardinality(String),
  input_tokens UInt64,
  output_tokens UInt64,
  cache_read_tokens UInt64,
  status LowCardinality(String),
  error_type LowCardinality(String)
) ENGINE = MergeTree ORDER BY (tenant, start_time)`;

async function main(): Promise<void> {
  const dataDir = process.argv[2];
  if (!dataDir) throw new Error('usage: baseline-server.ts DATA_DIR');
  const store = await openStore({ kind: 'embedded', dataDir });
  await runCommand(store, BASELINE_DDL);
  const { request: requestType } = loadOtlpTraceTypes();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      try {
        const decoded = requestType.decode(Buffer.concat(chunks)) as unknown as Request;
        const calls = toCallRows(decoded);
        if (calls.length > 0)
          await store.client.insert({
            table: BASELINE_TABLE,
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
