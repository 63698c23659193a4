import { existsSync } from 'node:fs';
import {
  httpReadClient,
  inProcessReadClient,
  parseReadQuery,
  type RawParams,
  type Read,
  type ReadClient,
  ReadQueryError,
  ReadRequestError,
} from '@tokenwatch/analyzer';
import { createPricer, type RepriceSummary, reprice } from '@tokenwatch/collector';
import type { Config } from '@tokenwatch/config';
import type { PriceOverride } from '@tokenwatch/schema';
import {
  type MigrationResult,
  migrate,
  openStore,
  type QueryResult,
  runUserQuery,
  type Store,
} from '@tokenwatch/store';
import type { z } from 'zod';
import { readServerInfo } from './server/server-info.ts';

/** The CLI failed in a way the user can act on; printed without a stack trace. */
export class CliError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
  }
}

/**
 * Where read commands go: straight to the store, or through a running `serve` (which holds the
 * embedded engine's lock, so nothing else can open its data directory).
 */
export type Backend =
  | { kind: 'store'; store: Store }
  | { kind: 'remote'; url: string; token: string };

/** Opens the store described by the configuration. */
export function openConfiguredStore(config: Config): Promise<Store> {
  if (config.store.cluster && !config.store.clickhouseUrl) {
    throw new CliError(
      'A cluster needs a ClickHouse server: give --clickhouse-url (or use --print to see the DDL)',
    );
  }
  return config.store.clickhouseUrl
    ? openStore({ kind: 'server', url: config.store.clickhouseUrl, cluster: config.store.cluster })
    : openStore({ kind: 'embedded', dataDir: config.store.dataDir });
}

/**
 * Whether the embedded store of the configuration exists. Read commands refuse a data directory
 * that does not: a mistyped `--data-dir` would otherwise create an empty store and report zeros.
 */
export function embeddedStoreMissing(config: Config): boolean {
  return !config.store.clickhouseUrl && !existsSync(config.store.dataDir);
}

/** The error a read command gives for a data directory that does not exist. */
export function missingStoreError(config: Config): CliError {
  return new CliError(
    `No Tokenwatch store at ${config.store.dataDir}: check --data-dir (or TOKENWATCH_DATA_DIR). ` +
      '`tokenwatch serve` or `tokenwatch migrate` creates a new one.',
  );
}

/**
 * Picks the backend: an explicit --server, else the server recorded in the embedded data directory
 * when it answers, else the store itself. An embedded store opened here is migrated first, so a
 * fresh data directory answers queries instead of failing on missing tables; only `create` (for
 * `migrate`) makes a data directory that does not exist yet.
 */
export async function openBackend(
  config: Config,
  serverUrl: string | undefined,
  options: { create?: boolean } = {},
): Promise<Backend> {
  if (serverUrl) {
    const recorded = readServerInfo(config.store.dataDir);
    const token =
      process.env.TOKENWATCH_ADMIN_TOKEN ??
      (recorded && sameOrigin(recorded.url, serverUrl) ? recorded.token : undefined);
    if (!token) {
      throw new CliError(
        `No admin token for ${serverUrl}: set TOKENWATCH_ADMIN_TOKEN (the running server prints where to find it).`,
      );
    }
    return { kind: 'remote', url: serverUrl, token };
  }
  if (!config.store.clickhouseUrl) {
    const running = readServerInfo(config.store.dataDir);
    if (running && (await answers(running.url))) {
      return { kind: 'remote', url: running.url, token: running.token };
    }
  }
  if (!options.create && embeddedStoreMissing(config)) throw missingStoreError(config);
  const store = await openConfiguredStore(config);
  if (store.kind === 'embedded') await migrate(store);
  return { kind: 'store', store };
}

/** Releases what the backend holds. */
export async function closeBackend(backend: Backend): Promise<void> {
  if (backend.kind === 'store') await backend.store.close();
}

/** Reads of the contract for the CLI: errors worded for the command line, and what to release. */
export type CliReads = ReadClient & { close(): Promise<void> };

/**
 * Reads for one tenant through whichever backend {@link openBackend} finds: in process over the
 * store, or over HTTP through the running `serve`; the same read answers the same either way. The
 * query is checked before the backend opens, so a bad flag fails fast; times are resolved once,
 * against this command's clock and the configured time zone.
 */
