import { type BudgetConfig, SCOPE_FIELDS, type ScopeField } from '@tokenwatch/config';
import { Decimal } from '@tokenwatch/pricing';
import type { LlmCall } from '@tokenwatch/schema';
import type { Store } from '@tokenwatch/store';
import { floorMinute, MINUTE_MS, parseDuration } from '../shared/duration.ts';
import { type Attribution, callScopeValue, callTokens } from '../shared/scope.ts';
import { CalendarTrack, RollingTrack, SessionTrack, type Track } from './counter-tracks.ts';
import {
  budgetLimit,
  budgetUnit,
  encodeInstance,
  type InstanceMatcher,
  instanceFields,
  instanceMatcher,
} from './instances.ts';
import { budgetTimezone, DEFAULT_SESSION_HORIZON, periodAt, rollingWindowMs } from './periods.ts';
import type { BudgetUnit } from './types.ts';
import { getBudgetUsage, getBudgetUsageByMinute } from './usage-repository.ts';

/** Options of {@link BudgetCounter}. */
export type BudgetCounterOptions = {
  budgets: readonly BudgetConfig[];
  /** Zone of calendar periods for budgets that name none (the config's top-level `timezone`). */
  timezone: string;
  /**
   * How long an idle session's spend is kept, and how far back `rebuild` looks for sessions.
   * @default '7d'
   */
  sessionHorizon?: string;
};

/** One enclosing budget in a {@link BudgetCheck}. Amounts are exact decimal strings. */
export type BudgetCheckEntry = {
  id: string;
  tenant: string;
  /** Instance name as in `BudgetStatus.instance` (`''` without `per`). */
  instance: string;
  period: { start: Date; end: Date | null };
  unit: BudgetUnit;
  limit: string;
  spent: string;
  /** `limit − spent`, never below zero. */
  remaining: string;
  fraction: number;
};

/** Answer of {@link BudgetCounter.check}. */
export type BudgetCheck = {
  /** No enclosing budget is at or over its limit. */
  allowed: boolean;
  budgets: BudgetCheckEntry[];
};

/** Query of {@link BudgetCounter.check}: the attribution a call would carry. */
export type BudgetCheckQuery = { tenant: string; scope: Attribution; now: Date };

type Tracked = {
  budget: BudgetConfig;
  fields: ScopeField[];
  match: InstanceMatcher;
  unit: BudgetUnit;
  limit: Decimal;
  timezone: string;
  track: Track;
};

const key = (tenant: string, instance: string) => `${tenant}\u0000${instance}`;

/**
 * Per-scope spend in memory, so budget checks on the hot path need no query. The ingest path
 * calls {@link BudgetCounter.record} with every stored call; on start {@link BudgetCounter.rebuild}
 * loads the current periods from the rollup. Periods roll over at their boundaries on their own:
 * a reading only counts the period holding `now`.
 *
 * Counting matches `evaluateBudgets`: USD is the calls' `totalCost` (unpriced calls add nothing),
 * tokens are input + cache read + cache write + output; a call counts against every budget whose
 * scope encloses it. Known differences: repricing changes the rollup but not this counter until
 * the next rebuild, and a session longer than the horizon keeps its whole spend here.
 *
 * @example
 * const counter = new BudgetCounter({ budgets: config.budgets, timezone: config.timezone });
 * await counter.rebuild(store, new Date());
 * const { allowed } = counter.check({ tenant: 'acme', scope: { agent: 'planner' }, now: new Date() });
 */
export class BudgetCounter {
  private readonly tracked: Tracked[];
  private readonly horizonMs: number;
  private clock = Number.NEGATIVE_INFINITY;
  private sweptAt = Number.NEGATIVE_INFINITY;

  constructor(options: BudgetCounterOptions) {
    this.horizonMs = parseDuration(options.sessionHorizon ?? DEFAULT_SESSION_HORIZON);
    this.tracked = options.budgets.map((budget) => {
      const timezone = budgetTimezone(budget, options.timezone);
      let track: Track;
      if (budget.period === 'rolling') track = new RollingTrack(rollingWindowMs(budget));
      else if (budget.period === 'session') track = new SessionTrack(this.horizonMs);
      else track = new CalendarTrack(budget, timezone);
      return {
        budget,
        fields: instanceFields(budget),
        match: instanceMatcher(budget),
        unit: budgetUnit(budget),
        limit: budgetLimit(budget),
        timezone,
        track,
      };
    });
  }

