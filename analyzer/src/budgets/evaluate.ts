import type { BudgetConfig } from '@tokenwatch/config';
import { Decimal } from '@tokenwatch/pricing';
import type { Store } from '@tokenwatch/store';
import { floorMinute, MINUTE_MS, parseDuration } from '../shared/duration.ts';
import { burnPairsFor, burnSignals, burnWindowLengths } from './burn-rate.ts';
import { eventKey, recordThresholdEvents, type ThresholdEvent } from './events-repository.ts';
import { forecastExhaustion } from './forecast.ts';
import {
  budgetCoversTenant,
  budgetLimit,
  budgetUnit,
  encodeInstance,
  instanceFields,
  instanceScope,
} from './instances.ts';
import { DEFAULT_SESSION_HORIZON, type PeriodPlan, periodAt } from './periods.ts';
import type { BudgetStatus } from './types.ts';
import { type BudgetUsageRow, getBudgetUsage } from './usage-repository.ts';

const HOUR_MS = 3_600_000;

/** Options of {@link evaluateBudgets}. */
export type EvaluateBudgetsOptions = {
  budgets: readonly BudgetConfig[];
  /** Zone of calendar periods for budgets that name none (the config's top-level `timezone`). */
  timezone: string;
  now: Date;
  /** Evaluate this tenant only; every tenant with spend when absent. */
  tenant?: string;
  /**
   * How far back session budgets look for a session's calls.
   * @default '7d'
   */
  sessionHorizon?: string;
  /**
   * Record newly reached thresholds (the alert engine's evaluation). A read-only view passes
   * false: it shows `reached` and leaves `newlyReached` empty, so looking never consumes an alert.
   * @default true
   */
  record?: boolean;
};

/**
 * Evaluates every budget at `now`: one status per budget instance (per tenant, per value of the
 * `per` field seen in the period, per session for session budgets), with period-to-date spend
 * from the per-minute rollup, reached thresholds, an exhaustion forecast and burn-rate signals.
 *
 * Budgets are independent filters over the same rollup, so a call counts against every budget
 * whose scope encloses it (org, team and agent budgets alike). Newly reached thresholds are
 * recorded in `budget_events`; `newlyReached` lists a threshold only on the first evaluation
 * that sees it in a period. One bounded query per budget, plus one read and one insert of events.
 *
 * @example
 * const statuses = await evaluateBudgets(store, { budgets: config.budgets, timezone: config.timezone, now: new Date() });
 */
export async function evaluateBudgets(
  store: Store,
  options: EvaluateBudgetsOptions,
): Promise<BudgetStatus[]> {
  const nowMs = options.now.getTime();
  const horizonMs = parseDuration(options.sessionHorizon ?? DEFAULT_SESSION_HORIZON);
  const statuses: BudgetStatus[] = [];
  const events: ThresholdEvent[] = [];
  const eventsOf = new Map<string, BudgetStatus>();
  for (const budget of options.budgets) {
    if (options.tenant !== undefined && !budgetCoversTenant(budget, options.tenant)) continue;
    const plan = periodAt(budget, nowMs, options.timezone, horizonMs);
    for (const status of await evaluateBudget(store, budget, plan, nowMs, options.tenant)) {
      statuses.push(status);
      for (const threshold of status.thresholds.reached) {
        const event: ThresholdEvent = {
          tenant: status.tenant,
          budgetId: status.budgetId,
          instance: status.instance,
          periodStart: plan.eventStart,
          threshold,
          unit: status.unit,
          spent: status.spent,
          limit: status.limit,
        };
        events.push(event);
        eventsOf.set(eventKey(event), status);
      }
    }
  }
  if (options.record === false) return statuses;
  for (const event of await recordThresholdEvents(store, events, nowMs)) {
    eventsOf.get(eventKey(event))?.thresholds.newlyReached.push(event.threshold);
  }
  return statuses;
}

