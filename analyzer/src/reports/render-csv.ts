import { toCsv } from './csv.ts';
import type { WeeklyReport } from './schema.ts';

/** Columns of the attribution CSV. */
export const ATTRIBUTION_CSV_COLUMNS = [
  'week',
  'tenant',
  'dimension',
  'label',
  'cost_usd',
  'previous_cost_usd',
  'delta_usd',
  'delta_ratio',
  'share',
  'calls',
  'tokens',
  'unpriced_calls',
] as const;

/** One CSV row per attribution line (every table of the report), RFC 4180. */
export function renderAttributionCsv(report: WeeklyReport): string {
  const rows = Object.values(report.attribution).flatMap((lines) =>
    lines.map((l) => [
      report.week.label,
      report.tenant,
      l.dimension,
      l.label,
      l.costUsd,
      l.previousCostUsd,
      l.deltaUsd,
      l.deltaRatio === null ? '' : String(l.deltaRatio),
      String(l.share),
      String(l.calls),
      String(l.tokens),
      String(l.unpricedCalls),
    ]),
  );
  return toCsv(ATTRIBUTION_CSV_COLUMNS, rows);
}

/** The report as pretty JSON (the `WeeklyReportSchema` shape). */
export function renderJson(report: WeeklyReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
