import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ShimProcess, startShim } from './clickhouse-shim-process.ts';
import {
  chatCallAttributes,
  exportSpans,
  protoExporter,
  type ReadableSpan,
  spanRecorder,
} from './otel-sdk.ts';
import { freePort } from './ports.ts';
import { type ServeProcess, startServe, stopServe } from './serve-process.ts';

// Server mode against a real HTTP peer: `tokenwatch serve --clickhouse-url` in front of a
// ClickHouse HTTP shim process, spans from the official protobuf exporter, and the "ClickHouse
// server" SIGKILLed mid-stream. The spool must absorb the backlog, the collector must answer 503
// once the store is too far behind, and the exporter's retries plus the spool drain must store
// every call exactly once when the server is back.

const SERVICE = 'outage-agent';
const SPANS_PER_BATCH = 25;
const MAX_IN_FLIGHT = 20;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let shim: ShimProcess | undefined;
let serve: ServeProcess | undefined;

afterAll(async () => {
  if (serve) await stopServe(serve.child);
  if (shim) await stopServe(shim.child);
});

/** Requests answered per HTTP status, from the collector's own counter. */
async function requestsByStatus(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(/^tokenwatch_ingest_requests_total\{status="(\d+)"\} (\d+)/gm))
    counts[m[1]!] = Number(m[2]);
  return counts;
}

/** One row of a query sent straight to the ClickHouse (shim) HTTP interface. */
async function clickhouseRow(
  url: string,
  sql: string,
  params: Record<string, string>,
): Promise<Record<string, string>> {
  const search = new URLSearchParams({ output_format_json_quote_64bit_integers: '1' });
  for (const [name, value] of Object.entries(params)) search.set(`param_${name}`, value);
  const response = await fetch(`${url}/?${search}`, {
    method: 'POST',
    body: `${sql} FORMAT JSONEachRow`,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(text);
  return JSON.parse(text.trim().split('\n')[0]!) as Record<string, string>;
}

describe('store outage in server mode', () => {
  it('acknowledges through the outage, answers 503 when too far behind, and loses nothing', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tokenwatch-store-outage-'));
    const configPath = join(root, 'tokenwatch.yaml');
    // Small limits: a handful of batches fill the spool's allowance while the store is down.
    writeFileSync(configPath, 'ingest:\n  max_spool_bytes: 262144\n  max_pending_spans: 2000\n');
    const port = await freePort();
    shim = await startShim(join(root, 'clickhouse'), port);
    serve = await startServe(join(root, 'serve'), [], {
      TOKENWATCH_CONFIG: configPath,
      TOKENWATCH_CLICKHOUSE_URL: `${shim.url}/default`,
    });
    const serveUrl = serve.url;
    // The exporter's default 10 s deadline: Retry-After (2 s) leaves room for its retries.
    const exporter = protoExporter({ url: serveUrl });
    const agent = spanRecorder(SERVICE);

    const sent = new Set<string>();
    const inFlight = new Set<Promise<void>>();
    const failedBatches: ReadableSpan[][] = [];
    let batchNo = 0;
    const sendBatch = () => {
      for (let i = 0; i < SPANS_PER_BATCH; i++) {
        const span = agent.tracer.startSpan('chat gpt-4o-mini', {
          attributes: chatCallAttributes(900 + (batchNo % 7), 40),
        });
        span.end();
      }
      batchNo++;
      const spans = agent.take();
      for (const span of spans) sent.add(span.spanContext().spanId);
      const exporting = exportSpans(exporter, spans).then((result) => {
        if (result.code !== 0) failedBatches.push(spans);
      });
      const tracked = exporting.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      return tracked;
    };

    // 1. The store is up: everything is acknowledged and flows through.
    for (let i = 0; i < 4; i++) await sendBatch();
    expect(failedBatches).toEqual([]);
    const beforeKill = await requestsByStatus(serveUrl);

    // 2. "ClickHouse" dies mid-stream; the agent keeps sending.
    await stopServe(shim.child, 'SIGKILL');
    const outageStarted = Date.now();
    let during = beforeKill;
    while ((during['503'] ?? 0) < 3) {
      if (Date.now() - outageStarted > 90_000)
        throw new Error(`no 503 after 90 s of outage: ${JSON.stringify(during)}`);
      if (inFlight.size < MAX_IN_FLIGHT) void sendBatch();
      await sleep(100);
      during = await requestsByStatus(serveUrl);
    }
    // The spool absorbed requests while the store was down, before turning any away.
    const absorbed = (during['200'] ?? 0) - (beforeKill['200'] ?? 0);
    expect(absorbed).toBeGreaterThan(0);
    const refusedAfterMs = Date.now() - outageStarted;

    // 3. The server comes back on the same data and port; the agent goes on.
    shim = await startShim(join(root, 'clickhouse'), port);
    const outageMs = Date.now() - outageStarted;
    for (let i = 0; i < 4; i++) {
      void sendBatch();
      await sleep(250);
    }

    // 4. The exporter retries what was refused. A batch whose retries ran out is re-sent, as an
    //    agent with a durable queue would (a retry of spans that may already be stored).
    while (inFlight.size > 0) await Promise.all([...inFlight]);
    const exhausted = failedBatches.length;
    for (const spans of failedBatches.splice(0)) {
      for (let attempt = 0; ; attempt++) {
        if ((await exportSpans(exporter, spans)).code === 0) break;
        if (attempt > 10) throw new Error('a batch could not be delivered after the outage');
      }
    }

    // 5. Every sent call is stored exactly once: raw rows, the rollup and the raw spans.
    const counts = async () =>
      clickhouseRow(
        shim!.url,
        `SELECT
          (SELECT count() FROM llm_calls WHERE service = {service: String}) AS raw,
          (SELECT uniqExact(span_id) FROM llm_calls WHERE service = {service: String}) AS calls,
          (SELECT sum(calls) FROM llm_usage_1m WHERE service = {service: String}) AS rollup,
          (SELECT count() FROM otel_traces WHERE ServiceName = {service: String}) AS spans`,
        { service: SERVICE },
      );
    const drainStarted = Date.now();
    let stored = await counts();
    while (Number(stored.calls) < sent.size && Date.now() - drainStarted < 120_000) {
      await sleep(500);
      stored = await counts();
    }
    const final = await requestsByStatus(serveUrl);
    console.info(
      `store outage: sent ${sent.size} calls in ${batchNo} batches; ` +
        `${absorbed} requests acknowledged while the store was down, 503s seen within ` +
        `${(refusedAfterMs / 1000).toFixed(1)} s, store back after ${(outageMs / 1000).toFixed(1)} s; ` +
        `responses ${JSON.stringify(final)}; exporter gave up on ${exhausted} batches; ` +
        `drained in ${((Date.now() - drainStarted) / 1000).toFixed(1)} s`,
    );
    expect(final['503'] ?? 0).toBeGreaterThanOrEqual(3);
    expect(Number(stored.calls)).toBe(sent.size);
    expect(Number(stored.raw)).toBe(sent.size);
    expect(Number(stored.rollup)).toBe(sent.size);
    expect(Number(stored.spans)).toBe(sent.size);
    await agent.shutdown();
  }, 300_000);
});
