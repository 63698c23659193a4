/**
 * @module
 * The SQL of the `cost-series` read, over the per-minute rollup: sums per group, and cost per
 * time bucket of the first dimension. Kept apart from the read so the console can show the same
 * statement it ran (`inlineParams`) for people who continue in `tokenwatch sql` or Grafana.
 */
import { TABLES } from '@tokenwatch/store';
import { ROLLUP_SUMS } from '../analytics/cost.ts';
import { DIMENSIONS, type Dimension } from '../analytics/dimensions.ts';
import { chTime } from '../analytics/time-range.ts';

/** Bucket widths of a series. */
export const SERIES_STEPS = ['hour', 'day'] as const;
export type SeriesStep = (typeof SERIES_STEPS)[number];

/** What both statements select from: the tenant, the range and the dimension filters. */
export type SeriesScope = {
  tenant: string;
  from: Date;
  to: Date;
  by: readonly Dimension[];
  /** Dimension → the one value kept. */
  filters: Partial<Record<Dimension, string>>;
};

/** A statement with its bound parameters. */
export type BoundQuery = { query: string; params: Record<string, string> };

function where(scope: SeriesScope): BoundQuery {
  const params: Record<string, string> = {
    tenant: scope.tenant,
    from: chTime(scope.from),
    to: chTime(scope.to),
  };
  const conditions = [
    'tenant = {tenant: String}',
    "minute >= {from: DateTime64(3, 'UTC')}",
    "minute < {to: DateTime64(3, 'UTC')}",
  ];
  for (const [dimension, value] of Object.entries(scope.filters)) {
    if (value === undefined) continue;
    params[`f_${dimension}`] = value;
    conditions.push(`${DIMENSIONS[dimension as Dimension]} = {f_${dimension}: String}`);
  }
  return { query: conditions.join('\n  AND '), params };
}

/** Sums of calls, tokens by kind and cost per group of `by` (one row without `by`). */
export function groupsQuery(scope: SeriesScope): BoundQuery {
  const filter = where(scope);
  const columns = scope.by.map((d) => `${DIMENSIONS[d]} AS ${d}`);
  const query = `SELECT ${[...columns, ...ROLLUP_SUMS].join(',\n  ')}
FROM ${TABLES.usage1m}
WHERE ${filter.query}${scope.by.length > 0 ? `\nGROUP BY ${scope.by.join(', ')}` : ''}
ORDER BY sum(total_cost) DESC`;
  return { query, params: filter.params };
}

/**
 * Cost and calls per bucket (`step`, in `timezone`) and value of the first dimension of `by`
 * (one series without `by`).
 */
export function bucketsQuery(scope: SeriesScope, step: SeriesStep, timezone: string): BoundQuery {
  const filter = where(scope);
  const first = scope.by[0];
  // The zone is a bound parameter too: ClickHouse substitutes it as a constant, as the function needs.
  const bucket =
    step === 'day'
      ? 'toStartOfDay(minute, {timezone: String})'
      : 'toStartOfHour(minute, {timezone: String})';
  const query = `SELECT toUnixTimestamp(${bucket}) AS bucket,
  ${first ? `${DIMENSIONS[first]}` : "''"} AS series,
  sum(calls) AS calls,
  toString(sum(total_cost)) AS cost
FROM ${TABLES.usage1m}
WHERE ${filter.query}
GROUP BY bucket, series
ORDER BY bucket`;
  return { query, params: { ...filter.params, timezone } };
}

/**
 * A statement with its parameters written in as literals, to show and to paste into
 * `tokenwatch sql`; never to run from code (values go in bound).
 */
export function inlineParams(bound: BoundQuery): string {
  return bound.query.replace(/\{(\w+): ([^}]+)\}/g, (whole, name: string, type: string) => {
    const value = bound.params[name];
    if (value === undefined) return whole;
    const quoted = `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
    return type.startsWith('DateTime64') ? `toDateTime64(${quoted}, 3, 'UTC')` : quoted;
  });
}
