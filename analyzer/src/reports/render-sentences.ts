import { usd } from './format.ts';
import type { WeeklyReport } from './schema.ts';

type Occurrence = WeeklyReport['alerts']['items'][number];

/** `2h 5m`, with `(still firing)` for an alert open when the report was built. */
export function duration(a: Occurrence): string {
  const h = Math.floor(a.minutes / 60);
  const text = h > 0 ? `${h}h ${a.minutes % 60}m` : `${a.minutes}m`;
  return a.endsAt === null ? `${text} (still firing)` : text;
}

/** One sentence on the week's alerts, anomalies and budget thresholds, shared by the renderers. */
export function alertsSummary(report: WeeklyReport): string {
  const a = report.alerts;
  if (a.occurrences === 0 && a.budgetThresholds.length === 0)
    return 'No alerts fired and no budget threshold was reached this week.';
  const severities = Object.entries(a.bySeverity)
    .sort(([x], [y]) => x.localeCompare(y))
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  const parts = [
    `${a.occurrences} alert${a.occurrences === 1 ? '' : 's'} fired${severities ? ` (${severities})` : ''}`,
    `${a.anomalies.length} burn-rate anomal${a.anomalies.length === 1 ? 'y' : 'ies'}` +
      (a.anomalies.length
        ? `: ${[...new Set(a.anomalies.map((x) => x.entity || x.rule))].join(', ')}`
        : ''),
    `${a.budgetThresholds.length} budget threshold${a.budgetThresholds.length === 1 ? '' : 's'} reached`,
  ];
  return `${parts.join('; ')}.`;
}

/** The summary's bullets: the largest attributed groups, then the spend nobody is named for. */
export function headlines(report: WeeklyReport): string[] {
  return [
    ...report.concentration.map((c) => c.statement),
    ...report.unattributed.map((u) => u.statement),
  ];
}

type BudgetLine = WeeklyReport['budgets'][number];

/** `cx-daily`, or `per-agent (agent=planner)` for one instance of a split budget. */
export function budgetName(b: Pick<BudgetLine, 'budgetId' | 'instance'>): string {
  return b.instance ? `${b.budgetId} (${b.instance})` : b.budgetId;
}

/** Dollars by the report's rule, tokens as the whole number they are. */
export function budgetAmount(unit: BudgetLine['unit'], amount: string): string {
  return unit === 'usd' ? usd(amount) : amount;
}

/** When the budgets were read, and the command that shows the same figures. */
export function budgetsSummary(report: WeeklyReport): string {
  const at = report.budgetsAt;
  const when =
    Date.parse(at) < Date.parse(report.week.to) - 1 ? 'so far' : 'at the end of the week';
  return `Period to date as of ${at} (${when}): \`tokenwatch budgets --at ${at} --tenant ${report.tenant}\` shows the same.`;
}

/** Days with data, ingest gaps, rejected spans and unpriced calls, in one paragraph. */
export function dataSummary(report: WeeklyReport): string {
  const c = report.completeness;
  const ahead = report.daily.length - c.days;
  const parts = [
    `${c.daysWithData} of ${c.days} days ${ahead > 0 ? 'so far ' : ''}have data` +
      (c.missingDays.length ? ` (none on ${c.missingDays.join(', ')})` : '') +
      (ahead > 0 ? `, ${ahead} day${ahead === 1 ? '' : 's'} of the week still to come` : ''),
    c.gaps.length
      ? `ingest gaps where past weeks had traffic: ${c.gaps.map((g) => `${g.from} to ${g.to} (${g.hours} h)`).join(', ')}`
      : 'no ingest gaps',
    `${c.rejectedSpans} spans and ${c.rejectedRequests} requests rejected by the collector` +
      (c.rejections.length
        ? ` (${c.rejections.map((r) => `${r.reason}: ${r.spans} spans, ${r.requests} requests`).join('; ')})`
        : ''),
    `${report.unpriced.calls} unpriced calls` +
      (report.unpriced.byModel.length
        ? ` (${report.unpriced.byModel.map((m) => `${m.model}: ${m.calls}`).join(', ')})`
        : ''),
  ];
  return `${parts.join('; ')}.`;
}
