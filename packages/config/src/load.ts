import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { envInt, envString } from './env.ts';
import { ConfigError } from './errors.ts';
import { ConfigFileSchema } from './schema.ts';

/** The resolved configuration every component receives (camelCase, absolute paths). */
export type Config = {
  /** The file it came from, when there was one. */
  configFile: string | undefined;
  server: { host: string; port: number };
  store: { dataDir: string; clickhouseUrl: string | undefined; cluster: string | undefined };
  retention: { rawSpansDays: number; callsDays: number };
};

/** Command-line values, which win over the environment, which wins over the file. */
export type ConfigFlags = {
  config?: string;
  dataDir?: string;
  clickhouseUrl?: string;
  cluster?: string;
  host?: string;
  port?: number;
};

/** The file looked for in the working directory when neither --config nor TOKENWATCH_CONFIG is set. */
export const DEFAULT_CONFIG_FILE = 'tokenwatch.yaml';

type Layer = { path: string[]; value: unknown; source: string };

/**
 * Resolves the configuration from flags, `TOKENWATCH_*` variables, tokenwatch.yaml and defaults.
 * Errors name the offending key and where it came from (file:line:column, variable or flag).
 */
export function loadConfig(
  options: { flags?: ConfigFlags; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Config {
  const { flags = {}, env = process.env, cwd = process.cwd() } = options;
  const explicit = flags.config ?? envString(env, 'TOKENWATCH_CONFIG');
  const file = explicit
    ? resolve(cwd, explicit)
    : existsSync(resolve(cwd, DEFAULT_CONFIG_FILE))
      ? resolve(cwd, DEFAULT_CONFIG_FILE)
      : undefined;
  if (explicit && file && !existsSync(file))
    throw new ConfigError(`Config file not found: ${file}`);

  const parsed = file ? parseYaml(file) : { data: {}, locate: () => undefined };
  const layers: Layer[] = [
    {
      path: ['server', 'host'],
      value: envString(env, 'TOKENWATCH_HOST'),
      source: 'TOKENWATCH_HOST',
    },
    { path: ['server', 'port'], value: envInt(env, 'TOKENWATCH_PORT'), source: 'TOKENWATCH_PORT' },
    {
      path: ['store', 'data_dir'],
      value: envString(env, 'TOKENWATCH_DATA_DIR'),
      source: 'TOKENWATCH_DATA_DIR',
    },
    {
      path: ['store', 'clickhouse_url'],
      value: envString(env, 'TOKENWATCH_CLICKHOUSE_URL'),
      source: 'TOKENWATCH_CLICKHOUSE_URL',
    },
    {
      path: ['store', 'cluster'],
      value: envString(env, 'TOKENWATCH_CLICKHOUSE_CLUSTER'),
      source: 'TOKENWATCH_CLICKHOUSE_CLUSTER',
    },
    { path: ['server', 'host'], value: flags.host, source: '--host' },
    { path: ['server', 'port'], value: flags.port, source: '--port' },
    { path: ['store', 'data_dir'], value: flags.dataDir, source: '--data-dir' },
    { path: ['store', 'clickhouse_url'], value: flags.clickhouseUrl, source: '--clickhouse-url' },
    { path: ['store', 'cluster'], value: flags.cluster, source: '--cluster' },
  ];
  const data = structuredClone(parsed.data) as Record<string, unknown>;
  const sources = new Map<string, string>();
  for (const layer of layers) {
    if (layer.value === undefined) continue;
    setIn(data, layer.path, layer.value);
    sources.set(layer.path.join('.'), layer.source);
  }

  const result = ConfigFileSchema.safeParse(data);
  if (!result.success) {
    throw new ConfigError(formatIssues(result.error.issues, file, parsed.locate, sources));
  }
  const c = result.data;
  return {
    configFile: file,
    server: { host: c.server.host, port: c.server.port },
    store: {
      dataDir: resolve(cwd, c.store.data_dir),
      clickhouseUrl: c.store.clickhouse_url,
      cluster: c.store.cluster,
    },
    retention: { rawSpansDays: c.retention.raw_spans_days, callsDays: c.retention.calls_days },
  };
}

type Locate = (path: PropertyKey[]) => string | undefined;

function parseYaml(file: string): { data: unknown; locate: Locate } {
  const text = readFileSync(file, 'utf8');
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const [error] = doc.errors;
  if (error) {
    // linePos is only filled in with prettyErrors; compute it from the offset instead.
    const at = lineCounter.linePos(Math.min(error.pos[0], Math.max(text.length - 1, 0)));
    const where = `${file}:${at.line}:${at.col}`;
    throw new ConfigError(`${where}: ${error.message.split('\n')[0]}`);
  }
  const data = doc.toJS() ?? {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError(`${file}: expected a mapping of keys at the top level`);
  }
  const locate: Locate = (path) => {
    // Point at the key itself; a key that is absent is reported where its nearest parent stands.
    for (let depth = path.length; depth > 0; depth--) {
      const parent = depth === 1 ? doc.contents : doc.getIn(path.slice(0, depth - 1), true);
      if (!isMap(parent)) continue;
      const pair = parent.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(path[depth - 1]),
      );
      const range = isScalar(pair?.key) ? pair.key.range : undefined;
      if (range) {
        const pos = lineCounter.linePos(range[0]);
        return `${file}:${pos.line}:${pos.col}`;
      }
    }
    return undefined;
  };
  return { data, locate };
}

function setIn(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path.at(-1)!] = value;
}

function formatIssues(
  issues: z.core.$ZodIssue[],
  file: string | undefined,
  locate: Locate,
  sources: Map<string, string>,
): string {
  const lines = issues.map((issue) => {
    const path = issue.path.map(String);
    // Unrecognized keys are reported on their parent; point at the key itself.
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const keyPath = keys.length > 0 ? [...path, keys[0]!] : path;
    const name = keyPath.join('.') || '(top level)';
    const source = sources.get(path.join('.'));
    const where = source ?? locate(keyPath) ?? file ?? 'config';
    const message =
      issue.code === 'unrecognized_keys'
        ? `unknown key${keys.length > 1 ? `s ${keys.join(', ')}` : ''}`
        : issue.message;
    return `${where}: ${name}: ${message}`;
  });
  return `Invalid configuration:\n  ${lines.join('\n  ')}`;
}