  /** Books stored calls against every budget that encloses them. */
  record(calls: readonly LlmCall[]): void {
    for (const call of calls) {
      const ms = Number(call.startTime / 1_000_000n);
      const attribution: Attribution = {};
      for (const field of SCOPE_FIELDS) attribution[field] = callScopeValue(call, field);
      let usd: Decimal | undefined;
      let tokens: Decimal | undefined;
      for (const t of this.tracked) {
        const instance = t.match(call.tenant, attribution);
        if (instance === undefined) continue;
        let amount: Decimal;
        if (t.unit === 'usd') {
          usd ??= call.totalCost === null ? Decimal.ZERO : Decimal.from(call.totalCost);
          amount = usd;
        } else {
          tokens ??= Decimal.from(callTokens(call));
          amount = tokens;
        }
        t.track.add(key(call.tenant, instance), ms, amount);
      }
    }
    this.sweep();
  }

  /**
   * Replaces the counts with the store's: each budget's current period (rolling windows minute
   * by minute, sessions over the horizon) read from the per-minute rollup up to `now`.
   */
  async rebuild(store: Store, now: Date): Promise<void> {
    const nowMs = now.getTime();
    const to = floorMinute(nowMs) + MINUTE_MS;
    for (const t of this.tracked) {
      t.track.clear();
      const plan = periodAt(t.budget, nowMs, t.timezone, this.horizonMs);
      const query = {
        budget: t.budget,
        tenant: t.budget.tenant,
        unit: t.unit,
        from: plan.start,
        to,
      };
      const instanceKey = (tenant: string, values: string[]) =>
        key(tenant, t.fields.length ? encodeInstance(t.fields, values) : '');
      if (t.track instanceof RollingTrack) {
        for (const row of await getBudgetUsageByMinute(store, query)) {
          t.track.add(instanceKey(row.tenant, row.values), row.minute, row.amount);
        }
        continue;
      }
      const rows = await getBudgetUsage(store, { ...query, periodFrom: plan.start, windows: [] });
      for (const row of rows) {
        if (row.periodCalls === 0) continue;
        const k = instanceKey(row.tenant, row.values);
        if (t.track instanceof SessionTrack) {
          t.track.load(k, { first: row.firstMinute, last: row.lastMinute, amount: row.spent });
        } else if (t.track instanceof CalendarTrack && plan.end !== null) {
          t.track.load(k, { start: plan.start, end: plan.end }, row.spent);
        }
      }
    }
    this.clock = nowMs;
  }

  /**
   * The budgets a call with this attribution would count against, with their current spend, and
   * whether all of them still have room. Answered from memory.
   */
  check(query: BudgetCheckQuery): BudgetCheck {
    const nowMs = query.now.getTime();
    if (nowMs > this.clock) this.clock = nowMs;
    this.sweep();
    const budgets: BudgetCheckEntry[] = [];
    let allowed = true;
    for (const t of this.tracked) {
      const instance = t.match(query.tenant, query.scope);
      if (instance === undefined) continue;
      const reading = t.track.read(key(query.tenant, instance), nowMs);
      const remaining = t.limit.minus(reading.spent);
      // At 100 % the budget is spent: the next call would go over.
      if (reading.spent.compare(t.limit) >= 0) allowed = false;
      budgets.push({
        id: t.budget.id,
        tenant: query.tenant,
        instance,
        period: {
          start: new Date(reading.start),
          end: reading.end === null ? null : new Date(reading.end),
        },
        unit: t.unit,
        limit: t.limit.format(),
        spent: reading.spent.format(),
        remaining: remaining.isNegative() ? '0' : remaining.format(),
        fraction: Number(reading.spent.dividedBy(t.limit).format(9)),
      });
    }
    return { allowed, budgets };
  }

  /**
   * Drops finished periods, windows and idle sessions, at most once per minute. The clock is the
   * `now` of checks and rebuilds only: a call stamped in the future must not end current periods.
   */
  private sweep(): void {
    if (this.clock - this.sweptAt < MINUTE_MS) return;
    this.sweptAt = this.clock;
    for (const t of this.tracked) t.track.sweep(this.clock);
  }
}
