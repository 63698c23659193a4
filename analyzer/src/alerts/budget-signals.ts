/**
 * @module
 * Alert candidates from budget statuses: reached thresholds, burn-rate pairs and forecasts.
 */

import type { AlertRuleConfig } from '@tokenwatch/config';
import type { BudgetStatus } from '../budgets/index.ts';
import { instanceName } from './entity-name.ts';
import { formatNumber, percent } from './labels.ts';
import type { AlertCandidate, AlertValues } from './types.ts';

/** A rule over budget statuses. */
export type BudgetRule = Extract<
  AlertRuleConfig,
  { kind: 'budget_threshold' | 'budget_burn_rate' | 'budget_forecast' }
>;

/** Whether a rule reads budget statuses (evaluated once for all tenants). */
export const isBudgetRule = (rule: AlertRuleConfig): rule is BudgetRule =>
  rule.kind === 'budget_threshold' ||
  rule.kind === 'budget_burn_rate' ||
  rule.kind === 'budget_forecast';

/** Base labels of a budget instance; `entity` groups everything about it for inhibition. */
function budgetLabels(status: BudgetStatus): Record<string, string> {
  const labels: Record<string, string> = {
    budget_id: status.budgetId,
    entity: status.instance
      ? `budget:${status.budgetId}/${status.instance}`
      : `budget:${status.budgetId}`,
  };
  if (status.instance) labels.instance = status.instance;
  return labels;
}

/**
 * Who spends against a budget instance, for people: its instance fields (`agent planner`), else
 * the budget's scope (`team growth`), else the tenant.
 */
function budgetEntityName(status: BudgetStatus): string {
  if (status.instance) return instanceName(status.instance);
  const scope = Object.entries(status.scope).filter(([, value]) => value);
  if (scope.length === 0) return `tenant ${status.tenant}`;
  return scope.map(([field, value]) => `${field} ${value}`).join(', ');
}

/**
 * The identity of a budget instance's period. A calendar or session period is part of the
 * identity (each period's alerts are new); a rolling window has no period (its start moves every
 * minute), so its alert is one, firing while spend in the window is over and resolving when it
 * falls back under.
 */
function periodLabels(status: BudgetStatus): Record<string, string> {
  return status.period.kind === 'rolling'
    ? {}
    : { period_start: status.period.start.toISOString() };
}

function budgetValues(status: BudgetStatus): AlertValues {
  return {
    entity_name: budgetEntityName(status),
    budget_id: status.budgetId,
    instance: status.instance,
    spent: status.spent,
    limit: status.limit,
    unit: status.unit,
    percent: percent(status.fraction),
  };
}

/** Candidates of one budget rule over every evaluated budget instance. */
export function budgetCandidates(
  rule: BudgetRule,
  statuses: readonly BudgetStatus[],
): AlertCandidate[] {
  const out: AlertCandidate[] = [];
  for (const status of statuses) {
    if (rule.budgets && !rule.budgets.includes(status.budgetId)) continue;
    const base = budgetLabels(status);
    const values = budgetValues(status);
    const push = (labels: Record<string, string>, extra: AlertValues) =>
      out.push({
        rule,
        tenant: status.tenant,
        labels: { ...base, ...labels },
        values: { ...values, ...extra },
      });
    if (rule.kind === 'budget_threshold') {
      for (const threshold of status.thresholds.reached) {
        if (rule.thresholds && !rule.thresholds.includes(threshold)) continue;
        push(
          { ...periodLabels(status), threshold_pct: percent(threshold) },
          { threshold_pct: percent(threshold) },
        );
      }
    } else if (rule.kind === 'budget_burn_rate') {
      const signal = rule.signal ?? (rule.severity === 'page' ? 'page' : 'ticket');
      const firing = status.burn
        .filter((b) => b.firing && b.severity === signal)
        .sort((a, b) => b.longBurn / b.threshold - a.longBurn / a.threshold);
      const top = firing[0];
      if (!top) continue;
      push(
        { burn_signal: signal },
        {
          long_window: top.longWindow,
          short_window: top.shortWindow,
          long_burn: formatNumber(top.longBurn, 1),
          short_burn: formatNumber(top.shortBurn, 1),
          burn_threshold: formatNumber(top.threshold, 1),
        },
      );
    } else {
      const { forecast } = status;
      if (forecast.exhausted || forecast.exhaustsAt === null) continue;
      push(periodLabels(status), {
        projected: forecast.projected ?? '',
        exhausts_at: forecast.exhaustsAt.toISOString(),
        rate_per_hour: forecast.ratePerHour,
      });
    }
  }
  return out;
}
