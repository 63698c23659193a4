import { Decimal } from '@tokenwatch/pricing';
import { queryRows, type Store, TABLES } from '@tokenwatch/store';
import { z } from 'zod';
import { chTime, type TimeRange } from '../analytics/time-range.ts';
import { toCsv } from './csv.ts';

/** FOCUS 1.2 columns emitted, in order, then the `x_` custom columns (which must come last). */
export const FOCUS_COLUMNS = [
  'BilledCost',
  'EffectiveCost',
  'ListCost',
  'ContractedCost',
  'BillingCurrency',
  'BillingAccountId',
  'BillingPeriodStart',
  'BillingPeriodEnd',
  'ChargePeriodStart',
  'ChargePeriodEnd',
  'ChargeCategory',
  'ChargeFrequency',
  'ChargeDescription',
  'ServiceName',
  'ServiceCategory',
  'ServiceSubcategory',
  'ProviderName',
  'PublisherName',
  'InvoiceIssuerName',
  'RegionId',
  'SkuId',
  'SkuPriceId',
  'ConsumedQuantity',
  'ConsumedUnit',
  'PricingQuantity',
  'PricingUnit',
  'Tags',
  'x_Tenant',
  'x_Team',
  'x_Agent',
  'x_Feature',
  'x_Model',
  'x_Component',
] as const;

/** One FOCUS-aligned row. */
export type FocusRow = Record<(typeof FOCUS_COLUMNS)[number], string>;

const Row = z.object({
  day: z.string(),
  provider: z.string(),
  model: z.string(),
  team: z.string(),
  agent: z.string(),
  feature: z.string(),
  input_tokens: z.coerce.number(),
  cache_read_tokens: z.coerce.number(),
  cache_write_tokens: z.coerce.number(),
  output_tokens: z.coerce.number(),
  input_cost: z.string(),
  cache_read_cost: z.string(),
  cache_write_cost: z.string(),
  output_cost: z.string(),
  total_cost: z.string(),
});

const DAY_MS = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * FOCUS-aligned rows for `[from, to)`: one per UTC day × model × team/agent/feature × price
 * component (input, cached input, cache write, output), so ConsumedQuantity × unit price equals
 * the cost. Costs come from price tables, not invoices, hence "aligned" and showback only.
 * A cost the emitter reported without component costs lands in an `other` row, so the rows
 * always add up to the report total.
 */
export async function getFocusRows(
  store: Store,
  params: { tenant: string; range: TimeRange },
): Promise<FocusRow[]> {
  const rows = await queryRows(store, {
    query: `SELECT toString(toDate(start_time)) AS day, provider, model, team, agent, feature,
        sum(input_tokens) AS input_tokens, sum(cache_read_tokens) AS cache_read_tokens,
        sum(cache_write_tokens) AS cache_write_tokens, sum(output_tokens) AS output_tokens,
        toString(sum(ifNull(input_cost, 0))) AS input_cost,
        toString(sum(ifNull(cache_read_cost, 0))) AS cache_read_cost,
        toString(sum(ifNull(cache_write_cost, 0))) AS cache_write_cost,
        toString(sum(ifNull(output_cost, 0))) AS output_cost,
        toString(sum(ifNull(total_cost, 0))) AS total_cost
      FROM ${TABLES.llmCalls}
      WHERE tenant = {tenant: String} AND start_time >= {from: DateTime64(3, 'UTC')} AND start_time < {to: DateTime64(3, 'UTC')}
      GROUP BY day, provider, model, team, agent, feature
      ORDER BY day, provider, model, team, agent, feature`,
    params: { tenant: params.tenant, from: chTime(params.range.from), to: chTime(params.range.to) },
    schema: Row,
    settings: { max_execution_time: 60 },
  });
  const from = params.range.from.getTime();
  const to = params.range.to.getTime();
  const out: FocusRow[] = [];
  for (const r of rows) {
    const dayStart = Date.parse(`${r.day}T00:00:00Z`);
    const components: [string, string, number, string][] = [
      ['input', 'Input tokens', r.input_tokens, r.input_cost],
      ['cache_read', 'Cached input tokens', r.cache_read_tokens, r.cache_read_cost],
      ['cache_write', 'Cache write tokens', r.cache_write_tokens, r.cache_write_cost],
      ['output', 'Output tokens', r.output_tokens, r.output_cost],
    ];
    let allocated = Decimal.ZERO;
    for (const [, , , cost] of components) allocated = allocated.plus(Decimal.from(cost));
    const rest = Decimal.from(r.total_cost).minus(allocated);
    if (!rest.isZero())
      components.push(['other', 'Reported cost without components', 0, rest.format()]);
    for (const [component, description, tokens, cost] of components) {
      if (tokens === 0 && Decimal.from(cost).isZero()) continue;
      const sku = `${r.provider}/${r.model}`;
      out.push({
        BilledCost: cost,
        EffectiveCost: cost,
        ListCost: cost,
        ContractedCost: cost,
        BillingCurrency: 'USD',
        BillingAccountId: params.tenant,
        BillingPeriodStart: iso(from),
        BillingPeriodEnd: iso(to),
        ChargePeriodStart: iso(Math.max(dayStart, from)),
        ChargePeriodEnd: iso(Math.min(dayStart + DAY_MS, to)),
        ChargeCategory: 'Usage',
        ChargeFrequency: 'Usage-Based',
        ChargeDescription: `${description} of ${r.model}`,
        ServiceName: r.provider,
        ServiceCategory: 'AI and Machine Learning',
        ServiceSubcategory: 'Generative AI',
        ProviderName: r.provider,
        PublisherName: r.provider,
        InvoiceIssuerName: r.provider,
        RegionId: '',
        SkuId: sku,
        SkuPriceId: `${sku}/${component}`,
        ConsumedQuantity: String(tokens),
        ConsumedUnit: 'Tokens',
        PricingQuantity: Decimal.from(tokens).dividedBy(Decimal.from(1_000_000)).format(),
        PricingUnit: '1000000 Tokens',
        Tags: JSON.stringify({ team: r.team, agent: r.agent, feature: r.feature }),
        x_Tenant: params.tenant,
        x_Team: r.team,
        x_Agent: r.agent,
        x_Feature: r.feature,
        x_Model: r.model,
        x_Component: component,
      });
    }
  }
  return out;
}

/** FOCUS rows as CSV with the header row. */
export function renderFocusCsv(rows: readonly FocusRow[]): string {
  return toCsv(
    FOCUS_COLUMNS,
    rows.map((r) => FOCUS_COLUMNS.map((c) => r[c])),
  );
}
