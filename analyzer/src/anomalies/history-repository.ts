/**
 * @module
 * Anomaly occurrences (`anomaly_history`, migration 0018) and the spend of entities over them.
 */
import type { ScopeField } from '@tokenwatch/config';
import { Decimal } from '@tokenwatch/pricing';
import { insertRows, queryRows, type Store, TABLES } from '@tokenwatch/store';
import { z } from 'zod';
import { toChDateTime64ms } from '../shared/duration.ts';
import { TOKENS_SQL } from '../shared/scope.ts';
import { ANOMALY_QUERY_SETTINGS, entityTuplesSql } from './current-repository.ts';
import type { AnomalyMetric } from './types.ts';

/**
 * Table names of this module. The store's `TABLES` map is the canonical home for table names;
 * this entry belongs there once the store package takes it.
 */
export const ANOMALY_TABLES = { anomalyHistory: 'anomaly_history' } as const;

/** One burn-rate anomaly of one entity, from the evaluation that flagged it to the last that saw it. */
export type AnomalyOccurrence = {
  tenant: string;
  entity: { kind: ScopeField; value: string };
  /** The evaluation that first flagged it. */
  startedAt: Date;
  /** The last evaluation that still saw it (now, while it lasts). */
  endedAt: Date;
  /** Still open: it may yet be seen again. */
  ongoing: boolean;
  /** Metric and long-window ratio at the peak, and the baseline (per minute) they were against. */
  metric: AnomalyMetric;
  peakRatio: number;
  peakAt: Date;
  baseline: number;
  /**
   * The entity's spend from the start of the long window that first flagged it to `endedAt`:
   * exact USD decimal string, calls and tokens.
   */
  costUsd: string;
  calls: number;
  tokens: number;
  /** Model with the most tokens in the long window at the peak. */
  topModel: string;
  /** Store row version (ReplacingMergeTree). */
  version: number;
};

const Row = z.object({
  tenant: z.string(),
  entity_kind: z.string(),
  entity_value: z.string(),
  started_at_ms: z.coerce.number(),
  ended_at_ms: z.coerce.number(),
  open: z.coerce.number(),
  metric: z.enum(['tokens', 'usd', 'calls']),
  peak_ratio: z.coerce.number(),
  peak_at_ms: z.coerce.number(),
  baseline: z.coerce.number(),
  cost_usd: z.string(),
  calls: z.coerce.number(),
  tokens: z.coerce.number(),
  top_model: z.string(),
  version: z.coerce.number(),
});

const COLUMNS = `tenant, entity_kind, entity_value,
  toUnixTimestamp64Milli(started_at) AS started_at_ms,
  toUnixTimestamp64Milli(ended_at) AS ended_at_ms, open, metric, peak_ratio,
  toUnixTimestamp64Milli(peak_at) AS peak_at_ms, baseline, toString(cost_usd) AS cost_usd,
  calls, tokens, top_model, version`;

function fromRow(r: z.infer<typeof Row>): AnomalyOccurrence {
  return {
    tenant: r.tenant,
    entity: { kind: r.entity_kind as ScopeField, value: r.entity_value },
    startedAt: new Date(r.started_at_ms),
    endedAt: new Date(r.ended_at_ms),
    ongoing: r.open === 1,
    metric: r.metric,
    peakRatio: r.peak_ratio,
    peakAt: new Date(r.peak_at_ms),
    baseline: r.baseline,
    costUsd: Decimal.from(r.cost_usd).format(),
    calls: r.calls,
    tokens: r.tokens,
    topModel: r.top_model,
    version: r.version,
  };
}

/** Writes new versions of occurrences (the highest version wins under FINAL). */
export async function saveAnomalyOccurrences(
  store: Store,
  occurrences: readonly AnomalyOccurrence[],
): Promise<void> {
  if (occurrences.length === 0) return;
  await insertRows(
    store,
    ANOMALY_TABLES.anomalyHistory,
    occurrences.map((o) => ({
      tenant: o.tenant,
      entity_kind: o.entity.kind,
      entity_value: o.entity.value,
      started_at: toChDateTime64ms(o.startedAt.getTime()),
      ended_at: toChDateTime64ms(o.endedAt.getTime()),
      open: o.ongoing ? 1 : 0,
      metric: o.metric,
      peak_ratio: o.peakRatio,
      peak_at: toChDateTime64ms(o.peakAt.getTime()),
      baseline: o.baseline,
      cost_usd: o.costUsd,
      calls: o.calls,
      tokens: o.tokens,
      top_model: o.topModel,
      version: o.version,
    })),
  );
}

