/**
 * @module
 * Grafana alert-rule provisioning (`provisioning/alerting/*.yaml`) for the alert rules that one
 * ClickHouse query can express, for teams that alert from Grafana rather than from the analyzer.
 */
import { createHash } from 'node:crypto';
import {
  type AlertRuleConfig,
  type BudgetConfig,
  effectiveAlertRules,
  type ScopeField,
} from '@tokenwatch/config';
import { TABLES } from '@tokenwatch/store';
import { parseDuration } from '../shared/duration.ts';
import { SCOPE_COLUMNS } from '../shared/scope.ts';
import type { AlertEngineConfig } from './engine.ts';
import { percent } from './labels.ts';
import { DEFAULT_KEEP_EVALUATIONS } from './lifecycle.ts';
import { toYaml, type YamlValue } from './yaml-text.ts';

type Query = { sql: string; threshold: number; rangeSeconds: number };

const CALENDAR_START: Record<string, string> = {
  daily: 'toStartOfDay(now())',
  weekly: 'toMonday(now())',
  monthly: 'toStartOfMonth(now())',
};

const quote = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function budgetQuery(budget: BudgetConfig, threshold: number): Query | undefined {
  const start = CALENDAR_START[budget.period];
  // Session, rolling and per-instance budgets need the analyzer's instance logic.
  if (!start || budget.per) return undefined;
  const filters = [
    `minute >= ${start}`,
    ...(budget.tenant ? [`tenant = ${quote(budget.tenant)}`] : []),
    ...(Object.entries(budget.scope) as [ScopeField, string][]).map(
      ([field, value]) => `${SCOPE_COLUMNS[field]} = ${quote(value)}`,
    ),
  ];
  const amount =
    budget.limit_usd !== undefined
      ? `toFloat64(sum(total_cost)) / ${budget.limit_usd}`
      : `sum(input_tokens + output_tokens) / ${budget.limit_tokens}`;
  return {
    sql: `SELECT ${amount} AS fraction FROM ${TABLES.usage1m} WHERE ${filters.join(' AND ')}`,
    threshold,
    rangeSeconds: 2_764_800,
  };
}

function ruleQueries(rule: AlertRuleConfig, config: AlertEngineConfig): Query[] {
  switch (rule.kind) {
    case 'budget_threshold':
      return config.budgets
        .filter((b) => !rule.budgets || rule.budgets.includes(b.id))
        .flatMap((b) =>
          // As in the engine: a rule only sees the thresholds its budget reports.
          b.thresholds
            .filter((t) => !rule.thresholds || rule.thresholds.includes(t))
            .flatMap((t) => budgetQuery(b, t) ?? []),
        );
    case 'unpriced_calls': {
      const seconds = parseDuration(rule.window) / 1000;
      return [
        {
          sql: `SELECT sum(unpriced_calls) AS unpriced FROM ${TABLES.usage1m} WHERE $__timeFilter(minute)`,
          threshold: rule.min_calls - 0.5,
          rangeSeconds: seconds,
        },
      ];
    }
    case 'burn_rate_anomaly': {
      // Approximation of the analyzer's detector: the busiest agent's last-2-minute rate over its
      // median active minute of the previous day.
      const a = config.anomalies;
      return [
        {
          sql: `SELECT max(ratio) AS ratio FROM (SELECT agent, sumIf(t, minute >= now() - INTERVAL 2 MINUTE) / 2 / nullIf(medianIf(t, minute < now() - INTERVAL 15 MINUTE), 0) AS ratio FROM (SELECT agent, minute, sum(input_tokens + output_tokens) AS t FROM ${TABLES.usage1m} WHERE $__timeFilter(minute) GROUP BY agent, minute) GROUP BY agent)`,
          threshold: a.ratio,
          rangeSeconds: 86_400,
        },
      ];
    }
    default:
      return [];
  }
}

/**
 * Grafana provisioning YAML (apiVersion 1) with one rule group of the configured alert rules
 * (the built-in defaults when none are configured) that a single ClickHouse query expresses:
 * calendar budget thresholds, unpriced calls and an approximation of the burn-rate anomaly rule.
 * Others are listed in a comment. Each rule queries the datasource `datasourceUid`, reduces to the
 * last value and fires above the threshold; no data is OK for spend rules.
 *
 * @example
 * writeFileSync('docker/grafana/provisioning/alerting/tokenwatch.yaml', exportGrafanaAlertRules(config, 'clickhouse'));
 */
export function exportGrafanaAlertRules(config: AlertEngineConfig, datasourceUid: string): string {
  const rules: YamlValue[] = [];
  const skipped: string[] = [];
  for (const rule of effectiveAlertRules(config.alerts)) {
    const queries = ruleQueries(rule, config);
    if (queries.length === 0) skipped.push(rule.name);
    queries.forEach((q, i) => {
      const uid = `tw_${createHash('sha256').update(`${rule.name}\n${q.sql}`).digest('hex').slice(0, 16)}`;
      rules.push({
        uid,
        title: queries.length > 1 ? `${rule.name} (${i + 1})` : rule.name,
        condition: 'C',
        data: [
          {
            refId: 'A',
            relativeTimeRange: { from: q.rangeSeconds, to: 0 },
            datasourceUid,
            model: { refId: 'A', editorType: 'sql', format: 1, queryType: 'table', rawSql: q.sql },
          },
          {
            refId: 'B',
            datasourceUid: '__expr__',
            model: { refId: 'B', type: 'reduce', expression: 'A', reducer: 'last' },
          },
          {
            refId: 'C',
            datasourceUid: '__expr__',
            model: {
              refId: 'C',
              type: 'threshold',
              expression: 'B',
              conditions: [{ evaluator: { type: 'gt', params: [q.threshold] } }],
            },
          },
        ],
        noDataState: 'OK',
        execErrState: 'Error',
        for: '0s',
        // The same hysteresis as the engine: three evaluations unless the rule says otherwise.
        keepFiringFor:
          rule.keep_firing_for ??
          `${(DEFAULT_KEEP_EVALUATIONS * parseDuration(config.alerts.evaluate_every)) / 1000}s`,
        annotations: {
          summary: `${rule.name}: ${rule.kind} above ${rule.kind === 'budget_threshold' ? `${percent(q.threshold)}%` : q.threshold}`,
        },
        labels: { ...rule.labels, severity: rule.severity, source: 'tokenwatch' },
      });
    });
  }
  const header = skipped.length
    ? `# Rules evaluated by the Tokenwatch analyzer only: ${skipped.join(', ')}\n`
    : '';
  return `${header}${toYaml({
    apiVersion: 1,
    groups: [
      {
        orgId: 1,
        name: 'tokenwatch',
        folder: 'Tokenwatch',
        interval: config.alerts.evaluate_every,
        rules,
      },
    ],
  })}`;
}
