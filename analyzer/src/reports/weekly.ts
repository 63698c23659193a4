import type { Config, ReportFormat } from '@tokenwatch/config';
import type { Pricer } from '@tokenwatch/pricing';
import type { Store } from '@tokenwatch/store';
import type { Dimension } from '../analytics/dimensions.ts';
import { buildWeeklyReport } from './build.ts';
import { renderFormat } from './deliver.ts';
import { getFocusRows } from './focus.ts';
import { lastCompleteWeek, parseIsoWeek } from './week.ts';

/** Which week: an ISO week (`2026-W47`), an explicit range, or the last complete week. */
export type WeekSelection = { week?: string; from?: Date; to?: Date; timezone: string };

/**
 * Builds and renders the weekly report of a tenant in one format: what `tokenwatch report weekly`
 * prints and `/api/v1/reports/weekly` answers.
 */
export async function renderWeeklyReport(
  store: Store,
  params: {
    tenant: string;
    selection: WeekSelection;
    by?: Dimension[];
    format: ReportFormat;
    pricer: Pricer;
    config: Config;
    /** The build time. @default new Date() */
    now?: Date;
  },
): Promise<string> {
  const { selection } = params;
  const now = params.now ?? new Date();
  const defaultWeek = !(selection.from && selection.to) && !selection.week;
  const range =
    selection.from && selection.to
      ? { from: selection.from, to: selection.to }
      : selection.week
        ? parseIsoWeek(selection.week, selection.timezone)
        : lastCompleteWeek(now, selection.timezone);
  const report = await buildWeeklyReport(store, {
    tenant: params.tenant,
    from: range.from,
    to: range.to,
    timezone: selection.timezone,
    by: params.by,
    pricer: params.pricer,
    budgets: params.config.budgets,
    budgetTimezone: params.config.timezone,
    defaultWeek,
    now,
  });
  const focusRows =
    params.format === 'focus' ? await getFocusRows(store, { tenant: params.tenant, range }) : [];
  return renderFormat({ report, focusRows }, params.format);
}