/** Occurrences of a tenant still open (a restarted engine carries them on). */
export async function loadOpenAnomalies(
  store: Store,
  tenant: string,
): Promise<AnomalyOccurrence[]> {
  const rows = await queryRows(store, {
    query: `SELECT ${COLUMNS} FROM ${ANOMALY_TABLES.anomalyHistory} FINAL
      WHERE tenant = {tenant: String} AND open = 1`,
    params: { tenant },
    settings: ANOMALY_QUERY_SETTINGS,
    schema: Row,
  });
  return rows.map(fromRow);
}

/**
 * Occurrences of a tenant's anomalies that were going on at some time in `[from, to)`, oldest
 * first: started before `to` and last seen at or after `from` (or still open).
 *
 * @example
 * const today = await listAnomalyHistory(store, { tenant: 'acme', from: dayStart, to: new Date() });
 */
export async function listAnomalyHistory(
  store: Store,
  params: { tenant: string; from: Date; to: Date },
): Promise<AnomalyOccurrence[]> {
  const rows = await queryRows(store, {
    query: `SELECT ${COLUMNS} FROM ${ANOMALY_TABLES.anomalyHistory} FINAL
      WHERE tenant = {tenant: String}
        AND started_at < {to: DateTime64(3, 'UTC')}
        AND (ended_at >= {from: DateTime64(3, 'UTC')} OR open = 1)
      ORDER BY started_at, entity_kind, entity_value`,
    params: {
      tenant: params.tenant,
      from: toChDateTime64ms(params.from.getTime()),
      to: toChDateTime64ms(params.to.getTime()),
    },
    settings: ANOMALY_QUERY_SETTINGS,
    schema: Row,
  });
  return rows.map(fromRow);
}

/** An entity and the start (epoch ms, exclusive) of the span its spend is summed over. */
export type SpendSince = { kind: ScopeField; value: string; fromMs: number };

/** What an entity spent: exact USD decimal string, calls and tokens. */
export type EntitySpend = { costUsd: string; calls: number; tokens: number };

const SpendRow = z.object({
  kind: z.string(),
  value: z.string(),
  cost: z.string(),
  calls: z.coerce.number(),
  tokens: z.coerce.number(),
});

/** Key of an entity in the map {@link getEntitySpend} returns. */
export const spendKey = (kind: string, value: string): string => JSON.stringify([kind, value]);

/**
 * Spend of each entity in `(fromMs, toMs]`, its own start each, in one query over `llm_calls`
 * (first deliveries only, as in the rollup) bounded by the tenant and the earliest start.
 */
export async function getEntitySpend(
  store: Store,
  q: { tenant: string; entities: readonly SpendSince[]; toMs: number },
): Promise<Map<string, EntitySpend>> {
  const out = new Map<string, EntitySpend>();
  if (q.entities.length === 0) return out;
  const kinds = [...new Set(q.entities.map((e) => e.kind))];
  const index =
    'arrayFirstIndex((k, v) -> k = e.1 AND v = e.2, {ks: Array(String)}, {vs: Array(String)})';
  const rows = await queryRows(store, {
    query: `SELECT e.1 AS kind, e.2 AS value, toString(sum(ifNull(total_cost, 0))) AS cost,
        count() AS calls, sum(${TOKENS_SQL}) AS tokens
      FROM ${TABLES.llmCalls}
      ARRAY JOIN ${entityTuplesSql(kinds)} AS e
      WHERE tenant = {tenant: String}
        AND start_time > {from: DateTime64(3, 'UTC')}
        AND start_time <= {to: DateTime64(3, 'UTC')}
        AND revision = 0
        AND ${index} > 0
        AND start_time > arrayElement({froms: Array(DateTime64(3, 'UTC'))}, ${index})
      GROUP BY kind, value`,
    params: {
      tenant: q.tenant,
      kinds,
      ks: q.entities.map((e) => e.kind),
      vs: q.entities.map((e) => e.value),
      froms: q.entities.map((e) => toChDateTime64ms(e.fromMs)),
      from: toChDateTime64ms(Math.min(...q.entities.map((e) => e.fromMs))),
      to: toChDateTime64ms(q.toMs),
    },
    settings: ANOMALY_QUERY_SETTINGS,
    schema: SpendRow,
  });
  for (const r of rows) {
    out.set(spendKey(r.kind, r.value), {
      costUsd: Decimal.from(r.cost).format(),
      calls: r.calls,
      tokens: r.tokens,
    });
  }
  return out;
}
