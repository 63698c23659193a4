/**
 * @module
 * Multi-window, multi-burn-rate budget signals (SRE workbook "Alerting on SLOs", approach 6,
 * applied to spend as in the reference §1.3): `burn = (spend_W / |W|) / (limit / P)`, where P is
 * the real period length (a 23- or 25-hour DST day, a 28–31-day month). A pair fires when its long
 * window AND its short window both burn at or above its rate. Windows are whole minutes of the
 * rollup ending before the current minute, so a window may straddle the period reset.
 */
import { Decimal } from '@tokenwatch/pricing';
import { parseDuration } from '../shared/duration.ts';
import type { BudgetPeriodKind, BurnSignal } from './types.ts';

/** A long/short window pair with the burn rate both must reach. */
export type BurnPair = {
  severity: 'page' | 'ticket';
  longWindow: string;
  shortWindow: string;
  threshold: number;
};

const pair = (
  severity: BurnPair['severity'],
  longWindow: string,
  shortWindow: string,
  threshold: number,
): BurnPair => ({ severity, longWindow, shortWindow, threshold });

/** 30-day budgets: SRE Table 5-8 plus the workbook's 1d/2h ticket pair (sloth's google-30d). */
export const MONTHLY_BURN_PAIRS: readonly BurnPair[] = [
  pair('page', '1h', '5m', 14.4),
  pair('page', '6h', '30m', 6),
  pair('ticket', '1d', '2h', 3),
  pair('ticket', '3d', '6h', 1),
];

/** 7-day budgets: bitdrift's defaults (`f × 168 h / W`). */
export const WEEKLY_BURN_PAIRS: readonly BurnPair[] = [
  pair('page', '1h', '5m', 16.8),
  pair('page', '6h', '30m', 5.6),
  pair('ticket', '1d', '2h', 2.8),
];

/**
 * 1-day budgets: the reference's [D] table. Its "~1–2 m" short window is 2m: windows are whole
 * rollup minutes, and a single minute is too noisy to confirm a 15-minute burn.
 */
export const DAILY_BURN_PAIRS: readonly BurnPair[] = [
  pair('page', '15m', '2m', 4.8),
  pair('page', '1h', '5m', 2.4),
  pair('ticket', '6h', '30m', 1.2),
];

const DAY_MS = 86_400_000;

/**
 * The pairs that apply to a period: by calendar kind, or for a rolling window by its length
 * (≤ 1 d daily, ≤ 7 d weekly, else monthly), dropping pairs whose long window exceeds it.
 * Sessions have no length, hence no burn rate.
 */
export function burnPairsFor(kind: BudgetPeriodKind, lengthMs: number | null): readonly BurnPair[] {
  if (lengthMs === null || kind === 'session') return [];
  if (kind === 'daily') return DAILY_BURN_PAIRS;
  if (kind === 'weekly') return WEEKLY_BURN_PAIRS;
  if (kind === 'monthly') return MONTHLY_BURN_PAIRS;
  const table =
    lengthMs <= DAY_MS
      ? DAILY_BURN_PAIRS
      : lengthMs <= 7 * DAY_MS
        ? WEEKLY_BURN_PAIRS
        : MONTHLY_BURN_PAIRS;
  return table.filter((p) => parseDuration(p.longWindow) <= lengthMs);
}

/** Every window length (ms) the pairs need. */
export function burnWindowLengths(pairs: readonly BurnPair[]): number[] {
  return pairs.flatMap((p) => [parseDuration(p.longWindow), parseDuration(p.shortWindow)]);
}

/**
 * `(spend / windowMs) / (limit / periodMs)` as an exact decimal: `spend × P / (|W| × limit)`.
 */
export function burnRate(
  spend: Decimal,
  windowMs: number,
  limit: Decimal,
  periodMs: number,
): Decimal {
  return spend.timesInteger(periodMs).dividedBy(limit.timesInteger(windowMs));
}

/**
 * Evaluates the pairs given each window's spend (keyed by window length in ms). Firing compares
 * exact decimals, so a burn of exactly the threshold fires.
 */
export function burnSignals(
  pairs: readonly BurnPair[],
  spendByWindow: ReadonlyMap<number, Decimal>,
  limit: Decimal,
  periodMs: number,
): BurnSignal[] {
  return pairs.map((p) => {
    const longMs = parseDuration(p.longWindow);
    const shortMs = parseDuration(p.shortWindow);
    const long = burnRate(spendByWindow.get(longMs) ?? Decimal.ZERO, longMs, limit, periodMs);
    const short = burnRate(spendByWindow.get(shortMs) ?? Decimal.ZERO, shortMs, limit, periodMs);
    const threshold = Decimal.from(p.threshold);
    return {
      severity: p.severity,
      longWindow: p.longWindow,
      shortWindow: p.shortWindow,
      threshold: p.threshold,
      longBurn: Number(long.format(6)),
      shortBurn: Number(short.format(6)),
      firing: long.compare(threshold) >= 0 && short.compare(threshold) >= 0,
    };
  });
}
