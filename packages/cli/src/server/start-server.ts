import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import {
  createAnalyzer,
  createReconcileFetcher,
  createReportScheduler,
} from '@tokenwatch/analyzer';
import { type CollectorSettings, createCollector, createPricer } from '@tokenwatch/collector';
import {
  type Config,
  ConfigError,
  changedSections,
  DEFAULT_CONFIG_FILE,
  type LoadedConfig,
} from '@tokenwatch/config';
import { createConsoleApp } from '@tokenwatch/console';
import { applyRetention, migrate } from '@tokenwatch/store';
import { CliError, openConfiguredStore } from '../backend.ts';
import { createServerApp, type ServerState } from './app.ts';
import { createConfigReloader, type ReloadOutcome } from './live-config.ts';
import { removeServerInfo, writeServerInfo } from './server-info.ts';

/** A running `tokenwatch serve`. */
export type RunningServer = {
  url: string;
  adminToken: string;
  /** Resolves once everything acknowledged so far is in the store. */
  flushed(): Promise<void>;
  /** Settles when migrations are applied and /readyz answers 200; rejects if they fail. */
  ready: Promise<void>;
  /**
   * Loads the config file again and applies what can change live (`serve` calls it on SIGHUP).
   * Refused when the server was started without a way to reload (`options.reload`).
   */
  reloadConfig(trigger?: string): Promise<ReloadOutcome>;
  close(): Promise<void>;
};

/** Options of {@link startServer}. */
export type StartServerOptions = {
  /** Listen on a non-loopback address without API keys. @default false */
  insecure?: boolean;
  log?: (message: string) => void;
  /**
   * Loads the configuration again from the flags, environment and file it came from. Given (as
   * `serve` does), the server applies edits of its config file as it runs and on `reloadConfig`.
   */
  reload?: () => LoadedConfig;
  /** Checksum of the config file `config` was read from. @default read from `config.configFile` */
  sha256?: string;
  /** Quiet time after a file event before reloading. @default 300 */
  watchDebounceMs?: number;
};

const BUDGET_REBUILD_MS = 10 * 60_000;
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;
// Config sections the weekly report reads; an edit of another section leaves its schedule alone.
const REPORT_SECTIONS = ['reports', 'timezone', 'budgets', 'prices'];

/**
 * Starts the serve process: opens the store, listens at once (so /healthz answers while
 * migrations run), applies migrations and retention, then reports ready.
 */
