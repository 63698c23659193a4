import type { BudgetConfig } from '@tokenwatch/config';
import { Decimal, type Pricer } from '@tokenwatch/pricing';
import type { Store } from '@tokenwatch/store';
import { listAlertOccurrences } from '../alerts/history-repository.ts';
import { getCacheEfficiency } from '../analytics/cache.ts';
import { getCost } from '../analytics/cost.ts';
import type { Dimension } from '../analytics/dimensions.ts';
import { getFailureCost } from '../analytics/failures.ts';
import { getTaskStatsByAgent } from '../analytics/tasks.ts';
import type { TimeRange } from '../analytics/time-range.ts';
import { evaluateBudgets } from '../budgets/evaluate.ts';
import { listThresholdEvents } from '../budgets/events-repository.ts';
import {
  concentration,
  getAttribution,
  REPORT_DIMENSIONS,
  ratioOf,
  topMovers,
  unattributedSpend,
} from './attribution.ts';
import { getCompleteness } from './completeness.ts';
import { getDailySeries } from './daily.ts';
import { emptyWeekNotes } from './notes.ts';
import { providerCoverageSection } from './provider-coverage.ts';
import { type WeeklyReport, WeeklyReportSchema } from './schema.ts';
import { isoWeekAt, shiftWeeks } from './week.ts';

/** Options of {@link buildWeeklyReport}. */
export type BuildWeeklyReportOptions = {
  tenant: string;
  /** Start of the week (inclusive); normally a local Monday midnight from `parseIsoWeek`. */
  from: Date;
  /** End (exclusive). */
  to: Date;
  /** IANA zone of the week's boundaries and of the daily series. */
  timezone: string;
  /** An extra attribution table grouped by these dimensions together, e.g. `['team', 'agent']`. */
  by?: Dimension[];
  /** Prices for cache savings: `createPricer({ overrides: config.prices })`. */
  pricer: Pricer;
  /**
   * Budgets to report (config `budgets`), evaluated read-only as `tokenwatch budgets --at` does at
   * the end of the week, or at `now` while the week runs. @default []
   */
  budgets?: readonly BudgetConfig[];
  /**
   * Zone of calendar budget periods for budgets that name none: the config's top-level
   * `timezone`, as the `budgets` verb uses, even when the report's week is in another zone.
   * @default timezone
   */
  budgetTimezone?: string;
  /**
   * The week was picked by default (the last complete one), not asked for: an empty one then
   * says which week it covered and how to pick another. @default false
   */
  defaultWeek?: boolean;
  /** Stamped into `generatedAt`; open alerts and ingest gaps are judged as of it. @default new Date() */
  now?: Date;
};

const plus = (a: string, b: string) => Decimal.from(a).plus(Decimal.from(b)).format();
const minus = (a: string, b: string) => Decimal.from(a).minus(Decimal.from(b)).format();
const perCount = (a: string, n: number) =>
  n === 0 ? null : Decimal.from(a).dividedBy(Decimal.from(n)).format();

/**
 * Builds the weekly cost report of one tenant: totals against the previous week and the four-week
 * average, attribution by team, agent, feature, model and provider, top movers, concentration,
 * cost per (successful) task, failure and retry cost, cache efficiency, budgets, unpriced calls
 * and data completeness. Read-only: budgets are evaluated with `record: false`.
 *
 * @example
 * const week = parseIsoWeek('2026-W47', 'Europe/Berlin');
 * const report = await buildWeeklyReport(store, { tenant: 'acme', ...week, pricer: createPricer() });
 */
