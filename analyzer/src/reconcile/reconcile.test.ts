import { AlertsSchema } from '@tokenwatch/config';
import { createPricer } from '@tokenwatch/pricing';
import { insertLlmCalls } from '@tokenwatch/store';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCall } from '../../test/support/test-calls.ts';
import { analyticsCandidates } from '../alerts/analytics-signals.ts';
import { buildWeeklyReport } from '../reports/build.ts';
import { renderMarkdown } from '../reports/render-markdown.ts';
import { getReconcileReport } from './compare.ts';
import { importProviderExport } from './import.ts';

// Claude Sonnet 4 at the provider: $3 input, $0.30 cache read, $3.75 5-minute and $6 1-hour cache
// writes, $15 output per million tokens; Batch at half price.
const SONNET = 'claude-sonnet-4-20250514';
const tenant = 'acme';
const at = (iso: string) => Date.parse(iso);
let t: TestStore;

const usagePage = {
  has_more: false,
  next_page: null,
  data: [
    {
      starting_at: '2026-11-30T23:00:00Z',
      ending_at: '2026-12-01T00:00:00Z',
      results: [
        {
          uncached_input_tokens: 1000,
          cache_read_input_tokens: 0,
          cache_creation: { ephemeral_5m_input_tokens: 200, ephemeral_1h_input_tokens: 0 },
          output_tokens: 100,
          model: SONNET,
          service_tier: 'standard',
          workspace_id: null,
          api_key_id: 'apikey_01',
        },
      ],
    },
    {
      starting_at: '2026-12-01T00:00:00Z',
      ending_at: '2026-12-01T01:00:00Z',
      results: [
        {
          uncached_input_tokens: 2000,
          cache_read_input_tokens: 1000,
          cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 100 },
          output_tokens: 200,
          model: SONNET,
          service_tier: 'standard',
          workspace_id: null,
          api_key_id: 'apikey_01',
        },
        {
          uncached_input_tokens: 5000,
          output_tokens: 0,
          model: SONNET,
          service_tier: 'batch',
          workspace_id: null,
          api_key_id: 'apikey_01',
        },
      ],
    },
  ],
};

const cost = (amount: string, tokenType: string, tier = 'standard') => ({
  amount,
  currency: 'USD',
  cost_type: 'tokens',
  token_type: tokenType,
  model: SONNET,
  service_tier: tier,
  description: `${SONNET} ${tokenType}`,
  workspace_id: null,
});

// Cents: 1000 × 3 = 0.3¢, 200 × 3.75 = 0.075¢, 100 × 15 = 0.15¢ (per million tokens, in dollars
// 0.003 + 0.00075 + 0.0015 = 0.00525); the next day 2000 × 3 = 0.6¢, 1000 × 0.3 = 0.03¢,
// 100 × 6 = 0.06¢, 200 × 15 = 0.3¢ (0.0099), and the batch 5000 × 1.5 = 0.75¢ (0.0075).
const costPage = {
  has_more: false,
  next_page: null,
  data: [
    {
      starting_at: '2026-11-30T00:00:00Z',
      ending_at: '2026-12-01T00:00:00Z',
      results: [
        cost('0.3', 'uncached_input_tokens'),
        cost('0.075', 'cache_creation.ephemeral_5m_input_tokens'),
        cost('0.15', 'output_tokens'),
      ],
    },
    {
      starting_at: '2026-12-01T00:00:00Z',
      ending_at: '2026-12-02T00:00:00Z',
      results: [
        cost('0.6', 'uncached_input_tokens'),
        cost('0.03', 'cache_read_input_tokens'),
        cost('0.06', 'cache_creation.ephemeral_1h_input_tokens'),
        cost('0.3', 'output_tokens'),
        cost('0.75', 'uncached_input_tokens', 'batch'),
      ],
    },
  ],
};

