import type { TenantVariables } from '@tokenwatch/auth';
import { type Config, SCOPE_FIELDS } from '@tokenwatch/config';
import type { Store } from '@tokenwatch/store';
import { Hono, type MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { detectAnomalies } from '../anomalies/index.ts';
import { type BudgetCounter, evaluateBudgets } from '../budgets/index.ts';
import { parseQuery } from './query-params.ts';

const AtQuery = z.object({ at: z.coerce.date().optional() });
const CheckQuery = z.object(
  Object.fromEntries(SCOPE_FIELDS.map((f) => [f, z.string().optional()])) as Record<
    (typeof SCOPE_FIELDS)[number],
    z.ZodOptional<z.ZodString>
  >,
);

/** Tenant-scoped anomaly and budget routes (mounted under /api/v1). */
export function budgetRoutes(deps: {
  store: Store;
  config: Config;
  counter: BudgetCounter;
  auth: MiddlewareHandler<{ Variables: TenantVariables }>;
}): Hono<{ Variables: TenantVariables }> {
  const app = new Hono<{ Variables: TenantVariables }>();
  const { store, config, counter, auth } = deps;

  app.get('/anomalies', auth, async (c) => {
    const q = parseQuery(AtQuery, c.req.query());
    const now = q.at ?? new Date();
    const anomalies = await detectAnomalies(store, {
      tenant: c.get('tenant'),
      now,
      config: config.anomalies,
    });
    return c.json({ at: now, anomalies });
  });

  app.get('/budgets', auth, async (c) => {
    const q = parseQuery(AtQuery, c.req.query());
    const now = q.at ?? new Date();
    const budgets = await evaluateBudgets(store, {
      budgets: config.budgets,
      timezone: config.timezone,
      now,
      tenant: c.get('tenant'),
      record: false,
    });
    return c.json({ at: now, budgets });
  });

  // The instrumentation's remote guard asks here before each call: answered from memory, no query.
  app.get('/budgets/check', auth, (c) => {
    const scope = parseQuery(CheckQuery, c.req.query());
    return c.json(counter.check({ tenant: c.get('tenant'), scope, now: new Date() }));
  });
  return app;
}
