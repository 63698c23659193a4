import type { TenantVariables } from '@tokenwatch/auth';
import type { Store } from '@tokenwatch/store';
import { Hono, type MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AlertEngine } from '../alerts/index.ts';
import { type AnyRead, parseReadQuery, ReadQueryError, runRead } from '../reads/contract.ts';
import type { SettingsSource } from './settings.ts';

/**
 * One GET route per read of the contract (mounted under /api/v1): the query is parsed with the
 * read's schema against the configured time zone (a refused parameter is a 400 naming it), the
 * tenant comes from the API key, and the answer is the read's result as JSON, or the document the
 * query asked for when the read renders documents.
 */
export function readRoutes(deps: {
  reads: readonly AnyRead[];
  store: Store;
  /** The config and pricer in effect, read once per request (they change when serve reloads). */
  settings: SettingsSource;
  auth: MiddlewareHandler<{ Variables: TenantVariables }>;
  /** The alert engine running in this process. */
  alerts?: () => AlertEngine;
}): Hono<{ Variables: TenantVariables }> {
  const app = new Hono<{ Variables: TenantVariables }>();
  for (const read of deps.reads) {
    app.get(read.path, deps.auth, async (c) => {
      const settings = deps.settings();
      let query: unknown;
      try {
        query = parseReadQuery(read, c.req.query(), {
          now: new Date(),
          timezone: settings.config.timezone,
        });
      } catch (err) {
        if (err instanceof ReadQueryError) throw new HTTPException(400, { message: err.message });
        throw err;
      }
      const result = await runRead(
        read,
        { store: deps.store, settings, tenant: c.get('tenant'), alerts: deps.alerts?.() },
        query,
      );
      const format = read.documents?.asked(query);
      if (read.documents && format !== undefined) {
        return c.body(read.documents.render(result, format), 200, {
          'content-type': read.documents.contentType(format),
        });
      }
      return c.json(result);
    });
  }
  return app;
}
