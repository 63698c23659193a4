import { apiKeyAuth, type TenantVariables } from '@tokenwatch/auth';
import { type Config, changedSections } from '@tokenwatch/config';
import { createPricer, type Pricer } from '@tokenwatch/pricing';
import type { Store } from '@tokenwatch/store';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { type AlertEngine, createAlertEngine } from './alerts/index.ts';
import { budgetRoutes } from './api/budget-routes.ts';
import { readRoutes } from './api/read-routes.ts';
import type { AnalyzerSettings } from './api/settings.ts';
import { BudgetCounter } from './budgets/index.ts';
import { READS } from './reads/index.ts';

/** The analyzer as the serve process mounts it. */
export type Analyzer = {
  /** Routes under /api/v1: every read of the contract (`READS`) and /budgets/check, API-key authenticated and tenant-scoped. */
  app: Hono;
  /** In-memory spend per budget instance, for /budgets/check: feed it every stored call. */
  readonly budgets: BudgetCounter;
  /** The alert engine: the serve process starts and stops it; /api/v1/alerts lists its alerts. */
  alerts: AlertEngine;
  /** Prices with the configured overrides, shared by everything the serve process runs. */
  readonly pricer: Pricer;
  /**
   * Applies a reloaded configuration: requests from now on use its keys, budgets, anomaly
   * settings and the given pricer; the alert engine is replaced (over the same store, so open
   * alerts carry on) when its rules, receivers, budgets, anomalies, keys or prices changed.
   * Budget counts are not rebuilt here: call {@link Analyzer.rebuildBudgets}.
   */
  reconfigure(settings: AnalyzerSettings): Promise<void>;
  /**
   * Counts the current budgets from the store into a new counter, then swaps it in (checks keep
   * answering from the old one meanwhile). Run it where no call can be stored concurrently
   * (`store.exclusive`), or a call stored during the rebuild is missed.
   */
  rebuildBudgets(now: Date): Promise<void>;
};

// Config sections the alert engine reads; an edit of another section leaves it running.
const ALERT_SECTIONS = new Set([
  'alerts',
  'budgets',
  'anomalies',
  'timezone',
  'auth.keys',
  'prices',
]);

/**
 * Builds the analyzer over a store. Give `pricer` to share one with the rest of the process;
 * otherwise one is built from `config.prices`.
 */
export function createAnalyzer(deps: {
  store: Store;
  config: Config;
  pricer?: Pricer;
  adminToken?: string;
}): Analyzer {
  const { store } = deps;
  let settings: AnalyzerSettings = {
    config: deps.config,
    pricer: deps.pricer ?? createPricer({ overrides: deps.config.prices }),
  };
  const current = () => settings;
  const auth = apiKeyAuth(() => settings.config.apiKeys, { adminToken: deps.adminToken });
  const app = new Hono<{ Variables: TenantVariables }>();
  app.onError((err, c) => {
    if (err instanceof HTTPException) return c.json({ error: err.message }, err.status);
    console.error('tokenwatch: analyzer request failed', err);
    return c.json({ error: 'internal error' }, 500);
  });
  const newCounter = ({ config }: AnalyzerSettings) =>
    new BudgetCounter({ budgets: config.budgets, timezone: config.timezone });
  let budgets = newCounter(settings);
  app.route(
    '/api/v1',
    readRoutes({ reads: READS, store, settings: current, auth, alerts: () => alerts.engine }),
  );
  app.route('/api/v1', budgetRoutes({ counter: () => budgets, auth }));
  const alerts = replaceableAlertEngine(() =>
    createAlertEngine({
      store,
      config: settings.config,
      pricer: settings.pricer,
      onError: (err) =>
        console.error(`tokenwatch: alert evaluation failed: ${(err as Error).message}`),
    }),
  );
  return {
    app: app as unknown as Hono,
    get budgets() {
      return budgets;
    },
    alerts: alerts.engine,
    get pricer() {
      return settings.pricer;
    },
    async reconfigure(next) {
      const changed = changedSections(settings.config, next.config);
      const repriced = next.pricer !== settings.pricer;
      settings = next;
      if (repriced || changed.some((section) => ALERT_SECTIONS.has(section)))
        await alerts.replace();
    },
    async rebuildBudgets(now) {
      const counter = newCounter(settings);
      await counter.rebuild(store, now);
      budgets = counter;
    },
  };
}

/**
 * An alert engine whose configuration can be replaced: callers hold `engine`, which forwards to
 * the engine of the current configuration. A replacement stops the old engine (waiting for its
 * evaluation in progress) and starts the new one if the old was started. Alert state lives in the
 * store, so the new engine carries on open alerts without notifying them again.
 */
function replaceableAlertEngine(create: () => AlertEngine): {
  engine: AlertEngine;
  replace(): Promise<void>;
} {
  let inner = create();
  let started = false;
  const engine: AlertEngine = {
    evaluate: (now, options) => inner.evaluate(now, options),
    list: (options) => inner.list(options),
    test: (receiver, now) => inner.test(receiver, now),
    start() {
      started = true;
      inner.start();
    },
    async stop() {
      started = false;
      await inner.stop();
    },
  };
  return {
    engine,
    async replace() {
      await inner.stop();
      inner = create();
      if (started) inner.start();
    },
  };
}
