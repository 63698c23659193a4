import type { Config, ReportFormat } from '@tokenwatch/config';
import type { Pricer } from '@tokenwatch/pricing';
import type { Store } from '@tokenwatch/store';
import type { Dimension } from '../analytics/dimensions.ts';
import { buildWeeklyReport } from './build.ts';
import { type RenderableReport, renderFormat } from './deliver.ts';
import { getFocusRows } from './focus.ts';
import { lastCompleteWeek, parseIsoWeek } from './week.ts';

/** Which week: an ISO week (`2026-W47`), an explicit range, or the last complete week. */
export type WeekSelection = { week?: string; from?: Date; to?: Date; timezone: string };

/** What {@link loadWeeklyReport} needs: whose report, which week, and what goes with it. */
export type WeeklyReportParams = {
  tenant: string;
  selection: WeekSelection;
  by?: Dimension[];
  pricer: Pricer;
  config: Config;
  /** The build time; the default week is the last complete one before it. @default new Date() */
  now?: Date;
  /** Also read the FOCUS rows of the week (for the `focus` format). @default false */
  focus?: boolean;
};

/**
 * Builds the weekly report of a tenant, with the FOCUS rows of its week when asked: what every
 * format renders from.
 */
export async function loadWeeklyReport(
  store: Store,
  params: WeeklyReportParams,
): Promise<RenderableReport> {
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
  const focusRows = params.focus ? await getFocusRows(store, { tenant: params.tenant, range }) : [];
  return { report, focusRows };
}

/** Builds and renders the weekly report of a tenant in one format. */
export async function renderWeeklyReport(
  store: Store,
  params: Omit<WeeklyReportParams, 'focus'> & { format: ReportFormat },
): Promise<string> {
  return renderFormat(
    await loadWeeklyReport(store, { ...params, focus: params.format === 'focus' }),
    params.format,
  );
}
