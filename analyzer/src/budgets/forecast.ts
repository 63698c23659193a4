import { Decimal } from '@tokenwatch/pricing';
import type { BudgetForecast } from './types.ts';

const HOUR_MS = 3_600_000;

/** Inputs of {@link forecastExhaustion}; amounts in the budget's unit. */
export type ForecastInput = {
  spent: Decimal;
  limit: Decimal;
  /** Spend over the last 60 whole minutes (the rate per hour). */
  lastHour: Decimal;
  nowMs: number;
  /** Period end; null for periods without one. */
  endMs: number | null;
};

/**
 * Projects the period from the last hour's burn:
 *
 * ```
 * rate_1h    = spend over the 60 whole minutes before the current minute, per hour
 * projected  = spent + rate_1h × (end − now)                     (calendar periods only)
 * exhaustsAt = now + (limit − spent) / rate_1h                   (if before the period end)
 * ```
 *
 * A rolling window has no end; its exhaustion time ignores spend that will leave the window, so
 * it is the earliest possible one. Arithmetic is exact; `exhaustsAt` is rounded to the millisecond.
 */
export function forecastExhaustion(input: ForecastInput): BudgetForecast {
  const { spent, limit, lastHour, nowMs, endMs } = input;
  const exhausted = spent.compare(limit) >= 0;
  const projected =
    endMs === null
      ? null
      : spent.plus(
          lastHour.timesInteger(Math.max(0, endMs - nowMs)).dividedBy(Decimal.from(HOUR_MS)),
        );
  let exhaustsAt: Date | null = null;
  if (!exhausted && lastHour.compare(Decimal.ZERO) > 0) {
    const ms = Number(limit.minus(spent).timesInteger(HOUR_MS).dividedBy(lastHour).format(0));
    const at = nowMs + ms;
    if (endMs === null || at < endMs) exhaustsAt = new Date(at);
  }
  return {
    ratePerHour: lastHour.format(),
    projected: projected === null ? null : projected.format(),
    exhaustsAt,
    exhausted,
  };
}