async function evaluateBudget(
  store: Store,
  budget: BudgetConfig,
  plan: PeriodPlan,
  nowMs: number,
  requestTenant: string | undefined,
): Promise<BudgetStatus[]> {
  const unit = budgetUnit(budget);
  const limit = budgetLimit(budget);
  const fields = instanceFields(budget);
  const pairs = burnPairsFor(plan.kind, plan.lengthMs);
  // Windows are whole minutes before the current one; the forecast's hour is one of them.
  const lengths = [...new Set([HOUR_MS, ...burnWindowLengths(pairs)])];
  const nowMinute = floorMinute(nowMs);
  const tenant = requestTenant ?? budget.tenant;
  const rows = await getBudgetUsage(store, {
    budget,
    tenant,
    unit,
    from: Math.min(plan.start, nowMinute - Math.max(...lengths)),
    to: nowMinute + MINUTE_MS,
    periodFrom: plan.start,
    windows: lengths.map((length) => ({ from: nowMinute - length, to: nowMinute })),
  });
  // Instances exist once they spend in the period; a budget without instances always reports.
  const kept = rows.filter((row) => fields.length === 0 || row.periodCalls > 0);
  if (fields.length === 0 && tenant !== undefined && !kept.some((r) => r.tenant === tenant)) {
    kept.push(emptyRow(tenant, lengths.length));
  }
  return kept.map((row) => {
    const spent = row.spent;
    const byWindow = new Map(lengths.map((length, i) => [length, row.windows[i] ?? Decimal.ZERO]));
    const periodStart = plan.kind === 'session' ? row.firstMinute : plan.start;
    const remaining = limit.minus(spent);
    return {
      budgetId: budget.id,
      tenant: row.tenant,
      instance: fields.length ? encodeInstance(fields, row.values) : '',
      scope: instanceScope(budget, fields, row.values),
      per: budget.per,
      period: {
        kind: plan.kind,
        start: new Date(periodStart),
        end: plan.end === null ? null : new Date(plan.end),
        timezone: plan.timezone,
      },
      unit,
      limit: limit.format(),
      spent: spent.format(),
      remaining: remaining.isNegative() ? '0' : remaining.format(),
      fraction: Number(spent.dividedBy(limit).format(9)),
      thresholds: { reached: reachedThresholds(budget.thresholds, spent, limit), newlyReached: [] },
      forecast: forecastExhaustion({
        spent,
        limit,
        lastHour: byWindow.get(HOUR_MS) ?? Decimal.ZERO,
        nowMs,
        endMs: plan.kind === 'rolling' ? null : plan.end,
      }),
      ...burnSummary(pairs, byWindow, limit, plan.lengthMs),
    };
  });
}

function burnSummary(
  pairs: ReturnType<typeof burnPairsFor>,
  byWindow: Map<number, Decimal>,
  limit: Decimal,
  lengthMs: number | null,
): Pick<BudgetStatus, 'burn' | 'page' | 'ticket'> {
  const burn = lengthMs === null ? [] : burnSignals(pairs, byWindow, limit, lengthMs);
  return {
    burn,
    page: burn.some((b) => b.firing && b.severity === 'page'),
    ticket: burn.some((b) => b.firing && b.severity === 'ticket'),
  };
}

/** Configured thresholds that `spent` has reached, ascending and without repeats. */
export function reachedThresholds(
  thresholds: readonly number[],
  spent: Decimal,
  limit: Decimal,
): number[] {
  return [...new Set(thresholds)]
    .sort((a, b) => a - b)
    .filter((t) => spent.compare(limit.times(Decimal.from(t))) >= 0);
}

function emptyRow(tenant: string, windows: number): BudgetUsageRow {
  return {
    tenant,
    values: [],
    spent: Decimal.ZERO,
    periodCalls: 0,
    firstMinute: 0,
    lastMinute: 0,
    windows: Array.from({ length: windows }, () => Decimal.ZERO),
  };
}
