/**
 * @module
 * Spend of the last few minutes, read from `llm_calls` rather than the per-minute rollup: a
 * 30-second window cannot be cut out of minute buckets. The scan is bounded by the tenant and a
 * start-time range, which the table's key `(tenant, toStartOfHour(start_time), …)` prunes to at
 * most the two hours around it. Only first deliveries (revision 0) count, as in the rollup.
 */
import type { ScopeField } from '@tokenwatch/config';
import { Decimal } from '@tokenwatch/pricing';
import { nsToDateTime64, queryRows, type Store, TABLES } from '@tokenwatch/store';
import { z } from 'zod';
import { SCOPE_COLUMNS, TOKENS_SQL } from '../shared/scope.ts';

/** Keeps detection from stalling the embedded engine, which runs one query at a time. */
export const ANOMALY_QUERY_SETTINGS = {
  max_execution_time: 30,
  log_comment: 'tokenwatch.analyzer.anomalies',
};

/** Usage of one entity with one model and agent over the long window and the short one. */
export type CurrentUsageRow = {
  kind: ScopeField;
  value: string;
  model: string;
  agent: string;
  tokensLong: number;
  tokensShort: number;
  callsLong: number;
  callsShort: number;
  costLong: Decimal;
  costShort: Decimal;
};

const Row = z.object({
  kind: z.string(),
  value: z.string(),
  model_name: z.string(),
  agent_name: z.string(),
  tokens_long: z.coerce.number(),
  tokens_short: z.coerce.number(),
  calls_long: z.coerce.number(),
  calls_short: z.coerce.number(),
  cost_long: z.string(),
  cost_short: z.string(),
});

/**
 * The `arrayZip` fan-out of each row to one `(kind, value[, cohort])` tuple per watched entity
 * kind; only column names from `SCOPE_COLUMNS` are spliced in, the kind names are bound.
 */
export function entityTuplesSql(kinds: readonly ScopeField[], withCohort = false): string {
  const values = kinds.map((k) => `toString(${SCOPE_COLUMNS[k]})`).join(', ');
  // A session's cohort is its agent's sessions; every other kind pools the whole tenant.
  const cohorts = kinds.map((k) => (k === 'session' ? 'toString(agent)' : "''")).join(', ');
  const zipped = withCohort
    ? `arrayZip({kinds: Array(String)}, [${values}], [${cohorts}])`
    : `arrayZip({kinds: Array(String)}, [${values}])`;
  // Calls without a value for a kind are not an entity of that kind.
  return `arrayFilter(x -> x.2 != '', ${zipped})`;
}

/** Per entity, model and agent: tokens, calls and cost in `(longFrom, to]` and `(shortFrom, to]`. */
export async function getCurrentUsage(
  store: Store,
  q: {
    tenant: string;
    kinds: readonly ScopeField[];
    longFrom: bigint;
    shortFrom: bigint;
    to: bigint;
  },
): Promise<CurrentUsageRow[]> {
  const short = "start_time > {short_from: DateTime64(9, 'UTC')}";
  const rows = await queryRows(store, {
    query: `SELECT
        e.1 AS kind,
        e.2 AS value,
        toString(model) AS model_name,
        toString(agent) AS agent_name,
        sum(${TOKENS_SQL}) AS tokens_long,
        sumIf(${TOKENS_SQL}, ${short}) AS tokens_short,
        count() AS calls_long,
        countIf(${short}) AS calls_short,
        toString(sum(ifNull(total_cost, 0))) AS cost_long,
        toString(sumIf(ifNull(total_cost, 0), ${short})) AS cost_short
      FROM ${TABLES.llmCalls}
      ARRAY JOIN ${entityTuplesSql(q.kinds)} AS e
      WHERE tenant = {tenant: String}
        AND start_time > {long_from: DateTime64(9, 'UTC')}
        AND start_time <= {to: DateTime64(9, 'UTC')}
        AND revision = 0
      GROUP BY kind, value, model_name, agent_name`,
    params: {
      tenant: q.tenant,
      kinds: q.kinds,
      long_from: nsToDateTime64(q.longFrom),
      short_from: nsToDateTime64(q.shortFrom),
      to: nsToDateTime64(q.to),
    },
    settings: ANOMALY_QUERY_SETTINGS,
    schema: Row,
  });
  return rows.map((r) => ({
    kind: r.kind as ScopeField,
    value: r.value,
    model: r.model_name,
    agent: r.agent_name,
    tokensLong: r.tokens_long,
    tokensShort: r.tokens_short,
    callsLong: r.calls_long,
    callsShort: r.calls_short,
    costLong: Decimal.from(r.cost_long),
    costShort: Decimal.from(r.cost_short),
  }));
}
