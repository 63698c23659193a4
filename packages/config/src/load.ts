import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PriceOverride } from '@tokenwatch/schema';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import type { AlertsConfig } from './alerts-schema.ts';
import type { AnomaliesConfig, BudgetConfig } from './analytics-schema.ts';
import { envInt, envString } from './env.ts';
import { ConfigError } from './errors.ts';
import { type ReconcileConfig, toReconcileConfig } from './reconcile-schema.ts';
import type { ReportsConfig } from './reports-schema.ts';
import { type ATTRIBUTION_FIELDS, ConfigFileSchema } from './schema.ts';

/** The resolved configuration every component receives (camelCase, absolute paths). */
export type Config = {
  /** The file it came from, when there was one. */
  configFile: string | undefined;
  server: { host: string; port: number };
  store: { dataDir: string; clickhouseUrl: string | undefined; cluster: string | undefined };
  retention: { rawSpansDays: number; callsDays: number };
  /** API keys by the hex sha256 of the key; empty means the server is open (loopback only). */
  apiKeys: { tenant: string; keySha256: string }[];
  ingest: {
    maxBodyBytes: number;
    maxPendingSpans: number;
    maxSpoolBytes: number;
    maxAttributesPerSpan: number;
    maxAttributeValueBytes: number;
    maxDistinctValues: number;
    /** What otel_traces keeps of an LLM-call span (`lean`: no attributes, events or links). */
    rawLlmSpans: 'full' | 'lean';
  };
  attributionRules: { field: (typeof ATTRIBUTION_FIELDS)[number]; from: string }[];
  prices: PriceOverride[];
  timezone: string;
  budgets: BudgetConfig[];
  anomalies: AnomaliesConfig;
  reports: ReportsConfig;
  alerts: AlertsConfig;
  reconcile: ReconcileConfig;
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

/** Where {@link loadConfig} looks (flags, environment, working directory), who hears warnings. */
export type ConfigSources = {
  flags?: ConfigFlags;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * Told about each deprecation in a config that loads (a renamed key, with its file, line and new
   * spelling). @default each distinct warning printed once per process to stderr
   */
  onWarning?: (warning: string) => void;
};

/** A resolved configuration and the sha256 of the file bytes it was read from. */
export type LoadedConfig = {
  config: Config;
  /** Hex sha256 of the config file as read (of the empty string when there is no file). */
  sha256: string;
};

/**
 * Resolves the configuration from flags, `TOKENWATCH_*` variables, tokenwatch.yaml and defaults.
 * Errors name the offending key and where it came from (file:line:column, variable or flag).
 */
export function loadConfig(options: ConfigSources = {}): Config {
  return loadConfigWithChecksum(options).config;
}

/**
 * {@link loadConfig}, also giving the checksum of the exact bytes parsed: what `serve` shows on
 * /metrics and compares to tell a real edit from a touch when it reloads.
 */
export function loadConfigWithChecksum(options: ConfigSources = {}): LoadedConfig {
  const { flags = {}, env = process.env, cwd = process.cwd(), onWarning = warnOnce } = options;
  const explicit = flags.config ?? envString(env, 'TOKENWATCH_CONFIG');
  const file = explicit
    ? resolve(cwd, explicit)
    : existsSync(resolve(cwd, DEFAULT_CONFIG_FILE))
      ? resolve(cwd, DEFAULT_CONFIG_FILE)
      : undefined;
  if (explicit && file && !existsSync(file))
    throw new ConfigError(`Config file not found: ${file}`);

  const text = file ? readConfigText(file) : '';
  const parsed = file ? parseYaml(file, text) : { data: {}, locate: () => undefined };
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
  const warnings = renameDeprecatedKeys(data, file, parsed.locate);
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
  for (const warning of warnings) onWarning(warning);
  const config: Config = {
    configFile: file,
    server: { host: c.server.host, port: c.server.port },
    store: {
      dataDir: resolve(cwd, c.store.data_dir),
      clickhouseUrl: c.store.clickhouse_url,
      cluster: c.store.cluster,
    },
    retention: { rawSpansDays: c.retention.raw_spans_days, callsDays: c.retention.calls_days },
    apiKeys: [
      ...c.auth.keys.map((k) => ({ tenant: k.tenant, keySha256: k.key_sha256 })),
      ...envApiKeys(env),
    ],
    ingest: {
      maxBodyBytes: c.ingest.max_body_bytes,
      maxPendingSpans: c.ingest.max_pending_spans,
      maxSpoolBytes: c.ingest.max_spool_bytes,
      maxAttributesPerSpan: c.ingest.max_attributes_per_span,
      maxAttributeValueBytes: c.ingest.max_attribute_value_bytes,
      maxDistinctValues: c.ingest.max_distinct_values,
      rawLlmSpans: c.ingest.raw_llm_spans,
    },
    attributionRules: c.attribution.rules,
    prices: c.prices,
    timezone: c.timezone,
    budgets: c.budgets,
    anomalies: c.anomalies,
    reports: c.reports,
    alerts: c.alerts,
    reconcile: toReconcileConfig(c.reconcile),
  };
  return { config, sha256: createHash('sha256').update(text).digest('hex') };
}

/** The hex sha256 of an API key: what the configuration keeps instead of the key. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * `TOKENWATCH_API_KEYS=tenant=key,tenant2=key2`: keys from a secret store, hashed at once so the
 * plain key lives nowhere else in the process.
 */
function envApiKeys(env: NodeJS.ProcessEnv): { tenant: string; keySha256: string }[] {
  const raw = envString(env, 'TOKENWATCH_API_KEYS');
  if (!raw) return [];
  return raw.split(',').map((entry, i) => {
    const at = entry.indexOf('=');
    const tenant = entry.slice(0, at).trim();
    const key = entry.slice(at + 1).trim();
    if (at <= 0 || !/^[A-Za-z0-9_.-]{1,64}$/.test(tenant) || key.length < 16) {
      throw new ConfigError(
        `TOKENWATCH_API_KEYS: entry ${i + 1} must be tenant=key, with a key of at least 16 characters`,
      );
    }
    return { tenant, keySha256: hashApiKey(key) };
  });
}

type Locate = (path: PropertyKey[]) => string | undefined;

/**
 * Keys renamed in the items of a list. The old spelling is still read (moved to the new key before
 * validation, so the schemas know one spelling) and each use is a deprecation warning.
 */
const RENAMED_KEYS: readonly { list: readonly string[]; from: string; to: string }[] = [
  // One spelling of a receiver's type in alerts and reports: see AlertReceiverSchema.
  { list: ['alerts', 'receivers'], from: 'kind', to: 'type' },
];

/** Moves renamed keys to their new spelling in `data`; returns a warning for each one moved. */
function renameDeprecatedKeys(
  data: Record<string, unknown>,
  file: string | undefined,
  locate: Locate,
): string[] {
  const warnings: string[] = [];
  for (const { list, from, to } of RENAMED_KEYS) {
    let items: unknown = data;
    for (const key of list) items = isRecord(items) ? items[key] : undefined;
    if (!Array.isArray(items)) continue;
    items.forEach((item: unknown, i) => {
      // With both spellings there is nothing to guess: validation names the old key as unknown.
      if (!isRecord(item) || !(from in item) || to in item) return;
      item[to] = item[from];
      delete item[from];
      const path = [...list, i, from];
      const where = locate(path) ?? file ?? 'config';
      warnings.push(
        `${where}: ${path.join('.')}: "${from}" is deprecated, write "${to}" instead (still read for now)`,
      );
    });
  }
  return warnings;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const warned = new Set<string>();

/** The default warning sink: a `serve` reloading the same file does not repeat itself. */
function warnOnce(warning: string): void {
  if (warned.has(warning)) return;
  warned.add(warning);
  console.warn(`tokenwatch: warning: ${warning}`);
}

/** The file's text; a file that vanished between the check and the read (an editor replacing it) is a ConfigError too. */
function readConfigText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(
      code === 'ENOENT' ? `Config file not found: ${file}` : `${file}: cannot read: ${code}`,
    );
  }
}

function parseYaml(file: string, text: string): { data: unknown; locate: Locate } {
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
