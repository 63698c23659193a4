/**
 * @module
 * Alert candidates from the anomaly detector and the analytics reports, for one tenant.
 */

import type { AlertRuleConfig } from '@tokenwatch/config';
import type { Pricer } from '@tokenwatch/pricing';
import type { Store } from '@tokenwatch/store';
import { getCacheEfficiency } from '../analytics/cache.ts';
import { getCost } from '../analytics/cost.ts';
import { getFailureCost } from '../analytics/failures.ts';
import { getTaskCostRegressions } from '../analytics/regression.ts';
import type { TimeRange } from '../analytics/time-range.ts';
import type { Anomaly } from '../anomalies/index.ts';
import { getReconcileReport } from '../reconcile/compare.ts';
import { parseDuration } from '../shared/duration.ts';
import { formatNumber, percent } from './labels.ts';
import type { AlertCandidate } from './types.ts';

/** What analytics rules need; anomalies are detected once per tenant and shared by rules. */
export type AnalyticsContext = {
  store: Store;
  tenant: string;
  now: Date;
  pricer: Pricer | undefined;
  /** The tenant's anomalies, held ones included, or why detecting them failed. */
  anomalies: { ok: true; value: readonly Anomaly[] } | { ok: false; error: unknown };
};

type AnalyticsRule = Exclude<
  AlertRuleConfig,
  { kind: 'budget_threshold' | 'budget_burn_rate' | 'budget_forecast' }
>;

const windowBefore = (now: Date, window: string, shift = 0): TimeRange => {
  const ms = parseDuration(window);
  return {
    from: new Date(now.getTime() - (shift + 1) * ms),
    to: new Date(now.getTime() - shift * ms),
  };
};

const agentLabels = (agent: string) => ({ agent, entity: `agent:${agent}` });
const agentName = (agent: string) => ({ agent, entity_name: `agent ${agent}` });

/** Candidates of one non-budget rule for the context's tenant. */
export async function analyticsCandidates(
  rule: AnalyticsRule,
  ctx: AnalyticsContext,
): Promise<AlertCandidate[]> {
  const { store, tenant, now } = ctx;
  const candidate = (labels: Record<string, string>, values: AlertCandidate['values']) => ({
    rule,
    tenant,
    labels,
    values,
  });
  switch (rule.kind) {
    case 'burn_rate_anomaly': {
      if (!ctx.anomalies.ok) throw ctx.anomalies.error;
      return ctx.anomalies.value
        .filter((a) => !rule.entities || rule.entities.includes(a.entity.kind))
        .map((a) => ({
          // Held (long window still up): keeps a firing alert, never opens one.
          ...(a.firing ? {} : { hold: true }),
          ...candidate(
            {
              entity_kind: a.entity.kind,
              entity_value: a.entity.value,
              entity: `${a.entity.kind}:${a.entity.value}`,
            },
            {
              entity_name: `${a.entity.kind} ${a.entity.value}`,
              entity_kind: a.entity.kind,
              entity_value: a.entity.value,
              metric: a.metric,
              ratio: formatNumber(a.ratio, 1),
              short_ratio: formatNumber(a.shortRatio, 1),
              baseline: formatNumber(a.baseline, 4),
              tokens: a.current.tokens,
              cost_usd: a.current.costUsd,
              calls: a.current.calls,
              top_model: a.topModel,
              projected_cost_per_hour_usd: a.projectedCostPerHourUsd,
            },
          ),
        }));
    }
    case 'cost_per_task_regression':
      return (await getTaskCostRegressions(store, { tenant, now }))
        .filter((r) => r.regressed)
        .map((r) =>
          candidate(agentLabels(r.agent), {
            ...agentName(r.agent),
            ratio: formatNumber(r.ratio),
            median_usd: formatNumber(r.medianUsd, 4),
            baseline_median_usd: formatNumber(r.baselineMedianUsd, 4),
            p90_usd: formatNumber(r.p90Usd, 4),
            tasks: r.tasks,
            p_value: r.pValue === null ? 'n/a' : r.pValue.toExponential(2),
          }),
        );
    case 'cache_hit_rate_drop': {
      if (!ctx.pricer) throw new Error('cache_hit_rate_drop needs a pricer (createAlertEngine)');
      const current = await getCacheEfficiency(store, ctx.pricer, {
        tenant,
        range: windowBefore(now, rule.window),
      });
      const previous = await getCacheEfficiency(store, ctx.pricer, {
        tenant,
        range: windowBefore(now, rule.window, 1),
      });
      const before = new Map(previous.agents.map((a) => [a.agent, a]));
      return current.agents.flatMap((a) => {
        const prev = before.get(a.agent);
        if (!prev || a.calls < rule.min_calls || prev.calls < rule.min_calls) return [];
        const drop = prev.hitRate - a.hitRate;
        if (drop < rule.min_drop) return [];
        return [
          candidate(agentLabels(a.agent), {
            ...agentName(a.agent),
            hit_rate_pct: percent(a.hitRate),
            previous_hit_rate_pct: percent(prev.hitRate),
            drop_pct: percent(drop),
            calls: a.calls,
          }),
        ];
      });
    }
    case 'failure_cost_ratio':
      return (await getFailureCost(store, { tenant, range: windowBefore(now, rule.window) }))
        .filter(
          (f) => f.wasteShare >= rule.max_ratio && Number(f.totalCostUsd) >= rule.min_cost_usd,
        )
        .map((f) =>
          candidate(agentLabels(f.agent), {
            ...agentName(f.agent),
            waste_pct: percent(f.wasteShare),
            total_cost_usd: f.totalCostUsd,
            failed_calls: f.failedCalls,
            failed_tasks: f.failedTasks,
            retries: f.retries,
          }),
        );
    case 'coverage_drop': {
      // The provider's billed cost against what Tokenwatch observed of it, per provider.
      const report = await getReconcileReport(store, {
        tenant,
        ...windowBefore(now, rule.window),
        by: 'model',
      });
      return report.totals.flatMap((t) => {
        const coverage = t.coverage.cost;
        const billed = Number(t.billed.costUsd ?? 0);
        if (t.tier !== 'live' || coverage === null || billed < rule.min_billed_usd) return [];
        if (coverage >= rule.min_coverage) return [];
        return [
          candidate(
            { provider: t.provider, entity: `provider:${t.provider}` },
            {
              entity_name: `provider ${t.provider}`,
              provider: t.provider,
              coverage_pct: percent(coverage),
              min_coverage_pct: percent(rule.min_coverage),
              billed_usd: t.billed.costUsd ?? '0',
              unexplained_usd: t.unexplainedUsd ?? '0',
            },
          ),
        ];
      });
    }
    case 'unpriced_calls': {
      const { total } = await getCost(store, {
        tenant,
        range: windowBefore(now, rule.window),
        by: [],
      });
      if (total.unpricedCalls < rule.min_calls) return [];
      return [
        candidate(
          { entity: `tenant:${tenant}` },
          {
            entity_name: `tenant ${tenant}`,
            unpriced_calls: total.unpricedCalls,
            calls: total.calls,
            unpriced_pct: percent(total.calls ? total.unpricedCalls / total.calls : 0),
          },
        ),
      ];
    }
  }
}
