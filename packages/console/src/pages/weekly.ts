import { isoWeekAt, weeklyReportRead } from '@tokenwatch/analyzer';
import { html } from 'hono/html';
import { linkWith, type PageContext, type RenderedPage } from '../context.ts';

const WEEKS_LISTED = 8;

/** The weeks the page offers: the running one and the ones before it, newest first. */
function recentWeeks(now: Date, timezone: string): string[] {
  const weeks: string[] = [];
  let at = now;
  for (let i = 0; i < WEEKS_LISTED; i++) {
    const week = isoWeekAt(at, timezone);
    weeks.push(week.label);
    at = new Date(week.from.getTime() - 1);
  }
  return weeks;
}

/**
 * Weekly reports: this and past weeks, each the same HTML document the report delivers,
 * shown in a frame (the document keeps its own styles).
 */
export function weeklyPage(ctx: PageContext, now: Date): RenderedPage {
  const weeks = recentWeeks(now, ctx.timezone);
  // The last complete week unless asked, as `report weekly` does.
  const week = ctx.params.week || weeks[1]!;
  const src = linkWith('/reports/weekly', {}, { week });
  const body = html`<nav aria-label="Weeks"><ul class="weeks">${weeks.map(
    (w) =>
      html`<li><a href="${linkWith('/reports', {}, { week: w })}"${w === week ? html` aria-current="page"` : ''}>${w}</a></li>`,
  )}</ul></nav>
<p><a href="${src}" data-testid="report-link">Open the ${week} report on its own</a></p>
<iframe class="report" src="${src}" title="Weekly report ${week}"></iframe>`;
  return { title: 'Weekly reports', body };
}

/** The report of one week as its HTML document, through the read. */
export async function weeklyDocument(ctx: PageContext): Promise<string> {
  const query = { week: ctx.params.week, format: 'html' };
  const result = await ctx.reads.read(weeklyReportRead, query);
  return weeklyReportRead.documents!.render(result, 'html');
}
