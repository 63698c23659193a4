/**
 * Fetching the providers' exports on a schedule inside `serve`, so the reconcile report and the
 * coverage_drop rule stay current without anyone running `tokenwatch reconcile fetch`.
 *
 * @module
 */
import type { ReconcileConfig } from '@tokenwatch/config';
import type { Store } from '@tokenwatch/store';
import { parseDuration } from '../shared/duration.ts';
import { DEFAULT_ADMIN_BASE_URLS, fetchProviderUsage } from './fetch.ts';
import { RECONCILE_PROVIDERS, type ReconcileProvider } from './lines.ts';

/** Where each provider's admin key and admin API override are read from. */
export const ADMIN_ENV: Readonly<Record<ReconcileProvider, { key: string; url: string }>> = {
  openai: { key: 'OPENAI_ADMIN_KEY', url: 'TOKENWATCH_OPENAI_ADMIN_URL' },
  anthropic: { key: 'ANTHROPIC_ADMIN_KEY', url: 'TOKENWATCH_ANTHROPIC_ADMIN_URL' },
};

/** A running schedule. */
export type ReconcileFetcher = {
  /** Fetches now, then every `fetch.every`; a no-op without a schedule or any admin key. */
  start(): void;
  /** Stops the schedule and waits for a fetch in progress. */
  stop(): Promise<void>;
  /** Fetches every provider with a key once; resolves when done (errors are logged). */
  runOnce(): Promise<void>;
};

/**
 * Creates the schedule. Admin keys are read from `env` at each run and only ever sent to the
 * provider; errors are logged by provider and status, never with the key.
 */
export function createReconcileFetcher(deps: {
  store: Store;
  config: ReconcileConfig['fetch'];
  env?: NodeJS.ProcessEnv;
  log: (message: string) => void;
  now?: () => Date;
}): ReconcileFetcher {
  const env = deps.env ?? process.env;
  const now = deps.now ?? (() => new Date());
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  async function fetchAll(): Promise<void> {
    for (const provider of RECONCILE_PROVIDERS) {
      const adminKey = env[ADMIN_ENV[provider].key];
      if (!adminKey) continue;
      try {
        const at = now();
        const summary = await fetchProviderUsage(deps.store, deps.config.tenant, {
          provider,
          adminKey,
          baseUrl: env[ADMIN_ENV[provider].url] || DEFAULT_ADMIN_BASE_URLS[provider],
          since: new Date(at.getTime() - parseDuration(deps.config.since)),
          until: at,
        });
        deps.log(
          `tokenwatch: fetched ${provider} usage (${summary.usageLines} usage, ${summary.costLines} cost lines)`,
        );
      } catch (err) {
        deps.log(`tokenwatch: fetching ${provider} usage failed: ${(err as Error).message}`);
      }
    }
  }

  const runOnce = () => {
    // One fetch at a time: a slow provider must not pile up overlapping runs.
    running ??= fetchAll().finally(() => {
      running = undefined;
    });
    return running;
  };

  return {
    start() {
      if (!deps.config.every || timer) return;
      const anyKey = RECONCILE_PROVIDERS.some((p) => env[ADMIN_ENV[p].key]);
      if (!anyKey) {
        deps.log('tokenwatch: reconcile.fetch_every is set but no provider admin key is');
        return;
      }
      void runOnce();
      timer = setInterval(() => void runOnce(), parseDuration(deps.config.every));
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
    runOnce,
  };
}
