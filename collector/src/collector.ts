import { join } from 'node:path';
import { apiKeyAuth, type TenantVariables } from '@tokenwatch/auth';
import type { Config } from '@tokenwatch/config';
import { createPricer, type Pricer } from '@tokenwatch/pricing';
import type { LlmCall } from '@tokenwatch/schema';
import type { Store } from '@tokenwatch/store';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { encodingOf, statusResponse } from './http/otlp-response.ts';
import { tracesRoute } from './http/traces-route.ts';
import { Ingestor } from './ingest/ingestor.ts';
import { createCollectorMetrics } from './metrics.ts';
import { RPC_CODES } from './otlp/encode-response.ts';

const RPC_UNAUTHENTICATED = 16;

/** A configuration and the pricer built from it, applied together. */
export type CollectorSettings = { config: Config; pricer: Pricer };

/** The configuration file in effect, as /metrics shows it. */
export type ConfigInfo = { sha256: string; loadedAt: Date };

/** The collector as the serve process mounts it. */
export type Collector = {
  /** Routes: POST /v1/traces (key-authenticated), GET /metrics. */
  app: Hono;
  ingestor: Ingestor;
  /** Starts the background store writer (replays what a previous run left in the spool). */
  start(): void;
  /** Calls every listener with the calls of each insert, as they are stored. */
  onCallsStored(listener: (calls: readonly LlmCall[]) => void): void;
  /** Waits until everything acknowledged is in the store (tests, shutdown). */
  flushed(): Promise<void>;
  /**
   * Applies a reloaded configuration to the requests that arrive from now on: API keys, prices
   * (the given pricer, shared with the rest of the process), attribution rules and ingest limits.
   * The spool directory stays where the store is.
   */
  reconfigure(settings: CollectorSettings): void;
  /** Publishes the configuration in effect on /metrics (checksum and load time). */
  setConfigInfo(info: ConfigInfo): void;
  /** Counts a reload attempt on /metrics. */
  countReload(result: 'applied' | 'refused'): void;
  stop(): Promise<void>;
};

/**
 * Builds the collector over a store; the spool lives in `<data dir>/spool`. Give `pricer` to share
 * one with the rest of the process; otherwise one is built from `config.prices`.
 */
export function createCollector(deps: {
  store: Store;
  config: Config;
  pricer?: Pricer;
  log?: (message: string) => void;
}): Collector {
  let settings: CollectorSettings = {
    config: deps.config,
    pricer: deps.pricer ?? createPricer({ overrides: deps.config.prices }),
  };
  const liveOptions = ({ config, pricer }: CollectorSettings) => ({
    ...config.ingest,
    attributionRules: config.attributionRules,
    pricer,
  });
  const metrics = createCollectorMetrics();
  const ingestor = new Ingestor(deps.store, metrics, {
    spoolDir: join(deps.config.store.dataDir, 'spool'),
    ...liveOptions(settings),
    log: deps.log,
  });
  const app = new Hono<{ Variables: TenantVariables }>();
  app.get('/metrics', async (c) => {
    ingestor.refreshGauges();
    return c.text(await metrics.registry.metrics(), 200, {
      'content-type': metrics.registry.contentType,
    });
  });
  // OTLP clients expect a google.rpc.Status body in their own encoding, also for auth failures.
  app.onError((err, c) => {
    const encoding = encodingOf(c.req.header('content-type')) ?? 'json';
    if (err instanceof HTTPException) {
      return statusResponse(
        encoding,
        err.status,
        err.status === 401 ? RPC_UNAUTHENTICATED : RPC_CODES.invalidArgument,
        err.message,
      );
    }
    deps.log?.(`tokenwatch: ingest request failed: ${(err as Error).stack ?? String(err)}`);
    return statusResponse(encoding, 500, RPC_CODES.internal, 'internal error');
  });
  app.use(
    '/v1/*',
    apiKeyAuth(() => settings.config.apiKeys),
  );
  app.route(
    '/',
    tracesRoute(ingestor, () => settings.config.ingest.maxBodyBytes),
  );
  return {
    app: app as unknown as Hono,
    ingestor,
    start: () => ingestor.start(),
    flushed: () => ingestor.flushed(),
    onCallsStored: (listener) => ingestor.onCallsStored(listener),
    reconfigure(next) {
      settings = next;
      ingestor.reconfigure(liveOptions(next));
    },
    setConfigInfo(info) {
      metrics.configInfo.reset();
      metrics.configInfo.set({ sha256: info.sha256 }, 1);
      metrics.configLoaded.set(info.loadedAt.getTime() / 1000);
    },
    countReload: (result) => metrics.configReloads.inc({ result }),
    stop: () => ingestor.stop(),
  };
}
