import type { TenantVariables } from '@tokenwatch/auth';
import type { Store } from '@tokenwatch/store';
import { Hono, type MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { z } from 'zod';
import { renderWeeklyReport } from '../reports/weekly.ts';
import { dimensionsOf, parseQuery } from './query-params.ts';
import type { SettingsSource } from './settings.ts';

const ReportQuery = z.object({
  week: z.string().optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  tz: z.string().optional(),
  by: z.string().optional(),
  format: z.enum(['md', 'html', 'json', 'csv', 'focus']).default('md'),
});
const REPORT_CONTENT_TYPES = {
  md: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
  json: 'application/json',
  csv: 'text/csv; charset=utf-8',
  focus: 'text/csv; charset=utf-8',
} as const;
/**
 * Tenant-scoped analytics routes (mounted under /api/v1): every query reads only the tenant the
 * request's API key belongs to.
 */
export function analyticsRoutes(deps: {
  store: Store;
  /** The config and pricer in effect (they change when `serve` reloads its config). */
  settings: SettingsSource;
  auth: MiddlewareHandler<{ Variables: TenantVariables }>;
}): Hono<{ Variables: TenantVariables }> {
  const app = new Hono<{ Variables: TenantVariables }>();
  const { store, settings, auth } = deps;

  app.get('/reports/weekly', auth, async (c) => {
    const q = parseQuery(ReportQuery, c.req.query());
    const { config, pricer } = settings();
    const timezone = q.tz ?? config.timezone;
    let text: string;
    try {
      text = await renderWeeklyReport(store, {
        tenant: c.get('tenant'),
        selection: { week: q.week, from: q.from, to: q.to, timezone },
        by: dimensionsOf(q.by),
        format: q.format,
        pricer,
        config,
      });
    } catch (err) {
      if (err instanceof Error && /not an ISO week/.test(err.message))
        throw new HTTPException(400, { message: err.message });
      throw err;
    }
    return c.body(text, 200, { 'content-type': REPORT_CONTENT_TYPES[q.format] });
  });
  return app;
}
