import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chatCallAttributes,
  exportSpans,
  protoExporter,
  type ReadableSpan,
  type SpanExporter,
  spanRecorder,
} from './otel-sdk.ts';
import { adminSql, type ServeProcess, startServe, stopServe } from './serve-process.ts';

// Exactly once over real HTTP into a real serve process: the same export delivered again (a
// client retry after a lost acknowledgement), twice at the same moment, and again after serve
// restarted (nothing left in its memory), is stored once, rolled up once and billed once.

const AGENT = 'dup-agent';
const CALLS = 30;

let dataDir: string;
let configPath: string;
let serve: ServeProcess;
let exporter: SpanExporter;
let spans: ReadableSpan[];

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'tokenwatch-duplicates-'));
  dataDir = join(root, 'data');
  configPath = join(root, 'tokenwatch.yaml');
  writeFileSync(
    configPath,
    [
      'budgets:',
      '  - id: dup-daily',
      `    scope: { agent: ${AGENT} }`,
      '    period: rolling',
      '    window: 24h',
      '    limit_usd: 100',
    ].join('\n'),
  );
  serve = await startServe(dataDir, [], { TOKENWATCH_CONFIG: configPath });
  exporter = protoExporter({ url: serve.url });
  const agent = spanRecorder('dup-service');
  for (let i = 0; i < CALLS; i++) {
    agent.tracer
      .startSpan('chat gpt-4o-mini', {
        attributes: { ...chatCallAttributes(1000 + i, 100), 'gen_ai.agent.name': AGENT },
      })
      .end();
  }
  spans = agent.take();
  await agent.shutdown();
}, 120_000);

afterAll(async () => {
  if (serve) await stopServe(serve.child);
});

const sql = async (query: string) => (await adminSql(dataDir, query))[0]!;

/** What is stored and billed for the agent: raw rows, distinct calls, rollup, spend, budget. */
async function ledger() {
  // Wait for the store writer: the spool is drained when its lag is back to 0.
  for (let i = 0; i < 300; i++) {
    const metrics = await (await fetch(`${serve.url}/metrics`)).text();
    if (/^tokenwatch_spool_lag_bytes 0$/m.test(metrics)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const [raw, calls, rollup, cost, rollupCost, spansStored, spanRows] = await sql(
    `SELECT
      (SELECT count() FROM llm_calls WHERE agent = '${AGENT}'),
      (SELECT uniqExact(span_id) FROM llm_calls WHERE agent = '${AGENT}'),
      (SELECT sum(calls) FROM llm_usage_1m WHERE agent = '${AGENT}'),
      (SELECT toString(sum(total_cost)) FROM llm_calls FINAL WHERE agent = '${AGENT}'),
      (SELECT toString(sum(total_cost)) FROM llm_usage_1m WHERE agent = '${AGENT}'),
      (SELECT uniqExact(SpanId) FROM otel_traces WHERE ServiceName = 'dup-service'),
      (SELECT count() FROM otel_traces WHERE ServiceName = 'dup-service')`,
  );
  const check = (await (
    await fetch(`${serve.url}/api/v1/budgets/check?agent=${AGENT}`)
  ).json()) as { remainingUsd: string | null };
  return {
    raw: Number(raw),
    calls: Number(calls),
    rollup: Number(rollup),
    cost: Number(cost),
    rollupCost: Number(rollupCost),
    spans: Number(spansStored),
    budgetSpent: 100 - Number(check.remainingUsd),
    /** Raw span rows: kept apart, see the last test. */
    spanRows: Number(spanRows),
  };
}

/** The ledger without the raw span rows. */
async function billed() {
  const { spanRows: _, ...rest } = await ledger();
  return rest;
}

describe('duplicate delivery', () => {
  let once: Awaited<ReturnType<typeof billed>>;

  it('stores and bills the first delivery', async () => {
    expect((await exportSpans(exporter, spans)).code).toBe(0);
    once = await billed();
    expect(once).toMatchObject({ raw: CALLS, calls: CALLS, rollup: CALLS, spans: CALLS });
    expect(once.cost).toBeGreaterThan(0);
    expect(once.rollupCost).toBeCloseTo(once.cost, 12);
    expect(once.budgetSpent).toBeCloseTo(once.cost, 9);
  });

  it('counts a retry of the same export (the acknowledgement was lost) once', async () => {
    expect((await exportSpans(exporter, spans)).code).toBe(0);
    expect(await billed()).toEqual(once);
  });

  it('counts two deliveries of the same export at the same moment once', async () => {
    const results = await Promise.all([exportSpans(exporter, spans), exportSpans(exporter, spans)]);
    expect(results.map((r) => r.code)).toEqual([0, 0]);
    expect(await billed()).toEqual(once);
  });

  it('counts the same spans sent again after serve restarted once', async () => {
    await stopServe(serve.child);
    serve = await startServe(dataDir, [], { TOKENWATCH_CONFIG: configPath });
    const restarted = protoExporter({ url: serve.url });
    expect((await exportSpans(restarted, spans)).code).toBe(0);
    expect(await billed()).toEqual(once);
    await restarted.shutdown();
  }, 120_000);

  // otel_traces keeps the OpenTelemetry Collector exporter's schema: a plain MergeTree that only
  // drops a replayed spool record (same insert token), so every delivery of a span is a row.
  // Billing is exact (above); the raw trace view shows a retried span once per delivery.
  it.fails('keeps one raw span row per span in otel_traces (known gap)', async () => {
    expect((await ledger()).spanRows).toBe(CALLS);
  });
});
