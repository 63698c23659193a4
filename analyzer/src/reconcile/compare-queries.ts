/**
 * The two reads of the reconcile report: the stored export lines and the observed calls per hour.
 *
 * @module
 */
import { Decimal } from '@tokenwatch/pricing';
import { queryRows, type Store, TABLES } from '@tokenwatch/store';
import { z } from 'zod';
import { TOKEN_KINDS, type TokenKind } from './lines.ts';

/** A stored export line as the report reads it. */
export type BilledLine = {
  provider: string;
  bucketStart: number;
  bucketWidth: '1m' | '1h' | '1d';
  lineKind: string;
  model: string;
  project: string;
  apiKey: string;
  serviceTier: string;
  batch: string;
  costKind: TokenKind | '';
  tokens: Record<TokenKind, number>;
  requests: number;
  costUsd: Decimal;
};

const LineRow = z.object({
  provider: z.string(),
  bucket_start: z.coerce.number(),
  bucket_width: z.enum(['1m', '1h', '1d']),
  line_kind: z.string(),
  model: z.string(),
  project: z.string(),
  api_key: z.string(),
  service_tier: z.string(),
  batch: z.string(),
  line_item: z.string(),
  uncached_input_tokens: z.coerce.number(),
  cache_read_tokens: z.coerce.number(),
  cache_write_5m_tokens: z.coerce.number(),
  cache_write_1h_tokens: z.coerce.number(),
  output_tokens: z.coerce.number(),
  requests: z.coerce.number(),
  cost_usd: z.string(),
});

/** The import writes `<kind>|<item>` for cost lines whose token kind it knows. */
function costKindOf(lineItem: string): TokenKind | '' {
  const prefix = lineItem.split('|', 1)[0] ?? '';
  return (TOKEN_KINDS as readonly string[]).includes(prefix) ? (prefix as TokenKind) : '';
}

/**
 * Export lines of a tenant whose bucket starts in `[from, to)` (epoch seconds). Of each bucket,
 * only its newest import counts (usage and cost apart): an import grouped differently (a file by
 * model, a fetch by model and key) describes the same tokens, so the two must not add up.
 */
export async function readBilledLines(
  store: Store,
  tenant: string,
  from: number,
  to: number,
): Promise<BilledLine[]> {
  const rows = await queryRows(store, {
    query: `SELECT provider, toUnixTimestamp(bucket_start) AS bucket_start, bucket_width, line_kind,
        model, project, api_key, service_tier, batch, line_item, uncached_input_tokens,
        cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, requests,
        toString(cost_usd) AS cost_usd
      FROM (
        SELECT *, max(imported_at) OVER (
            PARTITION BY provider, bucket_start, bucket_width, line_kind = 'cost'
          ) AS newest
        FROM ${TABLES.providerUsage} FINAL
        WHERE tenant = {tenant: String}
          AND bucket_start >= toDateTime({from: UInt32}, 'UTC')
          AND bucket_start < toDateTime({to: UInt32}, 'UTC')
      )
      WHERE imported_at = newest`,
    params: { tenant, from, to },
    schema: LineRow,
  });
  return rows.map((r) => ({
    provider: r.provider,
    bucketStart: r.bucket_start,
    bucketWidth: r.bucket_width,
    lineKind: r.line_kind,
    model: r.model,
    project: r.project,
    apiKey: r.api_key,
    serviceTier: r.service_tier,
    batch: r.batch,
    costKind: r.line_kind === 'cost' ? costKindOf(r.line_item) : '',
    tokens: {
      uncached_input: r.uncached_input_tokens,
      cache_read: r.cache_read_tokens,
      cache_write_5m: r.cache_write_5m_tokens,
      cache_write_1h: r.cache_write_1h_tokens,
      output: r.output_tokens,
    },
    requests: r.requests,
    costUsd: Decimal.from(r.cost_usd),
  }));
}

/** Observed calls of one provider, model and project in one UTC hour. */
export type ObservedHour = {
  provider: string;
  hour: number;
  model: string;
  project: string;
  uncachedInput: number;
  cacheRead: number;
  cacheWrite: number;
  output: number;
  calls: number;
  usageMissingCalls: number;
  /** Tokenwatch's computed cost (unpriced calls count 0). */
  cost: Decimal;
};

const HourRow = z.object({
  provider: z.string(),
  hour: z.coerce.number(),
  model: z.string(),
  project: z.string(),
  input_tokens: z.coerce.number(),
  cache_read_tokens: z.coerce.number(),
  cache_write_tokens: z.coerce.number(),
  output_tokens: z.coerce.number(),
  calls: z.coerce.number(),
  usage_missing: z.coerce.number(),
  cost: z.string(),
});

/**
 * Observed calls per UTC hour, from `llm_calls` (exact raw rows; the rollup has no
 * usage-missing count). Hours, not the configured time zone's days, so they line up with the
 * providers' UTC buckets.
 */
export async function readObservedHours(
  store: Store,
  tenant: string,
  from: number,
  to: number,
  providers: string[],
): Promise<ObservedHour[]> {
  const rows = await queryRows(store, {
    query: `SELECT provider, toUnixTimestamp(toStartOfHour(start_time, 'UTC')) AS hour, model, project,
        sum(input_tokens) AS input_tokens, sum(cache_read_tokens) AS cache_read_tokens,
        sum(cache_write_tokens) AS cache_write_tokens, sum(output_tokens) AS output_tokens,
        count() AS calls, countIf(usage_missing) AS usage_missing,
        toString(sum(ifNull(total_cost, toDecimal128(0, 12)))) AS cost
      FROM ${TABLES.llmCalls}
      WHERE tenant = {tenant: String}
        AND start_time >= toDateTime64({from: UInt32}, 9, 'UTC')
        AND start_time < toDateTime64({to: UInt32}, 9, 'UTC')
        AND provider IN {providers: Array(String)}
      GROUP BY provider, hour, model, project`,
    params: { tenant, from, to, providers },
    schema: HourRow,
  });
  return rows.map((r) => ({
    provider: r.provider,
    hour: r.hour,
    model: r.model,
    project: r.project,
    uncachedInput: r.input_tokens,
    cacheRead: r.cache_read_tokens,
    cacheWrite: r.cache_write_tokens,
    output: r.output_tokens,
    calls: r.calls,
    usageMissingCalls: r.usage_missing,
    cost: Decimal.from(r.cost),
  }));
}
