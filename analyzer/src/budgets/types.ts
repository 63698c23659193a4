import type { ScopeField } from '@tokenwatch/config';
import type { Attribution } from '../shared/scope.ts';

/** What a budget limits: dollars (exact decimals) or tokens. */
export type BudgetUnit = 'usd' | 'tokens';

/** Period kinds of a budget, as in the config. */
export type BudgetPeriodKind = 'daily' | 'weekly' | 'monthly' | 'session' | 'rolling';

/**
 * The span of time a budget instance's spend is counted over. Calendar periods are `[start, end)`
 * in the budget's time zone; a rolling period is the window of whole minutes ending with the
 * current one; a session has no end (`end: null`) and starts at its first call seen.
 */
export type BudgetPeriod = {
  kind: BudgetPeriodKind;
  start: Date;
  end: Date | null;
  /** IANA zone the calendar boundaries are computed in. */
  timezone: string;
};

/** One multi-window burn-rate pair (SRE workbook approach 6) evaluated for a budget. */
export type BurnSignal = {
  severity: 'page' | 'ticket';
  /** Window lengths as written in the reference tables, e.g. `1h` and `5m`. */
  longWindow: string;
  shortWindow: string;
  /** Burn rate both windows must reach. */
  threshold: number;
  /** `(spend_W / |W|) / (limit / period_length)` over each window. */
  longBurn: number;
  shortBurn: number;
  /** Both windows at or above the threshold. */
  firing: boolean;
};

/** Exhaustion forecast from the last hour's burn; see `forecast.ts` for the formula. */
export type BudgetForecast = {
  /** Spend over the last 60 whole minutes, i.e. the spend rate per hour. */
  ratePerHour: string;
  /** `spent + rate_1h × time_left`; null for periods without an end (rolling, session). */
  projected: string | null;
  /** When the limit is reached at the current rate: null when the rate is zero or the period ends first. */
  exhaustsAt: Date | null;
  /** The limit is already reached. */
  exhausted: boolean;
};

/** The state of one budget instance, as `evaluateBudgets` reports it. */
export type BudgetStatus = {
  budgetId: string;
  tenant: string;
  /**
   * Names the instance within the budget: `''` for a budget without `per`, else the instance
   * fields as `field=value` pairs (values URI-encoded, fields sorted, joined by `&`), e.g.
   * `agent=planner` or `session=abc`.
   */
  instance: string;
  /** The budget's scope plus the instance's fields: the attribution this instance covers. */
  scope: Attribution;
  /** The field a `per` budget is split by. */
  per: ScopeField | undefined;
  period: BudgetPeriod;
  unit: BudgetUnit;
  /** Decimal strings (exact); token amounts are whole numbers. */
  limit: string;
  spent: string;
  /** `limit − spent`, never below zero. */
  remaining: string;
  /** `spent / limit` (1 = the whole budget). */
  fraction: number;
  thresholds: {
    /** Configured fractions that period-to-date spend has reached, ascending. */
    reached: number[];
    /** Those reported for the first time by this evaluation (once per period, ever). */
    newlyReached: number[];
  };
  forecast: BudgetForecast;
  burn: BurnSignal[];
  /** Some page pair fires. */
  page: boolean;
  /** Some ticket pair fires. */
  ticket: boolean;
};
