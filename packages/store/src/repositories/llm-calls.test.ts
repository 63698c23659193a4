import type { LlmCallInput } from '@tokenwatch/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { nsToDateTime64 } from '../converters.ts';
import { insertRows, queryRows, runCommand } from '../query.ts';
import { openTestStore, type TestStore } from '../testing/test-store.ts';
import { dropSupersededRevisions, insertLlmCalls } from './llm-calls.ts';

// Yesterday at 11:06:40 UTC: recent, since rows older than the retention are dropped by the TTL.
const DAY_MS = 86_400_000;
const T0_MS = Math.floor(Date.now() / DAY_MS) * DAY_MS - DAY_MS + 40_000_000;
const T0 = BigInt(T0_MS) * 1_000_000n;
const MINUTE = 60_000_000_000n;

let spanCounter = 0;
function call(overrides: Partial<LlmCallInput> = {}): LlmCallInput {
  spanCounter++;
  return {
    tenant: 'acme',
    startTime: T0,
    traceId: 'a'.repeat(31) + (spanCounter % 10).toString(),
    spanId: spanCounter.toString(16).padStart(16, '0'),
    agent: 'planner',
    provider: 'openai',
    requestModel: 'gpt-4o',
    responseModel: 'gpt-4o-2024-08-06',
    inputTokens: 100,
    outputTokens: 10,
    inputCost: '0.00025',
    outputCost: '0.0001',
    totalCost: '0.00035',
    ...overrides,
  };
}

const Totals = z.object({
  calls: z.coerce.number(),
  input_tokens: z.coerce.number(),
  total_cost: z.string(),
});

async function callTotals(t: TestStore, tenant: string) {
  const [row] = await queryRows(t.store, {
    query: `SELECT count() AS calls, sum(input_tokens) AS input_tokens, toString(ifNull(sum(total_cost), 0)) AS total_cost
      FROM llm_calls FINAL WHERE tenant = {tenant: String}`,
    params: { tenant },
    schema: Totals,
  });
  return row!;
}

async function rollupTotals(t: TestStore, tenant: string) {
  const [row] = await queryRows(t.store, {
    query: `SELECT sum(calls) AS calls, sum(input_tokens) AS input_tokens, toString(sum(total_cost)) AS total_cost
      FROM llm_usage_1m WHERE tenant = {tenant: String}`,
    params: { tenant },
    schema: Totals,
  });
  return row!;
}

