import type { Store } from '@tokenwatch/store';
import { getCost } from '../analytics/cost.ts';
import type { TimeRange } from '../analytics/time-range.ts';
import { isoWeekAt, localDayRanges } from './week.ts';

/**
 * What an empty report of the default week says first: which week it covered, and how to pick
 * another. On a fresh store (the demo's, say) all the data is in the current week, which the
 * default, the last complete week, never is; so the current week is named with its calls so far.
 *
 * @example
 * // ['No calls in 2026-W49 (2026-11-30 to 2026-12-06, UTC), the last complete week, which the report covers by default.',
 * //  'The current week has 12 calls so far: `tokenwatch report weekly --week 2026-W50`. …']
 */
export async function emptyWeekNotes(
  store: Store,
  params: { tenant: string; range: TimeRange; timezone: string; now: Date },
): Promise<string[]> {
  const { range, timezone } = params;
  const days = localDayRanges(range, timezone);
  const label = isoWeekAt(range.from, timezone).label;
  const current = isoWeekAt(params.now, timezone);
  const notes = [
    `No calls in ${label} (${days[0]?.date} to ${days.at(-1)?.date}, ${timezone}), the last complete week, which the report covers by default.`,
  ];
  const { total } = await getCost(store, { tenant: params.tenant, range: current, by: [] });
  const pick = 'Pick any week with `--week YYYY-Www` or a range with `--from` and `--to`.';
  notes.push(
    total.calls > 0
      ? `The current week has ${total.calls} call${total.calls === 1 ? '' : 's'} so far: \`tokenwatch report weekly --week ${current.label}\`. ${pick}`
      : `The current week, ${current.label}, has no calls yet either. ${pick}`,
  );
  return notes;
}
