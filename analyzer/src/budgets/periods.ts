import type { BudgetConfig } from '@tokenwatch/config';
import { floorMinute, MINUTE_MS, parseDuration } from '../shared/duration.ts';
import { calendarPeriodAt } from '../shared/zoned-time.ts';
import type { BudgetPeriodKind } from './types.ts';

/** How far back a session budget looks for a session's calls, unless told otherwise. */
export const DEFAULT_SESSION_HORIZON = '7d';

/**
 * Where a budget's current period lies at some instant, in epoch milliseconds.
 *
 * - daily / weekly (Monday) / monthly: the calendar period in the zone, `[start, end)`.
 * - rolling W: the W/1min whole minutes ending with the current (partial) one, so that the
 *   per-minute rollup and the in-memory counter see exactly the same calls.
 * - session: the horizon scanned for sessions, ending with the current minute; each session's
 *   own period starts at its first call seen and has no end.
 */
export type PeriodPlan = {
  kind: BudgetPeriodKind;
  timezone: string;
  start: number;
  /** Exclusive end; null for sessions. */
  end: number | null;
  /** Period length `P` of the burn-rate formula; null for sessions. */
  lengthMs: number | null;
  /**
   * Period start recorded with reached thresholds. Calendar: the period start. Rolling: the start
   * of the epoch-aligned W-long bucket holding the instant (a rolling window has no start of its
   * own, so a threshold still exceeded re-reports once per W). Session: 0, because the session
   * itself is the period.
   */
  eventStart: number;
};

/** The budget's zone: its own, else the configuration's. */
export function budgetTimezone(budget: BudgetConfig, defaultTimezone: string): string {
  return budget.timezone ?? defaultTimezone;
}

/** The budget's period holding instant `ms`. */
export function periodAt(
  budget: BudgetConfig,
  ms: number,
  defaultTimezone: string,
  sessionHorizonMs: number,
): PeriodPlan {
  const timezone = budgetTimezone(budget, defaultTimezone);
  const minute = floorMinute(ms);
  switch (budget.period) {
    case 'daily':
    case 'weekly':
    case 'monthly': {
      const { start, end } = calendarPeriodAt(budget.period, ms, timezone);
      return {
        kind: budget.period,
        timezone,
        start,
        end,
        lengthMs: end - start,
        eventStart: start,
      };
    }
    case 'rolling': {
      const window = rollingWindowMs(budget);
      return {
        kind: 'rolling',
        timezone,
        start: minute + MINUTE_MS - window,
        end: minute + MINUTE_MS,
        lengthMs: window,
        eventStart: Math.floor(ms / window) * window,
      };
    }
    case 'session':
      return {
        kind: 'session',
        timezone,
        start: minute + MINUTE_MS - sessionHorizonMs,
        end: null,
        lengthMs: null,
        eventStart: 0,
      };
  }
}

/** Length of a rolling budget's window, rounded down to whole minutes (at least one). */
export function rollingWindowMs(budget: BudgetConfig): number {
  const ms = parseDuration(budget.window ?? '1d');
  return Math.max(MINUTE_MS, floorMinute(ms));
}