export async function buildWeeklyReport(
  store: Store,
  options: BuildWeeklyReportOptions,
): Promise<WeeklyReport> {
  const { tenant, timezone, pricer } = options;
  const now = options.now ?? new Date();
  const range: TimeRange = { from: options.from, to: options.to };
  const previous = shiftWeeks(range, -1, timezone);
  const totalOf = async (r: TimeRange) =>
    (await getCost(store, { tenant, range: r, by: [] })).total;
  const current = await totalOf(range);
  const past = [previous, ...[2, 3, 4].map((w) => shiftWeeks(range, -w, timezone))];
  const pastTotals = [];
  for (const r of past) pastTotals.push(await totalOf(r));
  const tokens = (t: typeof current) =>
    t.inputTokens + t.cacheReadTokens + t.cacheWriteTokens + t.outputTokens;
  const previousTotal = pastTotals[0]!;
  const avgCost = Decimal.from(pastTotals.map((t) => t.costUsd).reduce(plus, '0'))
    .dividedBy(Decimal.from(4))
    .format();
  const deltaUsd = minus(current.costUsd, previousTotal.costUsd);

  const attribution: WeeklyReport['attribution'] = {};
  const tables: Dimension[][] = REPORT_DIMENSIONS.map((d) => [d]);
  if (options.by && options.by.length > 0) tables.push(options.by);
  for (const by of tables) {
    attribution[by.join('+')] = await getAttribution(store, {
      tenant,
      range,
      previous,
      by,
      total: current.costUsd,
    });
  }

  const daily = await getDailySeries(store, { tenant, range, timezone, now });
  const begun = daily.filter((d) => d.elapsed);
  const missing = begun.filter((d) => d.calls === 0).map((d) => d.date);
  // While the week runs, budgets stand as of now: at the week's end they would be read in
  // periods that have not started (a daily budget's Sunday), showing nothing spent.
  const budgetsAt = new Date(
    Math.max(range.from.getTime(), Math.min(now.getTime(), range.to.getTime() - 1)),
  );
  const report: WeeklyReport = {
    kind: 'tokenwatch.weekly-report',
    version: 1,
    tenant,
    week: {
      label: isoWeekAt(range.from, timezone).label,
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      timezone,
    },
    generatedAt: now.toISOString(),
    notes:
      options.defaultWeek && current.calls === 0
        ? await emptyWeekNotes(store, { tenant, range, timezone, now })
        : [],
    totals: {
      current: { costUsd: current.costUsd, tokens: tokens(current), calls: current.calls },
      previous: {
        costUsd: previousTotal.costUsd,
        tokens: tokens(previousTotal),
        calls: previousTotal.calls,
      },
      fourWeekAverage: {
        costUsd: avgCost,
        tokens: pastTotals.reduce((n, t) => n + tokens(t), 0) / 4,
        calls: pastTotals.reduce((n, t) => n + t.calls, 0) / 4,
      },
      deltaUsd,
      deltaRatio: ratioOf(deltaUsd, previousTotal.costUsd),
      vsFourWeekAverageRatio: ratioOf(minus(current.costUsd, avgCost), avgCost),
    },
    attribution,
    topMovers: topMovers(attribution, REPORT_DIMENSIONS),
    concentration: concentration(attribution, ['team', 'agent', 'feature', 'model']),
    unattributed: unattributedSpend(attribution, ['team', 'agent', 'feature']),
    tasks: await taskSection(store, tenant, range, previous),
    failures: await failureSection(store, tenant, range),
    cache: await cacheSection(store, pricer, tenant, range, previous),
    budgets: await budgetSection(store, options, budgetsAt),
    budgetsAt: budgetsAt.toISOString(),
    alerts: await alertSection(store, tenant, range, now),
    unpriced: {
      calls: current.unpricedCalls,
      byModel: (attribution.model ?? [])
        .filter((l) => l.unpricedCalls > 0)
        .map((l) => ({ model: l.label, calls: l.unpricedCalls })),
    },
    completeness: {
      days: begun.length,
      daysWithData: begun.length - missing.length,
      missingDays: missing,
      ...(await getCompleteness(store, {
        tenant,
        range,
        timezone,
        now,
      })),
    },
    daily,
  };
  const providers = await providerCoverageSection(store, tenant, range);
  if (providers.length > 0) report.providerCoverage = providers;
  return WeeklyReportSchema.parse(report);
}

async function taskSection(
  store: Store,
  tenant: string,
  range: TimeRange,
  previous: TimeRange,
): Promise<WeeklyReport['tasks']> {
  const now = await getTaskStatsByAgent(store, { tenant, range });
  const before = new Map(
    (await getTaskStatsByAgent(store, { tenant, range: previous })).map((s) => [s.agent, s]),
  );
  return now.map((s) => {
    const p = before.get(s.agent);
    const perSuccess = s.costPerSuccessfulTaskUsd;
    const prevPerSuccess = p?.costPerSuccessfulTaskUsd ?? null;
    return {
      agent: s.agent,
      tasks: s.tasks,
      successes: s.successes,
      failures: s.failures,
      costUsd: s.totalCostUsd,
      costPerTaskUsd: perCount(s.totalCostUsd, s.tasks),
      costPerSuccessfulTaskUsd: perSuccess,
      previousCostPerTaskUsd: p ? perCount(p.totalCostUsd, p.tasks) : null,
      previousCostPerSuccessfulTaskUsd: prevPerSuccess,
      costPerSuccessfulTaskDeltaRatio:
        perSuccess === null || prevPerSuccess === null
          ? null
          : ratioOf(minus(perSuccess, prevPerSuccess), prevPerSuccess),
    };
  });
}

