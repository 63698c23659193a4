import { apiKeyAuth, type TenantVariables } from '@tokenwatch/auth';
import type { Config } from '@tokenwatch/config';
import { createPricer, type Pricer } from '@tokenwatch/pricing';
import type { Store } from '@tokenwatch/store';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { type AlertEngine, createAlertEngine } from './alerts/index.ts';
import { analyticsRoutes } from './api/analytics-routes.ts';
import { budgetRoutes } from './api/budget-routes.ts';
import { BudgetCounter } from './budgets/index.ts';

/** The analyzer as the serve process mounts it. */
export type Analyzer = {
  /** Routes under /api/v1: cost, tasks, cache, failures, context, anomalies, budgets (API-key authenticated, tenant-scoped). */
  app: Hono;
  /** In-memory spend per budget instance, for /budgets/check: feed it every stored call. */
  budgets: BudgetCounter;
  /** The alert engine: the serve process starts and stops it; /api/v1/alerts lists its alerts. */
  alerts: AlertEngine;
  /** Prices with the configured overrides, shared by everything the serve process runs. */
  pricer: Pricer;
};

/** Builds the analyzer over a store. */
export function createAnalyzer(deps: {
  store: Store;
  config: Config;
  adminToken?: string;
}): Analyzer {
  const pricer = createPricer({ overrides: deps.config.prices });
  const auth = apiKeyAuth(deps.config.apiKeys, { adminToken: deps.adminToken });
  const app = new Hono<{ Variables: TenantVariables }>();
  app.onError((err, c) => {
    if (err instanceof HTTPException) return c.json({ error: err.message }, err.status);
    console.error('tokenwatch: analyzer request failed', err);
    return c.json({ error: 'internal error' }, 500);
  });
  const budgets = new BudgetCounter({
    budgets: deps.config.budgets,
    timezone: deps.config.timezone,
  });
  app.route(
    '/api/v1',
    analyticsRoutes({
      store: deps.store,
      pricer,
      auth,
      config: deps.config,
      timezone: deps.config.timezone,
    }),
  );
  app.route(
    '/api/v1',
    budgetRoutes({ store: deps.store, config: deps.config, counter: budgets, auth }),
  );
  const alerts = createAlertEngine({
    store: deps.store,
    config: deps.config,
    pricer,
    onError: (err) =>
      console.error(`tokenwatch: alert evaluation failed: ${(err as Error).message}`),
  });
  app.get('/api/v1/alerts', auth, async (c) =>
    c.json({ alerts: await alerts.list({ tenant: c.get('tenant') }) }),
  );
  return { app: app as unknown as Hono, budgets, alerts, pricer };
}
