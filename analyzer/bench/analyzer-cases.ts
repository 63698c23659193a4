/**
 * @module
 * Every analyzer query, through the analyzer's own functions, with the arguments the CLI, the
 * API, the alert engine and the report scheduler pass: the last 24 hours, 7 days and 30 days.
 */
import {
  type AlertRuleConfig,
  AnomaliesSchema,
  type BudgetConfig,
  BudgetSchema,
} from '@tokenwatch/config';
import { createPricer } from '@tokenwatch/pricing';
import type { Store } from '@tokenwatch/store';
import { analyticsCandidates } from '../src/alerts/analytics-signals.ts';
import { budgetCandidates, isBudgetRule } from '../src/alerts/budget-signals.ts';
import { getCacheEfficiency } from '../src/analytics/cache.ts';
import { getAgentContext, getContextGrowth } from '../src/analytics/context.ts';
import { getCost } from '../src/analytics/cost.ts';
import type { Dimension } from '../src/analytics/dimensions.ts';
import { getFailureCost } from '../src/analytics/failures.ts';
import { getTaskCostRegressions } from '../src/analytics/regression.ts';
import { getTaskStatsByAgent, getTasks } from '../src/analytics/tasks.ts';
import type { TimeRange } from '../src/analytics/time-range.ts';
import { detectAnomalies } from '../src/anomalies/index.ts';
import { evaluateBudgets } from '../src/budgets/evaluate.ts';
import { periodAt } from '../src/budgets/periods.ts';
import { getBudgetUsageByMinute } from '../src/budgets/usage-repository.ts';
import { buildWeeklyReport, lastCompleteWeek } from '../src/reports/index.ts';
import { AGENTS, BENCH_TENANT, TEAMS } from './query-catalog.ts';

/**
 * One benchmarked query (or query set): a name and what runs it; a dashboard case also carries
 * the statement it runs, so the golden-answer test can pin its `now()`.
 */
export type QueryCase = { group: string; name: string; run: () => Promise<unknown>; sql?: string };

const HOUR_MS = 3_600_000;
/** The ranges the analytics are read over. */
export const RANGES = [
  { label: '24h', ms: 24 * HOUR_MS },
  { label: '7d', ms: 7 * 24 * HOUR_MS },
  { label: '30d', ms: 30 * 24 * HOUR_MS },
] as const;

/** Budgets of a realistic config: an org month, team days, agent weeks and rolling days, sessions. */
export const BENCH_BUDGETS: readonly BudgetConfig[] = [
  BudgetSchema.parse({ id: 'org-monthly', period: 'monthly', limit_usd: 200_000 }),
  ...TEAMS.map((team) =>
    BudgetSchema.parse({ id: `team-${team}`, scope: { team }, period: 'daily', limit_usd: 1_500 }),
  ),
  BudgetSchema.parse({ id: 'agent-weekly', per: 'agent', period: 'weekly', limit_usd: 5_000 }),
  BudgetSchema.parse({
    id: 'agent-rolling',
    per: 'agent',
    period: 'rolling',
    window: '24h',
    limit_tokens: 500_000_000,
  }),
  BudgetSchema.parse({ id: 'session-cap', per: 'session', period: 'session', limit_usd: 5 }),
  BudgetSchema.parse({
    id: 'planner-core-daily',
    scope: { agent: AGENTS[0]! },
    period: 'daily',
    limit_usd: 500,
  }),
];

const rule = (r: Record<string, unknown>) =>
  ({ severity: 'ticket', labels: {}, annotations: {}, ...r }) as AlertRuleConfig;

/** The analytics alert rules with their defaults (windows of one hour). */
const ANALYTICS_RULES: readonly AlertRuleConfig[] = [
  rule({ name: 'runaway', kind: 'burn_rate_anomaly', severity: 'page' }),
  rule({ name: 'task_cost', kind: 'cost_per_task_regression' }),
  rule({
    name: 'cache_drop',
    kind: 'cache_hit_rate_drop',
    window: '1h',
    min_drop: 0.2,
    min_calls: 20,
  }),
  rule({
    name: 'waste',
    kind: 'failure_cost_ratio',
    window: '1h',
    max_ratio: 0.25,
    min_cost_usd: 1,
  }),
  rule({ name: 'unpriced', kind: 'unpriced_calls', window: '1h', min_calls: 1 }),
];