async function failureSection(
  store: Store,
  tenant: string,
  range: TimeRange,
): Promise<WeeklyReport['failures']> {
  const agents = await getFailureCost(store, { tenant, range });
  return {
    failedTaskCostUsd: agents.map((a) => a.failedTaskCostUsd).reduce(plus, '0'),
    failedCallCostUsd: agents.map((a) => a.failedCallCostUsd).reduce(plus, '0'),
    retryCostUsd: agents.map((a) => a.retryCostUsd).reduce(plus, '0'),
    retries: agents.reduce((n, a) => n + a.retries, 0),
    agents: agents.map(({ totalCostUsd: _total, ...rest }) => rest),
  };
}

async function cacheSection(
  store: Store,
  pricer: Pricer,
  tenant: string,
  range: TimeRange,
  previous: TimeRange,
): Promise<WeeklyReport['cache']> {
  const now = await getCacheEfficiency(store, pricer, { tenant, range });
  const before = await getCacheEfficiency(store, pricer, { tenant, range: previous });
  return {
    hitRate: now.hitRate,
    previousHitRate: before.hitRate,
    savingsUsd: now.savingsUsd,
    wastedWriteCostUsd: now.agents.map((a) => a.wastedWrites.costUsd).reduce(plus, '0'),
    agentsBreakingCache: now.agents.filter((a) => a.breaksCache).map((a) => a.agent),
    agents: now.agents.map((a) => ({
      agent: a.agent,
      hitRate: a.hitRate,
      savingsUsd: a.savingsUsd,
      wastedWriteCostUsd: a.wastedWrites.costUsd,
      prefixChurn: a.prefixChurn,
      breaksCache: a.breaksCache,
    })),
  };
}

/** The `budgets` verb's evaluation, at `at`: every instance, per-agent and per-user ones too. */
async function budgetSection(
  store: Store,
  options: BuildWeeklyReportOptions,
  at: Date,
): Promise<WeeklyReport['budgets']> {
  if (!options.budgets || options.budgets.length === 0) return [];
  const statuses = await evaluateBudgets(store, {
    budgets: options.budgets,
    timezone: options.budgetTimezone ?? options.timezone,
    now: at,
    tenant: options.tenant,
    record: false,
  });
  return statuses.map((s) => ({
    budgetId: s.budgetId,
    instance: s.instance,
    unit: s.unit,
    periodStart: s.period.start.toISOString(),
    periodEnd: s.period.end?.toISOString() ?? null,
    limit: s.limit,
    spent: s.spent,
    fraction: s.fraction,
    thresholdsReached: s.thresholds.reached,
    projected: s.forecast.projected,
    exhaustsAt: s.forecast.exhaustsAt?.toISOString() ?? null,
    exhausted: s.forecast.exhausted,
  }));
}

async function alertSection(
  store: Store,
  tenant: string,
  range: TimeRange,
  now: Date,
): Promise<WeeklyReport['alerts']> {
  const occurrences = await listAlertOccurrences(store, { tenant, ...range });
  const items = occurrences.map((o) => ({
    rule: o.rule,
    kind: o.kind,
    severity: o.severity,
    entity: o.labels.entity ?? '',
    summary: o.annotations.summary ?? o.rule,
    labels: o.labels,
    startsAt: o.startsAt.toISOString(),
    endsAt: o.endsAt?.toISOString() ?? null,
    minutes: Math.max(0, Math.floor(((o.endsAt ?? now).getTime() - o.startsAt.getTime()) / 60_000)),
  }));
  const bySeverity: Record<string, number> = {};
  for (const i of items) bySeverity[i.severity] = (bySeverity[i.severity] ?? 0) + 1;
  const thresholds = await listThresholdEvents(store, { tenant, ...range });
  return {
    occurrences: items.length,
    bySeverity,
    items,
    anomalies: items.filter((i) => i.kind === 'burn_rate_anomaly'),
    budgetThresholds: thresholds.map((t) => ({
      budgetId: t.budgetId,
      instance: t.instance,
      threshold: t.threshold,
      reachedAt: t.reachedAt.toISOString(),
      unit: t.unit,
      spent: t.spent,
      limit: t.limit,
    })),
  };
}