beforeAll(async () => {
  t = await openTestStore();
  const call = {
    tenant,
    provider: 'anthropic',
    requestModel: 'claude-sonnet-4-0',
    responseModel: SONNET,
  };
  await insertLlmCalls(t.store, [
    // 23:30 UTC is already December 1st in Paris, Tokyo or Kiritimati: it stays on November 30th.
    makeCall({
      ...call,
      at: at('2026-11-30T23:30:00Z'),
      inputTokens: 600,
      cacheWriteTokens: 200,
      outputTokens: 60,
      totalCost: '0.00345',
    }),
    makeCall({ ...call, at: at('2026-11-30T23:40:00Z'), usageMissing: true }),
    // Tokenwatch priced the 1-hour write at the 5-minute price: 2000 × 3 + 1000 × 0.3 + 100 × 3.75
    // + 200 × 15 = 0.009675 against the provider's 0.0099.
    makeCall({
      ...call,
      at: at('2026-12-01T00:30:00Z'),
      inputTokens: 2000,
      cacheReadTokens: 1000,
      cacheWriteTokens: 100,
      outputTokens: 200,
      totalCost: '0.009675',
    }),
    // No export covers this hour: not compared.
    makeCall({ ...call, at: at('2026-12-01T05:00:00Z'), inputTokens: 9, totalCost: '0.000027' }),
  ]);
  await importProviderExport(t.store, {
    tenant,
    provider: 'anthropic',
    json: [usagePage, costPage],
  });
});
afterAll(() => t.cleanup());

const range = {
  tenant,
  from: new Date(at('2026-11-30T12:00:00Z')),
  to: new Date(at('2026-12-02T00:00:00Z')),
};