describe('insertLlmCalls', () => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore();
  });
  afterAll(() => t.cleanup());

  it('counts a span delivered twice once, in llm_calls and in the rollup', async () => {
    const tenant = 'retry';
    const batch = [call({ tenant }), call({ tenant, startTime: T0 + MINUTE })];
    expect(await insertLlmCalls(t.store, batch)).toEqual({ inserted: 2, duplicates: 0 });
    // An exporter retry resends the same spans, this time next to a new one.
    const retry = [...batch, call({ tenant, startTime: T0 + 2n * MINUTE, inputTokens: 7 })];
    expect(await insertLlmCalls(t.store, retry)).toEqual({ inserted: 1, duplicates: 2 });
    // And the same span twice inside one batch.
    const twin = call({ tenant, startTime: T0 + 3n * MINUTE });
    expect(await insertLlmCalls(t.store, [twin, twin])).toEqual({ inserted: 1, duplicates: 1 });

    const expected = { calls: 4, input_tokens: 307, total_cost: '0.0014' };
    expect(await callTotals(t, tenant)).toEqual(expected);
    expect(await rollupTotals(t, tenant)).toEqual(expected);
    // Background merges do not change the answers.
    await runCommand(t.store, 'OPTIMIZE TABLE llm_usage_1m FINAL');
    expect(await rollupTotals(t, tenant)).toEqual(expected);
  });

  it('completes the rollup when a retried batch finds its rows already in llm_calls', async () => {
    const tenant = 'torn';
    const batch = [
      call({ tenant }),
      call({ tenant, startTime: T0 + MINUTE }),
      call({ tenant, startTime: T0 + 2n * MINUTE }),
    ];
    // A crash between the table and the rollup: the rows land, the rollup never hears of them.
    await runCommand(t.store, 'RENAME TABLE llm_usage_1m TO llm_usage_1m_away');
    try {
      await expect(insertLlmCalls(t.store, batch, { dedupToken: 'record-7' })).rejects.toThrow();
    } finally {
      await runCommand(t.store, 'RENAME TABLE llm_usage_1m_away TO llm_usage_1m');
    }
    expect((await rollupTotals(t, tenant)).calls).toBe(0);

    // The replay of the same record: nothing new in llm_calls, the rollup catches up, once.
    expect(await insertLlmCalls(t.store, batch, { dedupToken: 'record-7' })).toEqual({
      inserted: 3,
      duplicates: 0,
    });
    await insertLlmCalls(t.store, batch, { dedupToken: 'record-7' });
    const expected = { calls: 3, input_tokens: 300, total_cost: '0.00105' };
    expect(await callTotals(t, tenant)).toEqual(expected);
    expect(await rollupTotals(t, tenant)).toEqual(expected);
    const raw = await queryRows(t.store, {
      query: 'SELECT count() AS n FROM llm_calls WHERE tenant = {tenant: String}',
      params: { tenant },
      schema: z.object({ n: z.coerce.number() }),
    });
    expect(raw).toEqual([{ n: 3 }]);
    // Another record carrying the same spans (a client retry) is a duplicate.
    expect(await insertLlmCalls(t.store, batch, { dedupToken: 'record-8' })).toEqual({
      inserted: 0,
      duplicates: 3,
    });
  });

  it('keeps concurrent deliveries of the same batch to one copy', async () => {
    const tenant = 'race';
    const batch = Array.from({ length: 50 }, (_, i) =>
      call({ tenant, startTime: T0 + BigInt(i) * MINUTE }),
    );
    const results = await Promise.all([
      insertLlmCalls(t.store, batch),
      insertLlmCalls(t.store, batch),
    ]);
    expect(results.map((r) => r.inserted).sort()).toEqual([0, 50]);
    expect((await rollupTotals(t, tenant)).calls).toBe(50);
  });

  it('collapses a duplicate row that bypassed the writer when reading with FINAL', async () => {
    const tenant = 'bypass';
    const c = call({ tenant });
    await insertLlmCalls(t.store, [c]);
    // A second collector racing on a ClickHouse server could write the same span: simulate it.
    await insertRows(t.store, 'llm_calls', [
      {
        tenant,
        start_time: nsToDateTime64(T0),
        trace_id: c.traceId,
        span_id: c.spanId,
        input_tokens: 100,
        total_cost: '0.00035',
      },
    ]);
    expect((await callTotals(t, tenant)).calls).toBe(1);
  });

  it('sums costs exactly as decimals', async () => {
    const tenant = 'decimal';
    // 0.1 + 0.2 is 0.30000000000000004 in binary floating point; ten thousand micro-costs drift too.
    await insertLlmCalls(t.store, [
      call({ tenant, totalCost: '0.1' }),
      call({ tenant, totalCost: '0.2' }),
    ]);
    expect((await callTotals(t, tenant)).total_cost).toBe('0.3');
    const tiny = Array.from({ length: 10_000 }, (_, i) =>
      call({ tenant: 'tiny', startTime: T0 + BigInt(i) * 1000n, totalCost: '0.000000075' }),
    );
    await insertLlmCalls(t.store, tiny);
    expect((await callTotals(t, 'tiny')).total_cost).toBe('0.00075');
    expect((await rollupTotals(t, 'tiny')).total_cost).toBe('0.00075');
  });

  it('keeps unpriced calls out of cost sums and counts them', async () => {
    const tenant = 'unpriced';
    await insertLlmCalls(t.store, [
      call({
        tenant,
        totalCost: null,
        inputCost: null,
        outputCost: null,
        requestModel: 'mystery-1',
        responseModel: '',
      }),
      call({ tenant, usageMissing: true, inputTokens: 0, outputTokens: 0, totalCost: null }),
      call({ tenant, totalCost: '0.5' }),
    ]);
    const rows = await queryRows(t.store, {
      query: `SELECT sum(calls) AS calls, sum(unpriced_calls) AS unpriced, sum(usage_missing_calls) AS missing,
        toString(sum(total_cost)) AS cost FROM llm_usage_1m WHERE tenant = {tenant: String}`,
      params: { tenant },
      schema: z.object({
        calls: z.coerce.number(),
        unpriced: z.coerce.number(),
        missing: z.coerce.number(),
        cost: z.string(),
      }),
    });
    expect(rows).toEqual([{ calls: 3, unpriced: 1, missing: 1, cost: '0.5' }]);
  });

  it('stores nanosecond start times and the model alias', async () => {
    const tenant = 'time';
    const c = call({ tenant, startTime: T0 + 123_456_789n, responseModel: '' });
    await insertLlmCalls(t.store, [c]);
    const rows = await queryRows(t.store, {
      query:
        'SELECT toString(start_time) AS start, model FROM llm_calls WHERE tenant = {tenant: String}',
      params: { tenant },
      schema: z.object({ start: z.string(), model: z.string() }),
    });
    const day = new Date(T0_MS).toISOString().slice(0, 10);
    expect(rows).toEqual([{ start: `${day} 11:06:40.123456789`, model: 'gpt-4o' }]);
  });

  it('stores the request hash, and an empty one for calls that have none', async () => {
    const tenant = 'hashes';
    await insertLlmCalls(t.store, [
      call({ tenant, startTime: T0, prefixHash: 'p1', requestHash: 'r1' }),
      call({ tenant, startTime: T0 + 1n, prefixHash: 'p1' }),
    ]);
    const rows = await queryRows(t.store, {
      query: `SELECT prefix_hash, request_hash FROM llm_calls FINAL
        WHERE tenant = {tenant: String} ORDER BY start_time`,
      params: { tenant },
      schema: z.object({ prefix_hash: z.string(), request_hash: z.string() }),
    });
    expect(rows).toEqual([
      { prefix_hash: 'p1', request_hash: 'r1' },
      { prefix_hash: 'p1', request_hash: '' },
    ]);
  });

  it('keeps the calls of each project apart in the rollup, also once its parts are merged', async () => {
    const tenant = 'projects';
    // Same minute and attribution but the project: separate inserts make separate parts, which
    // OPTIMIZE merges. Were the project not in the rollup's sorting key, the merge would sum the
    // three into one row.
    await insertLlmCalls(t.store, [call({ tenant, project: 'checkout', totalCost: '0.25' })]);
    await insertLlmCalls(t.store, [
      call({ tenant, project: 'search', totalCost: '0.125' }),
      call({ tenant, project: 'search', startTime: T0 + 1n, totalCost: '0.5' }),
    ]);
    await insertLlmCalls(t.store, [call({ tenant, totalCost: '1' })]);
    await runCommand(t.store, 'OPTIMIZE TABLE llm_usage_1m FINAL');
    const rollup = await queryRows(t.store, {
      query: `SELECT project, calls, toString(total_cost) AS cost FROM llm_usage_1m
        WHERE tenant = {tenant: String} ORDER BY project`,
      params: { tenant },
      schema: z.object({ project: z.string(), calls: z.coerce.number(), cost: z.string() }),
    });
    expect(rollup).toEqual([
      { project: '', calls: 1, cost: '1' },
      { project: 'checkout', calls: 1, cost: '0.25' },
      { project: 'search', calls: 2, cost: '0.625' },
    ]);
    const stored = await queryRows(t.store, {
      query: `SELECT project FROM llm_calls FINAL WHERE tenant = {tenant: String} ORDER BY project`,
      params: { tenant },
      schema: z.object({ project: z.string() }),
    });
    expect(stored.map((r) => r.project)).toEqual(['', 'checkout', 'search', 'search']);
  });

  it('rejects invalid calls before writing anything', async () => {
    await expect(
      insertLlmCalls(t.store, [
        call({ tenant: 'invalid' }),
        call({ tenant: 'invalid', inputTokens: -1 }),
      ]),
    ).rejects.toThrow();
    expect((await callTotals(t, 'invalid')).calls).toBe(0);
  });

  it("deletes the row versions a reprice superseded, keeping each call's latest", async () => {
    const tenant = 'versions';
    const first = call({ tenant, totalCost: '2' });
    const other = call({ tenant, totalCost: '5' });
    await insertLlmCalls(t.store, [first, other]);
    // A reprice's new version of the first call (revision 1), as reprice inserts it.
    await runCommand(
      t.store,
      `INSERT INTO llm_calls (tenant, start_time, trace_id, span_id, revision, total_cost)
       SELECT tenant, start_time, trace_id, span_id, 1, toDecimal64('0.4', 12) FROM llm_calls
       WHERE tenant = {tenant: String} AND span_id = {span: String}`,
      { tenant, span: first.spanId },
    );
    const visible = () =>
      queryRows(t.store, {
        query: `SELECT span_id, revision, toString(total_cost) AS cost FROM llm_calls
          WHERE tenant = {tenant: String} ORDER BY span_id, revision`,
        params: { tenant },
        schema: z.object({ span_id: z.string(), revision: z.coerce.number(), cost: z.string() }),
      });
    expect(await visible()).toHaveLength(3);
    await dropSupersededRevisions(t.store, { since: new Date('2020-01-01'), tenant: 'else' });
    expect(await visible()).toHaveLength(3);
    await dropSupersededRevisions(t.store, { since: new Date('2020-01-01'), tenant });
    expect(await visible()).toEqual([
      { span_id: first.spanId, revision: 1, cost: '0.4' },
      { span_id: other.spanId, revision: 0, cost: '5' },
    ]);
  });
});
