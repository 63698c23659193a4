import { Decimal } from '@tokenwatch/pricing';
import type { Store } from '@tokenwatch/store';
import { type CostRow, getCost } from '../analytics/cost.ts';
import type { Dimension } from '../analytics/dimensions.ts';
import type { TimeRange } from '../analytics/time-range.ts';
import { percent, usd } from './format.ts';
import type { AttributionLine, WeeklyReport } from './schema.ts';

/** Attribution tables every weekly report has; `by` adds one more. */
export const REPORT_DIMENSIONS: readonly Dimension[] = [
  'team',
  'agent',
  'feature',
  'model',
  'provider',
];

/** Share of `part` in `whole` rounded to 6 places; 0 when nothing was spent. */
export function shareOf(part: string, whole: string): number {
  const w = Decimal.from(whole);
  return w.isZero() ? 0 : Number(Decimal.from(part).dividedBy(w).format(6));
}

/** `(current − previous) / previous`, rounded to 6 places; null when previous is zero. */
export function ratioOf(delta: string, previous: string): number | null {
  const p = Decimal.from(previous);
  return p.isZero() ? null : Number(Decimal.from(delta).dividedBy(p).format(6));
}

const tokensOf = (r: CostRow) =>
  r.inputTokens + r.cacheReadTokens + r.cacheWriteTokens + r.outputTokens;

/**
 * One attribution table: the week's groups joined with the previous week's (computed over the
 * calendar week before, not getCost's same-length period, so DST weeks compare Monday to Monday).
 * Groups that spent only the week before are kept with zero spend so drops are visible.
 */
export async function getAttribution(
  store: Store,
  params: { tenant: string; range: TimeRange; previous: TimeRange; by: Dimension[]; total: string },
): Promise<AttributionLine[]> {
  const { tenant, by } = params;
  const current = await getCost(store, { tenant, range: params.range, by, limit: 10_000 });
  const previous = await getCost(store, { tenant, range: params.previous, by, limit: 10_000 });
  const keyOf = (r: CostRow) => JSON.stringify(by.map((d) => r.key[d] ?? ''));
  const before = new Map(previous.rows.map((r) => [keyOf(r), r]));
  const seen = new Set<string>();
  const lines: AttributionLine[] = [];
  for (const row of [...current.rows, ...previous.rows]) {
    const k = keyOf(row);
    if (seen.has(k)) continue;
    seen.add(k);
    const isCurrent = current.rows.includes(row);
    const costUsd = isCurrent ? row.costUsd : '0';
    const previousCostUsd = before.get(k)?.costUsd ?? '0';
    const deltaUsd = Decimal.from(costUsd).minus(Decimal.from(previousCostUsd)).format();
    const key = Object.fromEntries(by.map((d) => [d, row.key[d] ?? '']));
    lines.push({
      dimension: by.join('+'),
      key,
      label: by.map((d) => key[d] || '(none)').join(' / '),
      costUsd,
      previousCostUsd,
      deltaUsd,
      deltaRatio: ratioOf(deltaUsd, previousCostUsd),
      share: shareOf(costUsd, params.total),
      calls: isCurrent ? row.calls : 0,
      tokens: isCurrent ? tokensOf(row) : 0,
      unpricedCalls: isCurrent ? row.unpricedCalls : 0,
    });
  }
  return lines.sort(
    (a, b) =>
      Decimal.from(b.costUsd).compare(Decimal.from(a.costUsd)) || a.label.localeCompare(b.label),
  );
}

/** A group with a value in every dimension: `(none)` groups say nothing about who spent. */
const attributed = (l: AttributionLine) => Object.values(l.key).every((v) => v !== '');

/** How many movers of each kind a report lists. */
export const TOP_MOVERS = 5;

/**
 * The largest increases across the single-dimension tables: by dollars, and by ratio (groups new
 * this week have no ratio and appear only by dollars). Unattributed groups are left out; their
 * spend is stated by {@link unattributedSpend}.
 */
export function topMovers(
  attribution: Record<string, AttributionLine[]>,
  dimensions: readonly string[],
): WeeklyReport['topMovers'] {
  const lines = dimensions.flatMap((d) => attribution[d] ?? []);
  const up = lines.filter(
    (l) => attributed(l) && Decimal.from(l.deltaUsd).compare(Decimal.ZERO) > 0,
  );
  const mover = (l: AttributionLine) => ({
    dimension: l.dimension,
    label: l.label,
    costUsd: l.costUsd,
    previousCostUsd: l.previousCostUsd,
    deltaUsd: l.deltaUsd,
    deltaRatio: l.deltaRatio,
  });
  const absolute = [...up]
    .sort(
      (a, b) =>
        Decimal.from(b.deltaUsd).compare(Decimal.from(a.deltaUsd)) ||
        a.label.localeCompare(b.label),
    )
    .slice(0, TOP_MOVERS)
    .map(mover);
  const relative = up
    .filter((l) => l.deltaRatio !== null)
    .sort((a, b) => (b.deltaRatio ?? 0) - (a.deltaRatio ?? 0) || a.label.localeCompare(b.label))
    .slice(0, TOP_MOVERS)
    .map(mover);
  return { absolute, relative };
}

/**
 * The largest attributed group of each table and its share, stated as a sentence for the summary.
 * "team (none) is 100% of spend" would say nothing: unattributed spend is {@link unattributedSpend}.
 */
export function concentration(
  attribution: Record<string, AttributionLine[]>,
  dimensions: readonly string[],
): WeeklyReport['concentration'] {
  return dimensions.flatMap((dimension) => {
    const top = attribution[dimension]?.find(attributed);
    if (!top || top.share === 0) return [];
    return [
      {
        dimension,
        label: top.label,
        share: top.share,
        statement: `${dimension} ${top.label} is ${percent(top.share)} of spend`,
      },
    ];
  });
}

/** How much of the week's spend has no value for each dimension, as a sentence each. */
export function unattributedSpend(
  attribution: Record<string, AttributionLine[]>,
  dimensions: readonly string[],
): WeeklyReport['unattributed'] {
  return dimensions.flatMap((dimension) => {
    const none = attribution[dimension]?.find((l) => l.key[dimension] === '');
    if (!none || Decimal.from(none.costUsd).isZero()) return [];
    return [
      {
        dimension,
        costUsd: none.costUsd,
        share: none.share,
        statement: `${usd(none.costUsd)} (${percent(none.share)}) of spend has no ${dimension}`,
      },
    ];
  });
}
