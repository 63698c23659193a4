import { createHash } from 'node:crypto';
import type { Pricer } from '@tokenwatch/pricing';
import { Decimal } from '@tokenwatch/pricing';
import { STORED_DIMENSIONS } from '@tokenwatch/schema';
import {
  COST_COLUMNS,
  dateTime64ToNs,
  dropSupersededRevisions,
  insertRows,
  queryRows,
  type Store,
  TABLES,
} from '@tokenwatch/store';
import { z } from 'zod';

/** What a reprice changed (or would change), per model. */
export type RepriceSummary = {
  model: string;
  calls: number;
  oldCost: string;
  newCost: string;
  delta: string;
};

type CostColumn = (typeof COST_COLUMNS)[number];

const Row = z
  .object({
    tenant: z.string(),
    start_time: z.string(),
    provider: z.string(),
    request_model: z.string(),
    response_model: z.string(),
    input_tokens: z.coerce.number(),
    cache_read_tokens: z.coerce.number(),
    cache_write_tokens: z.coerce.number(),
    cache_write_1h_tokens: z.coerce.number(),
    output_tokens: z.coerce.number(),
    reasoning_tokens: z.coerce.number(),
    usage_missing: z.coerce.boolean(),
    price_source: z.string(),
    price_version: z.string(),
    revision: z.coerce.number(),
    input_cost: z.string().nullable(),
    cache_read_cost: z.string().nullable(),
    cache_write_cost: z.string().nullable(),
    output_cost: z.string().nullable(),
    total_cost: z.string().nullable(),
  })
  .loose();
type Row = z.infer<typeof Row>;

// Rollup key columns, as the rollup view computes them from a call: the tenant and every rollup
// dimension with a column of its own (model, computed, is added apart).
const ROLLUP_KEYS = [
  'tenant',
  ...STORED_DIMENSIONS.filter((d) => d.rollup).map((d) => d.column),
] as const;

/** A cost column as exact units (NULL counts as 0 in sums; nullness is compared apart). */
const units = (value: string | null): bigint => (value === null ? 0n : Decimal.from(value).units);
const decimal = (value: bigint): string => Decimal.fromUnits(value).format();

/**
 * Recomputes the cost of stored calls since `since` with the current prices (bundled data and
 * overrides). Calls whose cost changes get a new row version (higher `revision`), the old version
 * is deleted (reads of llm_calls go without FINAL) and the per-minute rollup gets the difference,
 * so both stay exact.
 * Calls priced from a cost the emitter reported, calls without usage and calls no current price
 * covers are left alone.
 * Running it again changes nothing; a run cut short is finished by the next one (both inserts
 * carry a token derived from the change itself).
 */
export async function reprice(
  store: Store,
  pricer: Pricer,
  options: { since: Date; tenant?: string; dryRun?: boolean },
): Promise<RepriceSummary[]> {
  const rows = await queryRows(store, {
    query: `SELECT * EXCEPT (ingested_at, ${COST_COLUMNS.join(', ')}), ${COST_COLUMNS.map((c) => `toString(${c}) AS ${c}`).join(', ')}
      FROM ${TABLES.llmCalls} FINAL
      WHERE start_time >= {since: DateTime64(3, 'UTC')}
        AND ({tenant: String} = '' OR tenant = {tenant: String})
        AND NOT usage_missing AND price_source != 'reported'
      ORDER BY tenant, start_time, trace_id, span_id`,
    params: {
      since: options.since.toISOString().replace('T', ' ').replace('Z', ''),
      tenant: options.tenant ?? '',
    },
    schema: Row,
  });

  const changed: Change[] = [];
  for (const row of rows) {
    const result = pricer.price({
      provider: row.provider,
      requestModel: row.request_model,
      responseModel: row.response_model,
      startTimeNs: dateTime64ToNs(row.start_time),
      inputTokens: row.input_tokens,
      cacheReadTokens: row.cache_read_tokens,
      cacheWriteTokens: row.cache_write_tokens,
      cacheWrite1hTokens: row.cache_write_1h_tokens,
      outputTokens: row.output_tokens,
      reasoningTokens: row.reasoning_tokens,
    });
    // A price that is no longer known keeps the cost stored: repricing never erases money.
    if (!result.priced) continue;
    const next = {
      input_cost: result.inputCost,
      cache_read_cost: result.cacheReadCost,
      cache_write_cost: result.cacheWriteCost,
      output_cost: result.outputCost,
      total_cost: result.totalCost,
      price_source: result.priceSource,
      price_version: result.priceVersion,
    };
    const same = COST_COLUMNS.every(
      (c) => units(row[c]) === units(next[c]) && (row[c] === null) === (next[c] === null),
    );
    if (!same) changed.push({ row, next });
  }

  const byModel = new Map<string, { calls: number; old: bigint; next: bigint }>();
  for (const { row, next } of changed) {
    const model = row.response_model || row.request_model;
    const entry = byModel.get(model) ?? { calls: 0, old: 0n, next: 0n };
    entry.calls++;
    entry.old += units(row.total_cost);
    entry.next += units(next.total_cost);
    byModel.set(model, entry);
  }
  const summary = [...byModel.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([model, e]) => ({
      model,
      calls: e.calls,
      oldCost: decimal(e.old),
      newCost: decimal(e.next),
      delta: decimal(e.next - e.old),
    }));
  if (options.dryRun) return summary;
  if (changed.length > 0) await storeChanges(store, changed);
  // Also when nothing changed: a run cut short after its inserts left the old versions visible.
  await dropSupersededRevisions(store, { since: options.since, tenant: options.tenant });
  return summary;
}

type Change = {
  row: Row;
  next: Record<CostColumn, string | null> & { price_source: string; price_version: string };
};

/** Inserts the rollup's differences and the calls' new versions, under tokens of the change. */
async function storeChanges(store: Store, changed: readonly Change[]): Promise<void> {
  const token = createHash('sha256')
    .update(
      JSON.stringify(
        changed.map(({ row, next }) => [
          row.tenant,
          row.trace_id,
          row.span_id,
          row.revision,
          next.total_cost,
        ]),
      ),
    )
    .digest('hex')
    .slice(0, 32);
  // The rollup first: if the run dies after it, the next run finds the same changes, makes the
  // same token, and the rollup insert is dropped as a duplicate while llm_calls gets its rows.
  const deltas = new Map<string, Record<string, unknown>>();
  for (const { row, next } of changed) {
    const minute = `${row.start_time.slice(0, 16)}:00`;
    const model = row.response_model || row.request_model;
    const key = JSON.stringify([minute, model, ...ROLLUP_KEYS.map((k) => row[k])]);
    const delta = deltas.get(key) ?? {
      minute,
      model,
      ...Object.fromEntries(ROLLUP_KEYS.map((k) => [k, row[k]])),
      ...Object.fromEntries(COST_COLUMNS.map((c) => [c, 0n])),
    };
    for (const c of COST_COLUMNS) delta[c] = (delta[c] as bigint) + units(next[c]) - units(row[c]);
    deltas.set(key, delta);
  }
  await insertRows(
    store,
    TABLES.usage1m,
    [...deltas.values()].map((d) => ({
      ...d,
      ...Object.fromEntries(COST_COLUMNS.map((c) => [c, decimal(d[c] as bigint)])),
    })),
    { insert_deduplication_token: `reprice-rollup-${token}` },
  );
  await insertRows(
    store,
    TABLES.llmCalls,
    changed.map(({ row, next }) => ({ ...row, ...next, revision: row.revision + 1 })),
    { insert_deduplication_token: `reprice-calls-${token}` },
  );
}
