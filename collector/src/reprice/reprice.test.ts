import { createPricer } from '@tokenwatch/pricing';
import { type LlmCallInput, PriceOverridesSchema } from '@tokenwatch/schema';
import { insertLlmCalls, queryRows } from '@tokenwatch/store';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { reprice } from './reprice.ts';

const now = BigInt(Date.now()) * 1_000_000n;
let n = 0;
const call = (overrides: Partial<LlmCallInput>): LlmCallInput => ({
  tenant: 'acme',
  startTime: now - BigInt(++n) * 1_000_000_000n,
  traceId: 'f'.repeat(32),
  spanId: n.toString(16).padStart(16, '0'),
  provider: 'acme-hosting',
  requestModel: 'house-llama',
  inputTokens: 1_000_000,
  outputTokens: 500_000,
  agent: 'planner',
  ...overrides,
});

const Totals = z.object({ calls: z.string(), cost: z.string(), rollup: z.string() });

async function totals(t: TestStore) {
  const [row] = await queryRows(t.store, {
    // Without FINAL, as every reader does: each call must have one visible row version.
    query: `SELECT toString((SELECT count() FROM llm_calls WHERE tenant = 'acme')) AS calls,
      toString((SELECT ifNull(sum(total_cost), 0) FROM llm_calls WHERE tenant = 'acme')) AS cost,
      toString((SELECT sum(total_cost) FROM llm_usage_1m WHERE tenant = 'acme')) AS rollup`,
    schema: Totals,
  });
  return row!;
}

describe('reprice', () => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore();
    // Stored while the model had no price, and one call at an old negotiated price.
    await insertLlmCalls(t.store, [
      call({}),
      call({ project: 'search' }),
      call({
        project: 'checkout',
        requestModel: 'house-mistral',
        inputCost: '1',
        outputCost: '1',
        totalCost: '2',
        priceSource: 'override',
      }),
      call({ requestModel: 'house-mistral', totalCost: '9', priceSource: 'reported' }),
    ]);
  });
  afterAll(() => t.cleanup());

  const since = new Date(Date.now() - 3_600_000);
  const pricer = createPricer({
    overrides: PriceOverridesSchema.parse([
      { model: 'house-llama', input: '0.6', output: '0.8' },
      { model: 'house-mistral', input: '0.2', output: '0.4' },
    ]),
  });

  it('reports what would change without writing in a dry run', async () => {
    const summary = await reprice(t.store, pricer, { since, dryRun: true });
    // house-llama: 1M in × $0.60 + 0.5M out × $0.80 = 0.6 + 0.4 = $1.00 per call, from unpriced.
    // house-mistral: $0.20 + $0.20 = $0.40, was $2.00; the reported $9 call is left alone.
    expect(summary).toEqual([
      { model: 'house-llama', calls: 2, oldCost: '0', newCost: '2', delta: '2' },
      { model: 'house-mistral', calls: 1, oldCost: '2', newCost: '0.4', delta: '-1.6' },
    ]);
    expect(await totals(t)).toEqual({ calls: '4', cost: '11', rollup: '11' });
  });

  it('rewrites the calls and the rollup, and a second run changes nothing', async () => {
    await reprice(t.store, pricer, { since });
    expect(await totals(t)).toEqual({ calls: '4', cost: '11.4', rollup: '11.4' });
    expect(await reprice(t.store, pricer, { since })).toEqual([]);
    expect(await totals(t)).toEqual({ calls: '4', cost: '11.4', rollup: '11.4' });
  });

  it('corrects the rollup row of each call’s own project', async () => {
    const byProject = (from: string, sum: string) =>
      queryRows(t.store, {
        query: `SELECT project, toString(${sum}) AS cost FROM ${from}
          WHERE tenant = 'acme' GROUP BY project ORDER BY project`,
        schema: z.object({ project: z.string(), cost: z.string() }),
      });
    // '': a llama call ($1) and the reported mistral call ($9); search: a llama call ($1);
    // checkout: the mistral call repriced from $2 to $0.40.
    const expected = [
      { project: '', cost: '10' },
      { project: 'checkout', cost: '0.4' },
      { project: 'search', cost: '1' },
    ];
    expect(await byProject('llm_calls', 'ifNull(sum(total_cost), 0)')).toEqual(expected);
    expect(await byProject('llm_usage_1m', 'sum(total_cost)')).toEqual(expected);
  });
});
