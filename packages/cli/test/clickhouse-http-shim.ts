/**
 * @module
 * A test-only ClickHouse server: the subset of the ClickHouse HTTP interface that
 * `@clickhouse/client` speaks (`/ping`, GET/POST `/` with the query in the URL and/or the body,
 * `param_*` bound parameters, settings as URL parameters, `database`, `query_id`, inserts with
 * their data in the body, ClickHouse-style errors), executed by the embedded engine. Tests start
 * it as its own process so they can SIGKILL "the ClickHouse server" and restart it on the same
 * data directory: the store's server mode runs against a real HTTP peer.
 *
 * Run: `node --conditions=@tokenwatch/source --import tsx clickhouse-http-shim.ts DATA_DIR [PORT]`;
 * it prints `clickhouse shim listening on http://127.0.0.1:PORT` once it answers.
 */

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { openStore, type Store } from '@tokenwatch/store';

/** Settings that only mean something to an HTTP server (the engine would reject them). */
const HTTP_ONLY_SETTINGS = new Set([
  'wait_end_of_query',
  'send_progress_in_http_headers',
  'http_response_buffer_size',
  'http_headers_progress_interval_ms',
  'http_send_progress_interval_ms',
  'enable_http_compression',
  'http_zlib_compression_level',
  'http_response_compression_method',
  'http_native_compression_disable_checksumming_on_decompress',
  'default_format',
]);
/** URL parameters that are not settings. */
const NOT_SETTINGS = new Set(['query', 'query_id', 'database', 'session_id', 'role', 'user']);
const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const STRING_TYPE = /^(Nullable\()?(LowCardinality\()?(String|FixedString\(\d+\))\)*$/;
/** ClickHouse's code for an exception that is not from a query (bad request shape). */
const BAD_ARGUMENTS = 36;

/** An error answered the way ClickHouse answers it: code, type and message. */
class ShimError extends Error {
  readonly code: number;
  readonly type: string;
  constructor(code: number, type: string, message: string) {
    super(message);
    this.code = code;
    this.type = type;
  }
}

/** Undoes ClickHouse's Escaped (TSV) text escaping, the encoding of a `param_*` value. */
function unescapeTsv(text: string): string {
  const map: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', '0': '\0' };
  return text.replace(/\\(.)/gs, (_, c: string) => map[c] ?? c);
}

/**
 * Turns the text form of each `param_*` value into what the engine's binder takes. The binder
 * escapes JS strings for transport, so a value already escaped by the client is unescaped first
 * when the placeholder is a string type; other types carry no escapes in practice and pass as is.
 */
function bindableParams(sql: string, raw: Map<string, string>): Record<string, unknown> {
  const types = new Map<string, string>();
  for (const m of sql.matchAll(/\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([^}]+?)\s*\}/g))
    types.set(m[1]!, m[2]!.replace(/\s+/g, ''));
  const params: Record<string, unknown> = {};
  for (const [name, text] of raw) {
    const type = types.get(name) ?? '';
    if (text === '\\N') params[name] = null;
    else if (!text.includes('\\')) params[name] = text;
    else if (STRING_TYPE.test(type)) params[name] = unescapeTsv(text);
    else
      throw new ShimError(
        BAD_ARGUMENTS,
        'BAD_ARGUMENTS',
        `test shim: escaped value for parameter ${name} of type ${type || '(unknown)'} is not supported`,
      );
  }
  return params;
}

