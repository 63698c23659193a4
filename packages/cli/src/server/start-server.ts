import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { createAnalyzer, createReportScheduler } from '@tokenwatch/analyzer';
import { createCollector } from '@tokenwatch/collector';
import type { Config } from '@tokenwatch/config';
import { applyRetention, migrate } from '@tokenwatch/store';
import { CliError, openConfiguredStore } from '../backend.ts';
import { createServerApp, type ServerState } from './app.ts';
import { removeServerInfo, writeServerInfo } from './server-info.ts';

/** A running `tokenwatch serve`. */
export type RunningServer = {
  url: string;
  adminToken: string;
  /** Resolves once everything acknowledged so far is in the store. */
  flushed(): Promise<void>;
  /** Settles when migrations are applied and /readyz answers 200; rejects if they fail. */
  ready: Promise<void>;
  close(): Promise<void>;
};

const BUDGET_REBUILD_MS = 10 * 60_000;
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/**
 * Starts the serve process: opens the store, listens at once (so /healthz answers while
 * migrations run), applies migrations and retention, then reports ready.
 */
export async function startServer(
  config: Config,
  options: { insecure?: boolean; log?: (message: string) => void } = {},
): Promise<RunningServer> {
  const log = options.log ?? ((message: string) => console.error(message));
  const { host, port } = config.server;
  if (!LOOPBACK.test(host) && !options.insecure && config.apiKeys.length === 0) {
    // Until API keys are configured, anyone who can reach the port could write and read cost data.
    throw new CliError(
      `Refusing to listen on ${host}: without API keys the server only binds loopback. ` +
        'Pass --insecure to expose it anyway.',
    );
  }
  const store = await openConfiguredStore(config);
  const state: ServerState = { ready: false, reason: 'applying migrations' };
  const adminToken = randomBytes(32).toString('hex');
  const collector = createCollector({ store, config, log });
  const app = createServerApp({ store, state, adminToken, prices: config.prices });
  app.route('/', collector.app);
  const analyzer = createAnalyzer({ store, config, adminToken });
  app.route('/', analyzer.app);
  // The budget counter counts every call stored after its snapshot of the store: both happen in
  // the writers' exclusive section, so no call is counted twice or missed.
  let counting = false;
  collector.onCallsStored((calls) => {
    if (counting) analyzer.budgets.record(calls);
  });
  const rebuildBudgets = () =>
    store.exclusive(async () => {
      await analyzer.budgets.rebuild(store, new Date());
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

  const reports = createReportScheduler({
    store,
    config,
    pricer: analyzer.pricer,
    onError: (err, delivery) =>
      log(`tokenwatch: report delivery ${delivery} failed: ${(err as Error).message}`),
  });

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
    state.ready = true;
    state.reason = '';
  })();
  ready.catch((err: unknown) => {
    state.reason = `migrations failed: ${(err as Error).message}`;
  });

  // A periodic rebuild heals what the counter cannot see (repricing, a retried insert).
  const rebuildTimer = setInterval(() => {
    if (state.ready)
      rebuildBudgets().catch((err: unknown) =>
        log(`tokenwatch: budget rebuild failed: ${(err as Error).message}`),
      );
  }, BUDGET_REBUILD_MS);
  rebuildTimer.unref();

  let closing: Promise<void> | undefined;
  return {
    url,
    adminToken,
    ready,
    flushed: () => collector.flushed(),
    close() {
      closing ??= (async () => {
        state.ready = false;
        state.reason = 'shutting down';
        clearInterval(rebuildTimer);
        await reports.stop();
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
