import { timingSafeEqual } from 'node:crypto';
import type { AlertEngine } from '@tokenwatch/analyzer';
import { type Pricer, reprice } from '@tokenwatch/collector';
import {
  MigrationError,
  migrate,
  ReadOnlyViolationError,
  runUserQuery,
  type Store,
} from '@tokenwatch/store';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { z } from 'zod';

/** What the server reports through /readyz. */
export type ServerState = { ready: boolean; reason: string };

/** Dependencies of the serve process's HTTP app. */
export type ServerAppDeps = {
  store: Store;
  state: ServerState;
  /** Bearer token for the admin API (`tokenwatch sql` and `migrate` through a running server). */
  adminToken: string;
  /** The pricer of the configuration in effect (the one ingestion uses), for repricing. */
  pricer: () => Pricer;
  /**
   * The server's own alert engine, so `alerts evaluate` and `alerts test` from the command line
   * act with the server's state and configuration instead of a second engine beside it.
   */
  alerts: () => AlertEngine;
};

const SqlRequest = z.object({ query: z.string().min(1), write: z.boolean().default(false) });
const EvaluateRequest = z.object({ dryRun: z.boolean().default(false) });
const TestRequest = z.object({ receiver: z.string().min(1) });
const RepriceRequest = z.object({
  since: z.coerce.date(),
  dryRun: z.boolean().default(false),
  tenant: z.string().optional(),
});

/** The HTTP app of `tokenwatch serve`: health, readiness and the admin API. */
export function createServerApp(deps: ServerAppDeps): Hono {
  const app = new Hono();

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) =>
    deps.state.ready
      ? c.json({ status: 'ready' })
      : c.json({ status: 'not ready', reason: deps.state.reason }, 503),
  );

  const admin = new Hono();
  admin.use('*', async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!sameSecret(token, deps.adminToken)) {
      throw new HTTPException(401, { message: 'missing or invalid admin token' });
    }
    await next();
  });
  admin.post('/sql', async (c) => {
    const body = SqlRequest.safeParse(await c.req.json().catch(() => undefined));
    if (!body.success)
      throw new HTTPException(400, { message: 'expected {"query": string, "write"?: boolean}' });
    return c.json(await runUserQuery(deps.store, body.data.query, { allowWrite: body.data.write }));
  });
  admin.post('/migrate', async (c) => c.json(await migrate(deps.store)));
  admin.post('/reprice', async (c) => {
    const body = RepriceRequest.safeParse(await c.req.json().catch(() => undefined));
    if (!body.success)
      throw new HTTPException(400, {
        message: 'expected {"since": ISO date, "dryRun"?: boolean, "tenant"?: string}',
      });
    // Read once: a reload during a long reprice does not switch prices half-way through.
    const pricer = deps.pricer();
    return c.json(
      await reprice(deps.store, pricer, {
        since: body.data.since,
        dryRun: body.data.dryRun,
        tenant: body.data.tenant,
      }),
    );
  });
  admin.post('/alerts/evaluate', async (c) => {
    const body = EvaluateRequest.safeParse(await c.req.json().catch(() => ({})));
    if (!body.success) throw new HTTPException(400, { message: 'expected {"dryRun"?: boolean}' });
    return c.json(await deps.alerts().evaluate(new Date(), { dryRun: body.data.dryRun }));
  });
  admin.post('/alerts/test', async (c) => {
    const body = TestRequest.safeParse(await c.req.json().catch(() => undefined));
    if (!body.success) throw new HTTPException(400, { message: 'expected {"receiver": string}' });
    try {
      return c.json(await deps.alerts().test(body.data.receiver));
    } catch (err) {
      // An unknown receiver is the caller's mistake, said in the engine's words.
      throw new HTTPException(400, { message: (err as Error).message });
    }
  });
  app.route('/api/v1/admin', admin);

  app.onError((err, c) => {
    if (err instanceof HTTPException) return c.json({ error: err.message }, err.status);
    if (err instanceof ReadOnlyViolationError || err instanceof MigrationError) {
      return c.json({ error: err.message, code: err.code }, 400);
    }
    // ClickHouse errors on ad-hoc SQL are the user's to read (syntax, unknown column).
    if (
      err instanceof Error &&
      'code' in err &&
      typeof err.code === 'string' &&
      /^\d+$/.test(err.code)
    ) {
      return c.json({ error: err.message, code: 'CLICKHOUSE' }, 400);
    }
    console.error('tokenwatch: request failed', err);
    return c.json({ error: 'internal error' }, 500);
  });
  return app;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
