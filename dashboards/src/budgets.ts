import type { Dashboard } from '@grafana/schema';
import { filterSql, filterVariables, seriesLabel } from './filters.ts';
import { dashboard, override, sql, stat, table, textVariable, timeSeries } from './grafana.ts';

// Calendar periods in the zone budgets use (tokenwatch.yaml `timezone`): days, weeks from Monday,
// months. `now(tz)` carries the zone, so the starts are instants, comparable with `minute`.
const PERIOD_STARTS = sql`
  WITH
    \${timezone:sqlstring} AS tz,
    toStartOfDay(now(tz)) AS day_start,
    toDateTime(toMonday(now(tz)), tz) AS week_start,
    toDateTime(toStartOfMonth(now(tz)), tz) AS month_start,
    toDateTime(toStartOfMonth(now(tz)) + INTERVAL 1 MONTH, tz) AS next_month_start`;

/** Today, week and month to date, and the month projected at its average rate so far. */
const PERIODS = sql`
  toFloat64(sumIf(total_cost, minute >= day_start)) AS today,
  toFloat64(sumIf(total_cost, minute >= week_start)) AS week_to_date,
  toFloat64(sumIf(total_cost, minute >= month_start)) AS month_to_date,
  month_to_date * dateDiff('second', month_start, next_month_start)
    / greatest(dateDiff('second', month_start, now()), 1) AS projected_month`;

const PERIODS_WHERE = sql`minute >= least(week_start, month_start)\n  AND ${filterSql()}`;

const money = ['today', 'week_to_date', 'month_to_date', 'projected_month'].map((f) =>
  override(f, { unit: 'currencyUSD' }),
);

function byDimension(dimension: 'team' | 'agent') {
  return table({
    title: `Period to date by ${dimension}`,
    description: `Spend of each ${dimension} in the current day, week and month. Compare with the limits of the budgets in tokenwatch.yaml.`,
    w: 12,
    h: 10,
    overrides: money,
    sql: sql`
      ${PERIOD_STARTS}
      SELECT
        ${dimension},
        ${PERIODS}
      FROM llm_usage_1m
      WHERE ${PERIODS_WHERE}
      GROUP BY ${dimension}
      ORDER BY month_to_date DESC, ${dimension}`,
  });
}

/**
 * Period-to-date spend by team and agent. Budget limits live in tokenwatch.yaml and the alert
 * engine reports thresholds; these panels show the spend the budgets are measured against.
 */
export function budgets(): Dashboard {
  return dashboard({
    uid: 'tokenwatch-budgets',
    title: 'Tokenwatch / Budgets',
    description:
      'Spend in the current calendar periods (the time range does not apply to the period panels).',
    time: { from: 'now/M', to: 'now' },
    variables: [
      ...filterVariables(),
      textVariable(
        'timezone',
        'Budget time zone',
        'UTC',
        'IANA zone of budget days, weeks and months: the timezone of tokenwatch.yaml.',
      ),
    ],
    panels: [
      stat({
        title: 'Spend in the current periods',
        description: 'Projected month: month to date at its average rate so far.',
        w: 24,
        h: 4,
        unit: 'currencyUSD',
        sql: sql`
          ${PERIOD_STARTS}
          SELECT
            ${PERIODS}
          FROM llm_usage_1m
          WHERE ${PERIODS_WHERE}`,
      }),
      byDimension('team'),
      byDimension('agent'),
      timeSeries({
        title: 'Month to date by team',
        description: 'Cumulative spend of each team since the start of the month, by day.',
        w: 24,
        h: 9,
        unit: 'currencyUSD',
        sql: sql`
          ${PERIOD_STARTS}
          SELECT
            time,
            series,
            toFloat64(sum(spend) OVER (PARTITION BY series ORDER BY time)) AS month_to_date
          FROM (
            SELECT
              toStartOfDay(minute, tz) AS time,
              ${seriesLabel('team')} AS series,
              sum(total_cost) AS spend
            FROM llm_usage_1m
            WHERE minute >= month_start
              AND ${filterSql()}
            GROUP BY time, series
          )
          ORDER BY time, series`,
      }),
    ],
  });
}