/** The analyzer's queries over `store` at `now`. */
export function analyzerCases(store: Store, now: Date): QueryCase[] {
  const tenant = BENCH_TENANT;
  const pricer = createPricer();
  const anomalies = AnomaliesSchema.parse({});
  const cases: QueryCase[] = [];
  const add = (group: string, name: string, run: () => Promise<unknown>) =>
    cases.push({ group, name, run });

  for (const { label, ms } of RANGES) {
    const range: TimeRange = { from: new Date(now.getTime() - ms), to: now };
    const cost = (by: Dimension[]) => () => getCost(store, { tenant, range, by });
    add('analytics', `getCost total ${label}`, cost([]));
    add('analytics', `getCost by agent ${label}`, cost(['agent']));
    add('analytics', `getCost by model ${label}`, cost(['model']));
    add('analytics', `getCost by team,agent ${label}`, cost(['team', 'agent']));
    add('analytics', `getCost by task ${label}`, cost(['task']));
    add('analytics', `getCacheEfficiency ${label}`, () =>
      getCacheEfficiency(store, pricer, { tenant, range }),
    );
    add('analytics', `getFailureCost ${label}`, () => getFailureCost(store, { tenant, range }));
    add('analytics', `getTasks top 20 ${label}`, () => getTasks(store, { tenant, range }));
    add('analytics', `getTaskStatsByAgent ${label}`, () =>
      getTaskStatsByAgent(store, { tenant, range }),
    );
    add('analytics', `getContextGrowth ${label}`, () => getContextGrowth(store, { tenant, range }));
    add('analytics', `getAgentContext ${label}`, () => getAgentContext(store, { tenant, range }));
  }
  add('analytics', 'getTaskCostRegressions (7d vs 4w)', () =>
    getTaskCostRegressions(store, { tenant, now }),
  );
  add('anomalies', 'detectAnomalies (default config)', () =>
    detectAnomalies(store, { tenant, now, config: anomalies }),
  );
  add('budgets', `evaluateBudgets (${BENCH_BUDGETS.length} budgets)`, () =>
    evaluateBudgets(store, {
      budgets: BENCH_BUDGETS,
      timezone: 'UTC',
      now,
      tenant,
      record: false,
    }),
  );
  // What the budget counter's periodic rebuild reads for a rolling per-agent budget.
  const rolling = BENCH_BUDGETS.find((b) => b.id === 'agent-rolling')!;
  add('budgets', 'getBudgetUsageByMinute (rolling 24h per agent)', () => {
    const plan = periodAt(rolling, now.getTime(), 'UTC', 7 * 24 * HOUR_MS);
    return getBudgetUsageByMinute(store, {
      budget: rolling,
      tenant: undefined,
      unit: 'tokens',
      from: plan.start,
      to: now.getTime() + 60_000,
    });
  });
  for (const r of ANALYTICS_RULES) {
    if (isBudgetRule(r)) continue;
    add('alerts', `alert rule ${r.kind}`, async () => {
      const value = await detectAnomalies(store, {
        tenant,
        now,
        config: anomalies,
        includeHeld: true,
      });
      return analyticsCandidates(r, { store, tenant, now, pricer, anomalies: { ok: true, value } });
    });
  }
  add('alerts', 'budget rules (evaluate + candidates)', async () => {
    const statuses = await evaluateBudgets(store, {
      budgets: BENCH_BUDGETS,
      timezone: 'UTC',
      now,
      record: false,
    });
    return budgetCandidates(
      rule({ name: 'burn', kind: 'budget_burn_rate', severity: 'page' }) as never,
      statuses,
    );
  });
  const week = lastCompleteWeek(now, 'UTC');
  add('reports', `buildWeeklyReport ${week.label}`, () =>
    buildWeeklyReport(store, {
      tenant,
      from: week.from,
      to: week.to,
      timezone: 'UTC',
      pricer,
      budgets: BENCH_BUDGETS,
      by: ['team', 'agent'],
      now,
    }),
  );
  return cases;
}
