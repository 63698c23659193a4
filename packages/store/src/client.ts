import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { type ClickHouseClient, createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { assertClusterName } from './cluster.ts';
import { StoreError, StoreLockedError } from './errors.ts';
import { type QuerySettings, withSettings } from './query.ts';

/** Where the data lives: an embedded engine in a directory, or a ClickHouse server. */
export type StoreOptions =
  | { kind: 'embedded'; dataDir: string }
  | { kind: 'server'; url: string; cluster?: string };

/** A ClickHouse client plus what the rest of the store needs to know about it. */
export type Store = {
  readonly kind: 'embedded' | 'server';
  readonly client: ClickHouseClient;
  /** Data directory, or the server URL without its password. */
  readonly location: string;
  /** ClickHouse cluster name when the schema is replicated and distributed. */
  readonly cluster: string | undefined;
  /**
   * Runs fn with no other exclusive section of this store running: writers that read before
   * they write (duplicate checks) must not interleave.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Inserts a body as it is: JSONEachRow, or JSONCompactEachRow when `columns` names the columns
   * of its arrays in order. The embedded engine takes the Buffer without a copy
   * (`connection.chdb.rawInsert`); through `@clickhouse/client` the body would be turned into
   * one SQL string first, which costs the writer a copy and a UTF-8 round trip per insert.
   */
  insertBody(
    table: string,
    body: Buffer,
    settings?: QuerySettings,
    columns?: readonly string[],
  ): Promise<void>;
  close(): Promise<void>;
};

/** Inserts a body the way a store kind does it (see {@link Store.insertBody}). */
type BodyInserter = Store['insertBody'];

type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

/** The embedded engine's files sit in this folder of the data directory. */
export const ENGINE_SUBDIR = 'clickhouse';

/**
 * Opens the store: embedded ClickHouse (chDB) by default, a ClickHouse server when a URL is given.
 * The same `@clickhouse/client` API serves both, so every query runs unchanged on either.
 *
 * @example
 * const store = await openStore({ kind: 'embedded', dataDir: './.tokenwatch/data' });
 */
export async function openStore(options: StoreOptions): Promise<Store> {
  if (options.kind === 'server') return openServerStore(options.url, options.cluster);
  return openEmbeddedStore(options.dataDir);
}

function openEmbeddedStore(dataDir: string): Store {
  const dir = resolve(dataDir);
  const enginePath = resolve(dir, ENGINE_SUBDIR);
  mkdirSync(enginePath, { recursive: true });
  let connection: ReturnType<typeof createChdbConnection>;
  try {
    connection = createChdbConnection({ path: enginePath });
  } catch (err) {
    throw translateOpenError(err, dir, enginePath);
  }
  // chdb declares its connection against @clickhouse/client-common while @clickhouse/client ships
  // its own copy of the same interface: identical shapes, distinct declarations.
  const client = createClient({ connection: connection as unknown as ClientConnection });
  const raw = connection.chdb;
  return makeStore('embedded', client, dir, undefined, async (table, body, settings, columns) => {
    await raw.rawInsert({
      table,
      values: body,
      format: columns ? 'JSONCompactEachRow' : 'JSONEachRow',
      columns,
      settings,
    });
  });
}

function translateOpenError(err: unknown, dir: string, enginePath: string): Error {
  const message = err instanceof Error ? err.message : String(err);
  // The engine's message does not always say why (a second open in one process loses the detail),
  // so the lock file it keeps while open decides too.
  const holder = lockHolder(enginePath);
  if (holder !== undefined || /Cannot lock file|Another server instance/i.test(message)) {
    return new StoreLockedError(dir, holder, { cause: err });
  }
  return new StoreError('STORE_OPEN', `Could not open the embedded store in ${dir}: ${message}`, {
    cause: err,
  });
}

/** The live process other than this one that holds the engine's `status` lock file, if any. */
function lockHolder(enginePath: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(join(enginePath, 'status'), 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(/^PID: (\d+)$/m.exec(text)?.[1]);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

async function openServerStore(url: string, cluster: string | undefined): Promise<Store> {
  if (cluster !== undefined) assertClusterName(cluster);
  const parsed = parseServerUrl(url);
  const client = createClient({
    url: parsed.origin,
    username: parsed.username,
    password: parsed.password,
    database: parsed.database,
  });
  return makeStore(
    'server',
    client,
    parsed.display,
    cluster,
    async (table, body, settings, columns) => {
      const target = columns ? `${table} (${columns.join(', ')})` : table;
      const format = columns ? 'JSONCompactEachRow' : 'JSONEachRow';
      const result = await client.exec({
        query: `${withSettings(`INSERT INTO ${target}`, settings)} FORMAT ${format}`,
        values: Readable.from([body]),
      });
      // The socket is held until the (empty) response body is read.
      result.stream.resume();
      await finished(result.stream);
    },
  );
}

/** Splits `http(s)://user:pass@host:8123/db` into what `createClient` takes. */
export function parseServerUrl(url: string): {
  origin: string;
  username: string;
  password: string;
  database: string;
  display: string;
} {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new StoreError(
      'BAD_URL',
      `Not a ClickHouse URL: ${JSON.stringify(url)} (expected http(s)://user:pass@host:8123/db)`,
    );
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new StoreError('BAD_URL', `ClickHouse URL must be http or https, got ${u.protocol}`);
  }
  const database = decodeURIComponent(u.pathname.replace(/^\/+|\/+$/g, '')) || 'default';
  const username = decodeURIComponent(u.username) || 'default';
  const password = decodeURIComponent(u.password);
  return {
    origin: `${u.protocol}//${u.host}`,
    username,
    password,
    database,
    display: `${u.protocol}//${username}@${u.host}/${database}`,
  };
}

function makeStore(
  kind: Store['kind'],
  client: ClickHouseClient,
  location: string,
  cluster: string | undefined,
  insertBody: BodyInserter,
): Store {
  let tail: Promise<unknown> = Promise.resolve();
  let closed = false;
  return {
    kind,
    client,
    location,
    cluster,
    insertBody(table, body, settings, columns) {
      return body.length === 0 ? Promise.resolve() : insertBody(table, body, settings, columns);
    },
    exclusive<T>(fn: () => Promise<T>): Promise<T> {
      const run = tail.then(fn, fn);
      tail = run.catch(() => undefined);
      return run;
    },
    async close() {
      if (closed) return;
      closed = true;
      await tail.catch(() => undefined);
      await client.close();
    },
  };
}
