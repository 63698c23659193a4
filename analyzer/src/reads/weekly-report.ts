import { REPORT_FORMATS, type ReportFormat } from '@tokenwatch/config';
import { z } from 'zod';
import { renderFormat } from '../reports/deliver.ts';
import { FOCUS_COLUMNS } from '../reports/focus.ts';
import { WeeklyReportSchema } from '../reports/schema.ts';
import { parseIsoWeek } from '../reports/week.ts';
import { loadWeeklyReport } from '../reports/weekly.ts';
import { parseTime } from '../shared/time-grammar.ts';
import { defineRead } from './contract.ts';
import { dimensionsParam, timeParam, timezoneParam } from './schemas.ts';

/** The content type of each document the weekly report renders to. */
const CONTENT_TYPES: Record<ReportFormat, string> = {
  md: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
  json: 'application/json',
  csv: 'text/csv; charset=utf-8',
  focus: 'text/csv; charset=utf-8',
};

/** What `report weekly` answers: the report, and its week's FOCUS rows when asked for. */
export const WeeklyReportResultSchema = z.object({
  report: WeeklyReportSchema,
  focusRows: z.array(z.record(z.enum(FOCUS_COLUMNS), z.string())),
});

const defaults = { at: 'now' } as const;

/**
 * `report weekly`: who spent what, what changed, what was wasted, for one week. The week is an
 * ISO week (`week`), a range (`from` and `to`, read in the report's time zone `tz`), or the last
 * complete week before `at`. Over HTTP, `format` asks for a rendered document instead of the
 * result (Markdown, HTML, the report's JSON, attribution CSV, FOCUS CSV).
 */
export const weeklyReportRead = defineRead({
  name: 'weekly-report',
  path: '/reports/weekly',
  query: (context) =>
    z
      .object({
        week: z.string().optional(),
        // Read in the report's time zone, once it is known: strings until then.
        from: z.string().optional(),
        to: z.string().optional(),
        tz: timezoneParam(context.timezone),
        by: dimensionsParam(),
        at: timeParam(context, { fallback: defaults.at }),
        focus: z.stringbool().default(false),
        format: z.enum(REPORT_FORMATS).optional(),
      })
      .transform((query, ctx) => {
        const zoned = { now: context.now, timezone: query.tz };
        const time = (param: 'from' | 'to') => {
          const value = query[param];
          if (value === undefined) return undefined;
          try {
            return parseTime(value, { ...zoned, edge: param === 'to' ? 'end' : 'start' });
          } catch (err) {
            ctx.issues.push({
              code: 'custom',
              path: [param],
              message: (err as Error).message,
              input: value,
            });
            return undefined;
          }
        };
        const from = time('from');
        const to = time('to');
        if ((query.from === undefined) !== (query.to === undefined)) {
          const param = query.from === undefined ? 'from' : 'to';
          ctx.issues.push({
            code: 'custom',
            path: [param],
            message: 'give from and to together',
            input: undefined,
          });
        }
        if (query.week !== undefined) {
          try {
            parseIsoWeek(query.week, query.tz);
          } catch (err) {
            ctx.issues.push({
              code: 'custom',
              path: ['week'],
              message: (err as Error).message,
              input: query.week,
            });
          }
        }
        return { ...query, from, to };
      }),
  defaults,
  result: WeeklyReportResultSchema,
  async run({ store, settings, tenant }, query) {
    const { report, focusRows } = await loadWeeklyReport(store, {
      tenant,
      selection: { week: query.week, from: query.from, to: query.to, timezone: query.tz },
      by: query.by,
      pricer: settings.pricer,
      config: settings.config,
      now: query.at,
      focus: query.focus || query.format === 'focus',
    });
    return { report, focusRows: [...focusRows] };
  },
  documents: {
    asked: (query) => query.format,
    contentType: (format) => CONTENT_TYPES[format as ReportFormat],
    render: (result, format) => renderFormat(result, format as ReportFormat),
  },
});
