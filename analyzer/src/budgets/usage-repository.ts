/**
 * @module
 * Budget spend read from the per-minute rollup (`llm_usage_1m`, always aggregated with sum()).
 * Every query is bounded by a minute range on the rollup's primary key (tenant, minute); values
 * go through bound parameters, and only column names from `SCOPE_COLUMNS` are spliced in.
 */
import type { BudgetConfig, ScopeField } from '@tokenwatch/config';
import { Decimal } from '@tokenwatch/pricing';
import { queryRows, type Store, TABLES } from '@tokenwatch/store';
import { z } from 'zod';
import { toChDateTime } from '../shared/duration.ts';
import { SCOPE_COLUMNS, TOKENS_SQL } from '../shared/scope.ts';
import { instanceFields } from './instances.ts';
import type { BudgetUnit } from './types.ts';

/** Keeps a budget query from stalling the embedded engine, which runs one query at a time. */
const SETTINGS = { max_execution_time: 30, log_comment: 'tokenwatch.analyzer.budgets' };

/** Which rollup rows a budget counts, and over which minutes. */
export type BudgetUsageQuery = {
  budget: BudgetConfig;
  /** Restrict to one tenant (the caller's, or the budget's own); all tenants when undefined. */
  tenant: string | undefined;
  unit: BudgetUnit;
  /** First minute scanned (epoch ms, inclusive). */
  from: number;
  /** End of the scan (epoch ms, exclusive). */
  to: number;
};

/** Spend of one budget instance. */
export type BudgetUsageRow = {
  tenant: string;
  /** Values of the budget's instance fields, in `instanceFields` order. */
  values: string[];
  /** Spend from `periodFrom` to the end of the scan. */
  spent: Decimal;
  /** Calls from `periodFrom` on: zero means the instance was only seen before the period. */
  periodCalls: number;
  /** First and last minute with calls from `periodFrom` on (epoch ms; 0 when none). */
  firstMinute: number;
  lastMinute: number;
  /** Spend per requested window, in request order. */
  windows: Decimal[];
};

const UsageRow = z.object({
  tenant: z.string(),
  instance_values: z.array(z.string()),
  spent: z.string(),
  period_calls: z.coerce.number(),
  first_minute: z.coerce.number(),
  last_minute: z.coerce.number(),
  windows: z.array(z.string()),
});

const MinuteRow = z.object({
  tenant: z.string(),
  instance_values: z.array(z.string()),
  minute_s: z.coerce.number(),
  amount: z.string(),
});

type Filter = { where: string; params: Record<string, unknown>; instanceSql: string };

/** WHERE clause and instance columns shared by the budget queries. */
function budgetFilter(q: BudgetUsageQuery): Filter {
  const params: Record<string, unknown> = {
    from: toChDateTime(q.from),
    to: toChDateTime(q.to),
  };
  const where = ["minute >= {from: DateTime('UTC')}", "minute < {to: DateTime('UTC')}"];
  if (q.tenant !== undefined) {
    where.unshift('tenant = {tenant: String}');
    params.tenant = q.tenant;
  }
  for (const [field, value] of Object.entries(q.budget.scope) as [ScopeField, string][]) {
    where.push(`${SCOPE_COLUMNS[field]} = {scope_${field}: String}`);
    params[`scope_${field}`] = value;
  }
  const fields = instanceFields(q.budget);
  // Calls without a value for an instance field belong to no instance.
  for (const field of fields) where.push(`${SCOPE_COLUMNS[field]} != ''`);
  const instanceSql = fields.length
    ? `[${fields.map((f) => `toString(${SCOPE_COLUMNS[f]})`).join(', ')}]`
    : "CAST([], 'Array(String)')";
  return { where: where.join('\n        AND '), params, instanceSql };
}

const amountSql = (unit: BudgetUnit) => (unit === 'usd' ? 'total_cost' : TOKENS_SQL);

/**
 * Spend per (tenant, instance) of a budget: period-to-date from `periodFrom`, plus one sum per
 * window `[from, to)`. Instances seen only before `periodFrom` come back with `periodCalls` 0.
 */
export async function getBudgetUsage(
  store: Store,
  q: BudgetUsageQuery & {
    periodFrom: number;
    windows: readonly { from: number; to: number }[];
  },
): Promise<BudgetUsageRow[]> {
  const { where, params, instanceSql } = budgetFilter(q);
  const amount = amountSql(q.unit);
  params.period_from = toChDateTime(q.periodFrom);
  const windowSql = q.windows.map((w, i) => {
    params[`w${i}_from`] = toChDateTime(w.from);
    params[`w${i}_to`] = toChDateTime(w.to);
    return `toString(sumIf(${amount}, minute >= {w${i}_from: DateTime('UTC')} AND minute < {w${i}_to: DateTime('UTC')}))`;
  });
  const inPeriod = "minute >= {period_from: DateTime('UTC')}";
  const rows = await queryRows(store, {
    query: `SELECT
        tenant,
        ${instanceSql} AS instance_values,
        toString(sumIf(${amount}, ${inPeriod})) AS spent,
        sumIf(calls, ${inPeriod}) AS period_calls,
        if(period_calls = 0, 0, toUnixTimestamp(minIf(minute, ${inPeriod} AND calls > 0))) AS first_minute,
        if(period_calls = 0, 0, toUnixTimestamp(maxIf(minute, ${inPeriod} AND calls > 0))) AS last_minute,
        ${windowSql.length ? `[${windowSql.join(', ')}]` : "CAST([], 'Array(String)')"} AS windows
      FROM ${TABLES.usage1m}
      WHERE ${where}
      GROUP BY tenant, instance_values
      ORDER BY tenant, instance_values`,
    params,
    settings: SETTINGS,
    schema: UsageRow,
  });
  return rows.map((row) => ({
    tenant: row.tenant,
    values: row.instance_values,
    spent: Decimal.from(row.spent),
    periodCalls: row.period_calls,
    firstMinute: row.first_minute * 1000,
    lastMinute: row.last_minute * 1000,
    windows: row.windows.map((w) => Decimal.from(w)),
  }));
}

/** Spend of one instance in one minute. */
export type BudgetMinuteRow = { tenant: string; values: string[]; minute: number; amount: Decimal };

/** Spend per (tenant, instance, minute): what a rolling window's in-memory buckets start from. */
export async function getBudgetUsageByMinute(
  store: Store,
  q: BudgetUsageQuery,
): Promise<BudgetMinuteRow[]> {
  const { where, params, instanceSql } = budgetFilter(q);
  const rows = await queryRows(store, {
    query: `SELECT
        tenant,
        ${instanceSql} AS instance_values,
        toUnixTimestamp(minute) AS minute_s,
        toString(sum(${amountSql(q.unit)})) AS amount
      FROM ${TABLES.usage1m}
      WHERE ${where}
      GROUP BY tenant, instance_values, minute_s
      HAVING sum(calls) > 0`,
    params,
    settings: SETTINGS,
    schema: MinuteRow,
  });
  return rows.map((row) => ({
    tenant: row.tenant,
    values: row.instance_values,
    minute: row.minute_s * 1000,
    amount: Decimal.from(row.amount),
  }));
}