/** What the engine's client error carries, read defensively. */
function asShimError(err: unknown): ShimError {
  if (err instanceof ShimError) return err;
  const e = err as { code?: unknown; type?: unknown; message?: unknown };
  const code = Number(e.code);
  return new ShimError(
    Number.isInteger(code) && code > 0 ? code : 1001,
    typeof e.type === 'string' && e.type ? e.type : 'STD_EXCEPTION',
    typeof e.message === 'string' ? e.message : String(err),
  );
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Serves the ClickHouse HTTP interface over the embedded engine in `dataDir`. Requests run one at
 * a time, as the engine runs them anyway; URL settings apply to their request only.
 */
export async function startClickHouseShim(
  dataDir: string,
  port = 0,
): Promise<{ url: string; close(): Promise<void> }> {
  const store = await openStore({ kind: 'embedded', dataDir });
  let tail: Promise<unknown> = Promise.resolve();
  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://shim');
    if (url.pathname === '/ping' || (url.pathname === '/' && req.method === 'HEAD')) {
      res.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8' });
      res.end('Ok.\n');
      return;
    }
    if (url.pathname !== '/' || (req.method !== 'GET' && req.method !== 'POST')) {
      res.writeHead(404);
      res.end();
      return;
    }
    const body = req.method === 'POST' ? await readBody(req) : '';
    const queryId = url.searchParams.get('query_id') ?? randomUUID();
    const headers = {
      'x-clickhouse-query-id': queryId,
      'x-clickhouse-timezone': 'UTC',
      'x-clickhouse-server-display-name': 'tokenwatch-test-shim',
    };
    try {
      const output = await serialized(() => execute(store, url.searchParams, body));
      res.writeHead(200, {
        ...headers,
        'content-type': 'text/plain; charset=UTF-8',
        'x-clickhouse-summary': JSON.stringify(output.summary),
      });
      res.end(output.bytes);
    } catch (err) {
      const e = asShimError(err);
      const status = e.code === BAD_ARGUMENTS ? 400 : 500;
      res.writeHead(status, {
        ...headers,
        'content-type': 'text/plain; charset=UTF-8',
        'x-clickhouse-exception-code': String(e.code),
      });
      const message = e.message.replace(/\.?\s*$/, '.');
      res.end(`Code: ${e.code}. DB::Exception: ${message} (${e.type})\n`);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    },
  };
}

/** Runs one request: the query (URL part, then body part), bound parameters, settings. */
async function execute(
  store: Store,
  search: URLSearchParams,
  body: string,
): Promise<{ bytes: Buffer; summary: Record<string, string> }> {
  const urlQuery = search.get('query') ?? '';
  // As ClickHouse does: the URL's query, then the body (the data of an INSERT, or the query).
  const sql = urlQuery && body ? `${urlQuery}\n${body}` : urlQuery || body;
  if (!sql.trim()) throw new ShimError(BAD_ARGUMENTS, 'BAD_ARGUMENTS', 'Empty query');
  const rawParams = new Map<string, string>();
  const settings: [string, string][] = [];
  for (const [key, value] of search) {
    if (key.startsWith('param_')) rawParams.set(key.slice('param_'.length), value);
    else if (!NOT_SETTINGS.has(key) && !HTTP_ONLY_SETTINGS.has(key)) {
      if (!SETTING_NAME.test(key))
        throw new ShimError(BAD_ARGUMENTS, 'BAD_ARGUMENTS', `Invalid setting name ${key}`);
      settings.push([key, value]);
    }
  }
  const database = search.get('database');
  // Settings are set for this request and put back afterwards: the engine keeps SETs for the
  // session, a server scopes URL settings to the request.
  const statements: string[] = [];
  if (database && database !== 'default') {
    if (!SETTING_NAME.test(database))
      throw new ShimError(BAD_ARGUMENTS, 'BAD_ARGUMENTS', `Invalid database ${database}`);
    statements.push(`USE ${database}`);
  }
  for (const [name, value] of settings)
    statements.push(`SET ${name} = '${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);
  for (const statement of statements) await store.client.command({ query: statement });
  try {
    const result = await store.client.exec({
      query: sql,
      query_params: bindableParams(sql, rawParams),
      // Without a FORMAT clause a ClickHouse server answers TabSeparated.
      clickhouse_settings: { default_format: 'TabSeparated' },
    });
    const chunks: Buffer[] = [];
    for await (const chunk of result.stream) chunks.push(Buffer.from(chunk as Uint8Array));
    return {
      bytes: Buffer.concat(chunks),
      summary: { ...(result.summary ?? {}) } as Record<string, string>,
    };
  } finally {
    for (const [name] of settings) await store.client.command({ query: `SET ${name} = DEFAULT` });
    if (database && database !== 'default') await store.client.command({ query: 'USE default' });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [dataDir, port] = process.argv.slice(2);
  if (!dataDir) {
    console.error('usage: clickhouse-http-shim.ts DATA_DIR [PORT]');
    process.exit(2);
  }
  const shim = await startClickHouseShim(dataDir, Number(port ?? 0));
  console.log(`clickhouse shim listening on ${shim.url}`);
  const stop = () => shim.close().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