describe('getReconcileReport', () => {
  it('compares UTC days: unexplained spend, drift, usage-missing calls, batch apart', async () => {
    const report = await getReconcileReport(t.store, { ...range, by: 'day' });
    expect(report.from).toBe('2026-11-30T00:00:00.000Z');
    // Batch lines first: rows sort by provider, tier, then key.
    const [batch, nov30, dec1] = report.rows;
    expect(nov30).toMatchObject({
      key: '2026-11-30',
      tier: 'live',
      billed: { uncached_input: 1000, cache_write_5m: 200, output: 100, costUsd: '0.00525' },
      observed: {
        calls: 2,
        usageMissingCalls: 1,
        costUsd: '0.00345',
        atProviderPricesUsd: '0.00345',
      },
      // 0.00525 − (600 × 3 + 200 × 3.75 + 60 × 15) / 1e6
      unexplainedUsd: '0.0018',
      priceDriftUsd: '0',
      coverage: { tokens: 860 / 1300, requests: null },
    });
    expect(nov30!.coverage.cost).toBeCloseTo(0.00345 / 0.00525, 12);
    expect(dec1).toMatchObject({
      key: '2026-12-01',
      tier: 'live',
      billed: { costUsd: '0.0099' },
      observed: { calls: 1, costUsd: '0.009675', atProviderPricesUsd: '0.0099' },
      unexplainedUsd: '0',
      priceDriftUsd: '-0.000225',
      coverage: { tokens: 1, cost: 1 },
    });
    // The live total: 0.00525 + 0.0099 billed, 0.0018 of it never observed, −0.000225 of drift.
    expect(report.totals.find((r) => r.tier === 'live')).toMatchObject({
      key: 'TOTAL',
      billed: { costUsd: '0.01515' },
      observed: { calls: 3, usageMissingCalls: 1, costUsd: '0.013125' },
      unexplainedUsd: '0.0018',
      priceDriftUsd: '-0.000225',
    });
    expect(batch).toMatchObject({
      key: '2026-12-01',
      tier: 'batch',
      billed: { uncached_input: 5000, costUsd: '0.0075' },
      observed: { calls: 0 },
      unexplainedUsd: '0.0075',
    });
  });

  it("maps the provider's keys and workspaces to Tokenwatch projects", async () => {
    // The calls carry no project: the key's lines stay apart until they are mapped to ''.
    const unmapped = await getReconcileReport(t.store, { ...range, by: 'project' });
    expect(unmapped.rows.filter((r) => r.tier === 'live').map((r) => r.key)).toEqual(['']);
    const other = await getReconcileReport(t.store, {
      ...range,
      by: 'project',
      mapping: { projects: {}, apiKeys: { apikey_01: 'checkout' } },
    });
    // The billed side moves to checkout, the observed calls (no project) stay under ''.
    const live = other.rows.filter((r) => r.tier === 'live');
    expect(live.map((r) => [r.key, r.billed.costUsd, r.observed.calls])).toEqual([
      ['', null, 3],
      ['checkout', '0.01515', 0],
    ]);

    // A tenant whose calls are attributed to checkout: mapped, both sides meet in one row.
    await insertLlmCalls(t.store, [
      makeCall({
        tenant: 'shop',
        provider: 'anthropic',
        responseModel: SONNET,
        project: 'checkout',
        at: at('2026-11-30T23:30:00Z'),
        inputTokens: 600,
        cacheWriteTokens: 200,
        outputTokens: 60,
        totalCost: '0.00345',
      }),
    ]);
    await importProviderExport(t.store, {
      tenant: 'shop',
      provider: 'anthropic',
      json: [usagePage, costPage],
    });
    const shop = await getReconcileReport(t.store, {
      ...range,
      tenant: 'shop',
      by: 'project',
      mapping: { projects: {}, apiKeys: { apikey_01: 'checkout' } },
    });
    expect(shop.rows.filter((r) => r.tier === 'live')).toMatchObject([
      { key: 'checkout', billed: { costUsd: '0.01515' }, observed: { calls: 1 } },
    ]);
  });

  it('stores a bucket once however often it is imported', async () => {
    const before = await getReconcileReport(t.store, { ...range, by: 'model' });
    await importProviderExport(t.store, {
      tenant,
      provider: 'anthropic',
      json: [usagePage, costPage],
    });
    await importProviderExport(t.store, { tenant, provider: 'anthropic', json: usagePage });
    expect(await getReconcileReport(t.store, { ...range, by: 'model' })).toEqual(before);
    expect(before.rows.find((r) => r.tier === 'live')).toMatchObject({
      key: SONNET,
      billed: { costUsd: '0.01515' },
      unexplainedUsd: '0.0018',
    });
  });

  it('alerts when a provider bill is observed less than the coverage_drop rule wants', async () => {
    const rule = (minCoverage: number) => {
      const parsed = AlertsSchema.parse({
        rules: [
          {
            name: 'unobserved_spend',
            kind: 'coverage_drop',
            severity: 'ticket',
            window: '2d',
            min_coverage: minCoverage,
            min_billed_usd: 0.01,
          },
        ],
      }).rules?.[0];
      if (parsed?.kind !== 'coverage_drop') throw new Error('parsed as another kind');
      return parsed;
    };
    const ctx = {
      store: t.store,
      tenant,
      now: new Date(at('2026-12-02T00:00:00Z')),
      pricer: undefined,
      anomalies: { ok: true as const, value: [] },
    };
    // (0.00345 + 0.0099) / 0.01515 = 88.1% of the live bill observed; the batch line is apart.
    const [alert, ...rest] = await analyticsCandidates(rule(0.95), ctx);
    expect(rest).toEqual([]);
    expect(alert).toMatchObject({
      labels: { provider: 'anthropic', entity: 'provider:anthropic' },
      values: { billed_usd: '0.01515', unexplained_usd: '0.0018', min_coverage_pct: '95' },
    });
    expect(await analyticsCandidates(rule(0.8), ctx)).toEqual([]);
  });

  it("shows each provider's bill against what was observed in the weekly report", async () => {
    const report = await buildWeeklyReport(t.store, {
      tenant,
      from: new Date(at('2026-11-30T00:00:00Z')),
      to: new Date(at('2026-12-07T00:00:00Z')),
      timezone: 'UTC',
      pricer: createPricer(),
      now: new Date(at('2026-12-07T00:00:00Z')),
    });
    expect(report.providerCoverage).toEqual([
      {
        provider: 'anthropic',
        billedUsd: '0.01515',
        observedShare: expect.closeTo(0.01335 / 0.01515, 12),
        unexplainedUsd: '0.0018',
        priceDriftUsd: '-0.000225',
      },
    ]);
    const markdown = renderMarkdown(report);
    expect(markdown).toContain('## Provider bills');
    expect(markdown).toContain('| anthropic | $0.02 | 88.1% | $0.0018 | -$0.00022 |');
  });
});