export function openReads(config: Config, serverUrl: string | undefined, tenant: string): CliReads {
  const now = new Date();
  const clock = () => now;
  let backend: Backend | undefined;
  let client: ReadClient | undefined;
  const connect = async (): Promise<ReadClient> => {
    if (client) return client;
    backend = await openBackend(config, serverUrl);
    client =
      backend.kind === 'store'
        ? inProcessReadClient({
            store: backend.store,
            settings: { config, pricer: createPricer({ overrides: config.prices }) },
            tenant,
            now: clock,
          })
        : httpReadClient({
            url: backend.url,
            key: backend.token,
            tenant,
            timezone: config.timezone,
            now: clock,
          });
    return client;
  };
  return {
    async read(read, params) {
      try {
        parseReadQuery(read, params, { now, timezone: config.timezone });
        return await (await connect()).read(read, params);
      } catch (err) {
        throw cliReadError(err);
      }
    },
    async close() {
      if (backend) await closeBackend(backend);
    },
  };
}

/** Asks one read and releases the backend. */
export async function readOnce<Q, S extends z.ZodType>(
  config: Config,
  serverUrl: string | undefined,
  tenant: string,
  read: Read<Q, S>,
  params: RawParams,
): Promise<z.output<S>> {
  const reads = openReads(config, serverUrl, tenant);
  try {
    return await reads.read(read, params);
  } finally {
    await reads.close();
  }
}

/** A read's error as the command line says it: a refused parameter is named as its flag. */
function cliReadError(err: unknown): unknown {
  if (err instanceof ReadQueryError) {
    const flag = err.param.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    return new CliError(`--${flag}: ${err.reason}`, { cause: err });
  }
  if (err instanceof ReadRequestError) return new CliError(err.message, { cause: err });
  return err;
}

/** Runs `tokenwatch sql` against either backend. */
export function backendSql(backend: Backend, query: string, write: boolean): Promise<QueryResult> {
  if (backend.kind === 'store') return runUserQuery(backend.store, query, { allowWrite: write });
  return callRemote<QueryResult>(backend, '/api/v1/admin/sql', { query, write });
}

/** Recomputes stored costs with the current prices, against either backend. */
export function backendReprice(
  backend: Backend,
  prices: readonly PriceOverride[],
  options: { since: Date; dryRun: boolean; tenant?: string },
): Promise<RepriceSummary[]> {
  if (backend.kind === 'store')
    return reprice(backend.store, createPricer({ overrides: prices }), options);
  return callRemote<RepriceSummary[]>(backend, '/api/v1/admin/reprice', {
    ...options,
    since: options.since.toISOString(),
  });
}

/** Evaluates the alert rules now in a running server, with its engine, state and receivers. */
export function remoteAlertsEvaluate<T>(
  backend: { url: string; token: string },
  dryRun: boolean,
): Promise<T> {
  return callRemote<T>(backend, '/api/v1/admin/alerts/evaluate', { dryRun });
}

/** Sends a test notification to one receiver from a running server. */
export function remoteAlertsTest<T>(
  backend: { url: string; token: string },
  receiver: string,
): Promise<T> {
  return callRemote<T>(backend, '/api/v1/admin/alerts/test', { receiver });
}

/** Runs the migrations against either backend. */
export function backendMigrate(backend: Backend): Promise<MigrationResult> {
  if (backend.kind === 'store') return migrate(backend.store);
  return callRemote<MigrationResult>(backend, '/api/v1/admin/migrate', {});
}

async function callRemote<T>(
  backend: { url: string; token: string },
  path: string,
  body: unknown,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(new URL(path, backend.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${backend.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch (err) {
    throw new CliError(
      `Could not reach the Tokenwatch server at ${backend.url}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const payload = (await response.json().catch(() => ({}))) as { error?: string };
  if (!response.ok) {
    throw new CliError(payload.error ?? `${backend.url} answered ${response.status}`);
  }
  return payload as T;
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(new URL('/healthz', url), { signal: AbortSignal.timeout(2000) });
    return response.ok;
  } catch {
    return false;
  }
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}
