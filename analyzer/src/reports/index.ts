export { type BuildWeeklyReportOptions, buildWeeklyReport } from './build.ts';
export { deliverReport, deliveryKey, renderFormat } from './deliver.ts';
export { FOCUS_COLUMNS, type FocusRow, getFocusRows, renderFocusCsv } from './focus.ts';
export { ATTRIBUTION_CSV_COLUMNS, renderAttributionCsv, renderJson } from './render-csv.ts';
export { renderHtml } from './render-html.ts';
export { renderMarkdown } from './render-markdown.ts';
export {
  createReportScheduler,
  type ReportRun,
  type ReportScheduler,
  type ReportSchedulerConfig,
  type ReportSchedulerOptions,
} from './scheduler.ts';
export {
  type AttributionLine,
  AttributionLineSchema,
  type WeeklyReport,
  WeeklyReportSchema,
} from './schema.ts';
export {
  isoWeekAt,
  lastCompleteWeek,
  parseIsoWeek,
  type ReportWeek,
  shiftWeeks,
} from './week.ts';
export { renderWeeklyReport, type WeekSelection } from './weekly.ts';
