import type { Dashboard } from '@grafana/schema';
import { filterSql, filterVariables, ROLLUP_WHERE, seriesLabel } from './filters.ts';
import { dashboard, override, sql, table, timeSeries } from './grafana.ts';

// The analyzer's anomaly defaults (tokenwatch.yaml `anomalies`): a rate 3× the baseline over a
// 2-minute window, against the median of active minutes over 7 days (the last 15 minutes left
// out), with at least 30 such minutes.
const RATIO = 3;
const LONG_WINDOW_MINUTES = 2;
const BASELINE_DAYS = 7;
const BASELINE_EXCLUDE_MINUTES = 15;
const MIN_ACTIVE_MINUTES = 30;

/**
 * Per tenant and agent: the median spend of its active minutes (calls > 0) between `from` and
 * `to`, all other rollup dimensions summed into the minute first (as the analyzer's baselines).
 */
function baseline(from: string, to: string): string {
  return sql`
    SELECT tenant, agent, quantileExactInclusive(0.5)(minute_usd) AS median_usd, count() AS samples
    FROM (
      SELECT tenant, agent, minute, toFloat64(sum(total_cost)) AS minute_usd
      FROM llm_usage_1m
      WHERE minute >= ${from}
        AND minute < ${to}
        AND ${filterSql()}
      GROUP BY tenant, agent, minute
      HAVING sum(calls) > 0
    )
    GROUP BY tenant, agent`;
}

/** Spend per minute of a bucket (`$__interval_s` long), so buckets of any size compare. */
const PER_MINUTE = '($__interval_s / 60)';

/** Per-agent spend rate against a trailing baseline, computed from the per-minute rollup. */
export function burnRate(): Dashboard {
  return dashboard({
    uid: 'tokenwatch-burn-rate',
    title: 'Tokenwatch / Burn rate',
    description: 'Spend per minute by agent, and how far above its normal rate each agent runs.',
    time: { from: 'now-3h', to: 'now' },
    variables: filterVariables(),
    panels: [
      table({
        title: 'Burning now',
        description: `Agents with spend in the last ${LONG_WINDOW_MINUTES} whole minutes (the time range does not apply): spend per minute there against the median of their active minutes over the ${BASELINE_DAYS} days before, the last ${BASELINE_EXCLUDE_MINUTES} minutes left out. Anomalous = ratio ≥ ${RATIO} with at least ${MIN_ACTIVE_MINUTES} baseline minutes, as the alert engine's defaults.`,
        w: 24,
        h: 8,
        overrides: [
          override('usd_per_minute', { unit: 'currencyUSD' }),
          override('baseline_usd_per_minute', { unit: 'currencyUSD' }),
        ],
        sql: sql`
          WITH
            recent AS (
              SELECT tenant, agent, toFloat64(sum(total_cost)) / ${LONG_WINDOW_MINUTES} AS usd_per_minute
              FROM llm_usage_1m
              WHERE minute >= toStartOfMinute(now()) - INTERVAL ${LONG_WINDOW_MINUTES} MINUTE
                AND minute < toStartOfMinute(now())
                AND ${filterSql()}
              GROUP BY tenant, agent
              HAVING sum(calls) > 0
            ),
            baseline AS (
              ${baseline(
                `toStartOfMinute(now()) - INTERVAL ${BASELINE_DAYS} DAY`,
                `toStartOfMinute(now()) - INTERVAL ${BASELINE_EXCLUDE_MINUTES} MINUTE`,
              )}
            )
          SELECT
            r.tenant AS tenant,
            r.agent AS agent,
            r.usd_per_minute AS usd_per_minute,
            b.median_usd AS baseline_usd_per_minute,
            b.samples AS baseline_minutes,
            if(b.median_usd > 0, r.usd_per_minute / b.median_usd, NULL) AS ratio,
            ifNull(ratio >= ${RATIO} AND b.samples >= ${MIN_ACTIVE_MINUTES}, false) AS anomalous
          FROM recent AS r
          LEFT JOIN baseline AS b ON b.tenant = r.tenant AND b.agent = r.agent
          ORDER BY anomalous DESC, ratio DESC, usd_per_minute DESC`,
      }),
      timeSeries({
        title: 'Spend per minute by agent',
        description: 'Spend in each bucket divided by its length in minutes.',
        w: 24,
        h: 8,
        unit: 'currencyUSD',
        sql: sql`
          SELECT
            $__timeInterval(minute) AS time,
            ${seriesLabel('agent')} AS series,
            toFloat64(sum(total_cost)) / ${PER_MINUTE} AS usd_per_minute
          FROM llm_usage_1m
          WHERE ${ROLLUP_WHERE}
          GROUP BY time, series
          ORDER BY time, series`,
      }),
      timeSeries({
        title: 'Burn ratio by agent',
        description: `Spend per minute ÷ the agent's median active minute over the ${BASELINE_DAYS} days before the time range (agents with at least ${MIN_ACTIVE_MINUTES} such minutes). At 1-minute buckets this is the alert engine's ratio; wider buckets average idle minutes in. The line marks ${RATIO}×.`,
        w: 24,
        h: 8,
        unit: 'x',
        overrides: [],
        // GLOBAL: on a cluster the rollup is Distributed, and a shard may not run the baseline
        // subquery over it again.
        sql: sql`
          WITH baseline AS (
            ${baseline(`$__fromTime - INTERVAL ${BASELINE_DAYS} DAY`, '$__fromTime')}
          )
          SELECT
            $__timeInterval(u.minute) AS time,
            ${seriesLabel('u.agent')} AS series,
            toFloat64(sum(u.total_cost)) / ${PER_MINUTE} / any(b.median_usd) AS ratio
          FROM llm_usage_1m AS u
          GLOBAL INNER JOIN baseline AS b ON b.tenant = u.tenant AND b.agent = u.agent
          WHERE $__timeFilter(u.minute)
            AND ${filterSql('u.')}
            AND b.median_usd > 0
            AND b.samples >= ${MIN_ACTIVE_MINUTES}
          GROUP BY time, series
          ORDER BY time, series`,
        thresholdLine: RATIO,
      }),
      timeSeries({
        title: 'Tokens per minute by agent',
        description: 'All token kinds in each bucket divided by its length in minutes.',
        w: 24,
        h: 8,
        unit: 'short',
        sql: sql`
          SELECT
            $__timeInterval(minute) AS time,
            ${seriesLabel('agent')} AS series,
            sum(input_tokens + cache_read_tokens + cache_write_tokens + output_tokens) / ${PER_MINUTE} AS tokens_per_minute
          FROM llm_usage_1m
          WHERE ${ROLLUP_WHERE}
          GROUP BY time, series
          ORDER BY time, series`,
      }),
    ],
  });
}