export async function startServer(
  config: Config,
  options: StartServerOptions = {},
): Promise<RunningServer> {
  const log = options.log ?? ((message: string) => console.error(message));
  const { host, port } = config.server;
  // Until API keys are configured, anyone who can reach the port could write and read cost data.
  const exposedWithoutKeys = (c: Config) =>
    !LOOPBACK.test(host) && !options.insecure && c.apiKeys.length === 0;
  if (exposedWithoutKeys(config)) {
    throw new CliError(
      `Refusing to listen on ${host}: without API keys the server only binds loopback. ` +
        'Pass --insecure to expose it anyway.',
    );
  }
  const store = await openConfiguredStore(config);
  const state: ServerState = { ready: false, reason: 'applying migrations' };
  const adminToken = randomBytes(32).toString('hex');
  // One pricer per configuration, shared by ingestion, the analyzer, the reports and repricing,
  // and replaced as a whole when a reload changes prices: no component prices with stale data.
  let live: CollectorSettings = { config, pricer: createPricer({ overrides: config.prices }) };
  const collector = createCollector({ store, config, pricer: live.pricer, log });
  const app = createServerApp({
    store,
    state,
    adminToken,
    pricer: () => live.pricer,
    alerts: () => analyzer.alerts,
  });
  app.route('/', collector.app);
  const analyzer = createAnalyzer({ store, config, pricer: live.pricer, adminToken });
  app.route('/', analyzer.app);
  // The console at `/`, mounted last so the routes above keep their paths; it reads through the
  // same contract as /api/v1, with the settings in effect (swapped whole on reload).
  app.route(
    '/',
    createConsoleApp({
      store,
      settings: () => live,
      alerts: () => analyzer.alerts,
      backlogBytes: async () => {
        collector.ingestor.refreshGauges();
        const gauge = await collector.ingestor.metrics.spoolLagBytes.get();
        return gauge.values[0]?.value ?? 0;
      },
    }),
  );
  // The budget counter counts every call stored after its snapshot of the store: both happen in
  // the writers' exclusive section, so no call is counted twice or missed.
  let counting = false;
  collector.onCallsStored((calls) => {
    if (counting) analyzer.budgets.record(calls);
  });
  const rebuildBudgets = () =>
    store.exclusive(async () => {
      await analyzer.rebuildBudgets(new Date());
      counting = true;
    });
  const server = createAdaptorServer({ fetch: app.fetch, hostname: host, port });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await store.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new CliError(`Port ${port} on ${host} is already in use (--port to pick another)`);
    throw err;
  }
  const address = server.address() as AddressInfo;
  const urlHost =
    host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${address.port}`;
  if (store.kind === 'embedded') {
    writeServerInfo(config.store.dataDir, {
      pid: process.pid,
      url,
      token: adminToken,
      startedAt: new Date().toISOString(),
    });
  }

  const createReports = (settings: CollectorSettings) =>
    createReportScheduler({
      store,
      config: settings.config,
      pricer: settings.pricer,
      onError: (err, delivery) =>
        log(`tokenwatch: report delivery ${delivery} failed: ${(err as Error).message}`),
    });
  let reports = createReports(live);
  const providerUsage = createReconcileFetcher({ store, config: config.reconcile.fetch, log });

  const ready = (async () => {
    const result = await migrate(store);
    if (result.applied.length > 0)
      log(`tokenwatch: applied migrations ${result.applied.join(', ')}`);
    const changed = await applyRetention(store, config.retention);
    if (changed.length > 0) log(`tokenwatch: retention updated on ${changed.join(', ')}`);
    collector.start();
    await rebuildBudgets();
    if (config.reports.enabled) reports.start();
    analyzer.alerts.start();
    providerUsage.start();
    state.ready = true;
    state.reason = '';
  })();
  ready.catch((err: unknown) => {
    state.reason = `migrations failed: ${(err as Error).message}`;
  });

  let closing: Promise<void> | undefined;

  /**
   * Applies a reloaded configuration. Everything requests read is swapped first, synchronously
   * (keys, prices, budgets and the rest of the config), so each request sees one configuration;
   * then what runs in the background is rebuilt: budget counts, the alert engine, the report
   * schedule, table TTLs.
   */
  async function applyConfig(next: Config, running: Config): Promise<void> {
    const changed = new Set(changedSections(running, next));
    const pricer = changed.has('prices') ? createPricer({ overrides: next.prices }) : live.pricer;
    live = { config: next, pricer };
    collector.reconfigure(live);
    const alertsReplaced = analyzer.reconfigure(live);
    const failures: string[] = [];
    const step = async (what: string, run: () => Promise<unknown>) => {
      if (closing) return;
      await run().catch((err: unknown) => failures.push(`${what}: ${(err as Error).message}`));
    };
    await step('alert engine', () => alertsReplaced);
    if (changed.has('budgets') || changed.has('timezone'))
      await step('budget counts', rebuildBudgets);
    if (REPORT_SECTIONS.some((section) => changed.has(section))) {
      await step('report schedule', async () => {
        await reports.stop();
        if (closing) return;
        reports = createReports(live);
        if (next.reports.enabled) reports.start();
      });
    }
    if (changed.has('retention')) {
      await step('retention', async () => {
        const tables = await applyRetention(store, next.retention);
        if (tables.length > 0) log(`tokenwatch: retention updated on ${tables.join(', ')}`);
      });
    }
    if (failures.length > 0) throw new Error(failures.join('; '));
  }

  const initial: LoadedConfig = { config, sha256: options.sha256 ?? fileChecksum(config) };
  collector.setConfigInfo({ sha256: initial.sha256, loadedAt: new Date() });
  const reloader = createConfigReloader({
    initial,
    load: options.reload ?? noReload,
    after: ready,
    refuse: (next) =>
      exposedWithoutKeys(next)
        ? `auth.keys: without API keys the server on ${host} would be open to anyone; ` +
          'keep a key, or restart with --insecure'
        : undefined,
    apply: applyConfig,
    onOutcome: (outcome, inEffect, at) => {
      collector.countReload(outcome.result === 'applied' ? 'applied' : 'refused');
      if (outcome.result === 'applied')
        collector.setConfigInfo({ sha256: inEffect.sha256, loadedAt: at });
    },
    log,
  });
  if (options.reload) {
    // Watch where loadConfig looks: the file in use, or the default one should it appear.
    reloader.watch(config.configFile ?? resolve(DEFAULT_CONFIG_FILE), {
      debounceMs: options.watchDebounceMs,
    });
  }

  // A periodic rebuild heals what the counter cannot see (repricing, a retried insert).
  const rebuildTimer = setInterval(() => {
    if (state.ready)
      rebuildBudgets().catch((err: unknown) =>
        log(`tokenwatch: budget rebuild failed: ${(err as Error).message}`),
      );
  }, BUDGET_REBUILD_MS);
  rebuildTimer.unref();

  return {
    url,
    adminToken,
    ready,
    flushed: () => collector.flushed(),
    reloadConfig: (trigger = 'reload') => reloader.reload(trigger),
    close() {
      closing ??= (async () => {
        state.ready = false;
        state.reason = 'shutting down';
        clearInterval(rebuildTimer);
        reloader.close();
        // A reload in progress finishes (it skips its remaining steps) before its parts stop.
        await reloader.idle();
        await reports.stop();
        await providerUsage.stop();
        await analyzer.alerts.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          // Keep-alive connections would hold close() open until they time out.
          (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        });
        await ready.catch(() => undefined);
        // Acknowledged spans are on disk already; give the store writer a moment to catch up.
        await collector.stop();
        await store.close();
        if (store.kind === 'embedded') removeServerInfo(config.store.dataDir, process.pid);
      })();
      return closing;
    },
  };
}

function noReload(): LoadedConfig {
  throw new ConfigError('this server was started without a config source to reload from');
}

/** The sha256 of the config file's bytes (of nothing without a file), as loadConfig computes it. */
function fileChecksum(config: Config): string {
  let text = '';
  try {
    if (config.configFile) text = readFileSync(config.configFile, 'utf8');
  } catch {
    // Gone since it was read: the checksum of nothing says "not the file on disk".
  }
  return createHash('sha256').update(text).digest('hex');
}
