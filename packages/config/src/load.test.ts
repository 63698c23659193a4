import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { AlertsSchema } from './alerts-schema.ts';
import { ConfigError } from './errors.ts';
import { hashApiKey, loadConfig } from './load.ts';
import { ReportsSchema } from './reports-schema.ts';
import { configJsonSchema } from './schema.ts';

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('loadConfig', () => {
  it('gives defaults with no file, no environment and no flags', () => {
    const cwd = dirWith({});
    // The alerts and reports sections have schema tests of their own; here: they default.
    const { alerts, reports, ...config } = loadConfig({ cwd, env: {} });
    expect(alerts).toEqual(AlertsSchema.parse({}));
    expect(reports).toEqual(ReportsSchema.parse({}));
    expect(reports.enabled).toBe(false);
    expect(config).toEqual({
      configFile: undefined,
      server: { host: '127.0.0.1', port: 4318 },
      store: {
        dataDir: resolve(cwd, '.tokenwatch/data'),
        clickhouseUrl: undefined,
        cluster: undefined,
      },
      retention: { rawSpansDays: 30, callsDays: 400 },
      apiKeys: [],
      ingest: {
        maxBodyBytes: 16 * 1024 * 1024,
        maxPendingSpans: 200_000,
        maxSpoolBytes: 1024 * 1024 * 1024,
        maxAttributesPerSpan: 256,
        maxAttributeValueBytes: 16 * 1024,
        maxDistinctValues: 10_000,
        rawLlmSpans: 'full',
      },
      attributionRules: [],
      prices: [],
      timezone: 'UTC',
      budgets: [],
      anomalies: {
        entities: ['agent', 'session', 'user', 'team', 'feature'],
        ratio: 3,
        long_window: '2m',
        short_window: '30s',
        baseline_window: '7d',
        baseline_exclude: '15m',
        min_active_minutes: 30,
        min_tokens: 2000,
        min_cost_usd: 0.01,
      },
      reconcile: {
        projects: {},
        apiKeys: {},
        fetch: { every: undefined, since: '3d', tenant: 'default' },
      },
    });
  });

  it('reads budgets and refuses inconsistent ones with the key and line', () => {
    const cwd = dirWith({
      'tokenwatch.yaml': [
        'timezone: Europe/Paris',
        'budgets:',
        '  - id: growth-daily',
        '    scope: { team: growth }',
        '    period: daily',
        '    limit_usd: 50',
        '  - id: per-agent',
        '    per: agent',
        '    period: rolling',
        '    window: 24h',
        '    limit_tokens: 2000000',
      ].join('\n'),
    });
    const config = loadConfig({ cwd, env: {} });
    expect(config.timezone).toBe('Europe/Paris');
    expect(config.budgets).toEqual([
      {
        id: 'growth-daily',
        scope: { team: 'growth' },
        period: 'daily',
        limit_usd: 50,
        thresholds: [0.5, 0.8, 1],
      },
      {
        id: 'per-agent',
        scope: {},
        per: 'agent',
        period: 'rolling',
        window: '24h',
        limit_tokens: 2_000_000,
        thresholds: [0.5, 0.8, 1],
      },
    ]);
    const both = dirWith({
      'tokenwatch.yaml':
        'budgets:\n  - id: x\n    period: daily\n    limit_usd: 1\n    limit_tokens: 5\n',
    });
    expect(() => loadConfig({ cwd: both, env: {} })).toThrow(
      /budgets\.0: give exactly one of limit_usd and limit_tokens/,
    );
    // Past ClickHouse's DateTime range a TTL wraps into the past and expires everything at once.
    const forever = dirWith({ 'tokenwatch.yaml': 'retention:\n  calls_days: 36500\n' });
    expect(() => loadConfig({ cwd: forever, env: {} })).toThrow(/retention\.calls_days/);
    const zone = dirWith({ 'tokenwatch.yaml': 'timezone: Mars/Olympus\n' });
    expect(() => loadConfig({ cwd: zone, env: {} })).toThrow(
      /tokenwatch\.yaml:1:1: timezone: an IANA time zone/,
    );
  });

  it('takes API keys as hashes from the file and as plain keys from the environment', () => {
    const hash = hashApiKey('tw_live_0123456789abcdef');
    const cwd = dirWith({
      'tokenwatch.yaml': `auth:\n  keys:\n    - tenant: acme\n      key_sha256: ${hash}\n`,
    });
    const config = loadConfig({
      cwd,
      env: { TOKENWATCH_API_KEYS: 'beta=tw_live_fedcba9876543210' },
    });
    expect(config.apiKeys).toEqual([
      { tenant: 'acme', keySha256: hash },
      { tenant: 'beta', keySha256: hashApiKey('tw_live_fedcba9876543210') },
    ]);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(() => loadConfig({ cwd, env: { TOKENWATCH_API_KEYS: 'beta=short' } })).toThrow(
      /at least 16 characters/,
    );
    const plain = dirWith({
      'tokenwatch.yaml': 'auth:\n  keys:\n    - tenant: acme\n      key_sha256: my-secret-key\n',
    });
    expect(() => loadConfig({ cwd: plain, env: {} })).toThrow(
      /tokenwatch\.yaml:4:7: auth\.keys\.0\.key_sha256: .*sha256/,
    );
  });

  it('reads price overrides and attribution rules', () => {
    const cwd = dirWith({
      'tokenwatch.yaml': [
        'prices:',
        '  - model: my-llama-70b',
        '    input: 0.6',
        '    output: "0.8"',
        'attribution:',
        '  rules:',
        '    - field: team',
        '      from: k8s.namespace.name',
      ].join('\n'),
    });
    const config = loadConfig({ cwd, env: {} });
    expect(config.prices).toEqual([
      expect.objectContaining({ model: 'my-llama-70b', input: '0.6', output: '0.8' }),
    ]);
    expect(config.attributionRules).toEqual([{ field: 'team', from: 'k8s.namespace.name' }]);
  });

  it('reads tokenwatch.yaml from the working directory; env beats file, flags beat env', () => {
    const cwd = dirWith({
      'tokenwatch.yaml':
        'server:\n  port: 9000\n  host: 0.0.0.0\nstore:\n  data_dir: /srv/tw\nretention:\n  calls_days: 90\n',
    });
    const fileOnly = loadConfig({ cwd, env: {} });
    expect(fileOnly.configFile).toBe(join(cwd, 'tokenwatch.yaml'));
    expect(fileOnly.server).toEqual({ host: '0.0.0.0', port: 9000 });
    expect(fileOnly.store.dataDir).toBe('/srv/tw');
    expect(fileOnly.retention).toEqual({ rawSpansDays: 30, callsDays: 90 });

    const env = { TOKENWATCH_PORT: '9100', TOKENWATCH_DATA_DIR: 'rel/data' };
    const withEnv = loadConfig({ cwd, env });
    expect(withEnv.server.port).toBe(9100);
    expect(withEnv.store.dataDir).toBe(join(cwd, 'rel/data'));

    const withFlags = loadConfig({
      cwd,
      env,
      flags: { port: 9200, clickhouseUrl: 'http://ch:8123/tw' },
    });
    expect(withFlags.server.port).toBe(9200);
    expect(withFlags.store.clickhouseUrl).toBe('http://ch:8123/tw');
  });

  it('names the key and the line of a bad value', () => {
    const cwd = dirWith({ 'tw.yaml': '# settings\nserver:\n  host: localhost\n  port: eighty\n' });
    expect(() => loadConfig({ cwd, env: {}, flags: { config: 'tw.yaml' } })).toThrow(
      `${join(cwd, 'tw.yaml')}:4:3: server.port: Invalid input: expected number, received string`,
    );
  });

  it('refuses unknown keys, at their line', () => {
    const cwd = dirWith({
      'tokenwatch.yaml': 'server:\n  port: 4318\nretention:\n  raw_span_days: 7\n',
    });
    expect(() => loadConfig({ cwd, env: {} })).toThrow(
      /tokenwatch\.yaml:4:3: retention\.raw_span_days: unknown key/,
    );
  });

  it('names the variable when the environment is wrong', () => {
    const cwd = dirWith({});
    expect(() => loadConfig({ cwd, env: { TOKENWATCH_CLICKHOUSE_URL: 'ftp://x' } })).toThrow(
      /TOKENWATCH_CLICKHOUSE_URL: store\.clickhouse_url: /,
    );
    expect(() => loadConfig({ cwd, env: { TOKENWATCH_PORT: '80a' } })).toThrow(ConfigError);
    expect(() => loadConfig({ cwd, env: {}, flags: { port: 70_000 } })).toThrow(
      /--port: server\.port: /,
    );
  });

  it('reports YAML syntax errors with their position', () => {
    const cwd = dirWith({ 'tokenwatch.yaml': 'server:\n  port: [4318\n' });
    expect(() => loadConfig({ cwd, env: {} })).toThrow(/tokenwatch\.yaml:\d+:\d+: /);
  });

  it('reads a receiver type spelled `type` (as report deliveries spell it) without a warning', () => {
    const cwd = dirWith({
      'tokenwatch.yaml': [
        'alerts:',
        '  receivers:',
        '    - { name: hook, type: webhook, url: "https://hooks.example.com/a" }',
        'reports:',
        '  deliveries:',
        '    - { type: webhook, url: "https://hooks.example.com/r", hmac_secret_env: KEY }',
      ].join('\n'),
    });
    const warnings: string[] = [];
    const config = loadConfig({ cwd, env: {}, onWarning: (w) => warnings.push(w) });
    expect(config.alerts.receivers).toEqual([
      { name: 'hook', type: 'webhook', url: 'https://hooks.example.com/a' },
    ]);
    expect(config.reports.deliveries).toEqual([
      { type: 'webhook', url: 'https://hooks.example.com/r', hmac_secret_env: 'KEY' },
    ]);
    expect(warnings).toEqual([]);
  });

  it('still reads the old `kind` of receivers, warning with its file, line, key and new spelling', () => {
    const cwd = dirWith({
      'tokenwatch.yaml': [
        'alerts:',
        '  receivers:',
        '    - name: oncall',
        '      type: slack',
        '      webhook_url_env: SLACK_URL',
        '    - name: hook',
        '      kind: webhook',
        '      url: https://hooks.example.com/a',
        '    - { name: am, kind: alertmanager, url: "http://am:9093" }',
      ].join('\n'),
    });
    const warnings: string[] = [];
    const config = loadConfig({ cwd, env: {}, onWarning: (w) => warnings.push(w) });
    expect(config.alerts.receivers.map((r) => `${r.name}=${r.type}`)).toEqual([
      'oncall=slack',
      'hook=webhook',
      'am=alertmanager',
    ]);
    const file = join(cwd, 'tokenwatch.yaml');
    expect(warnings).toEqual([
      `${file}:7:7: alerts.receivers.1.kind: "kind" is deprecated, write "type" instead (still read for now)`,
      `${file}:9:19: alerts.receivers.2.kind: "kind" is deprecated, write "type" instead (still read for now)`,
    ]);
    // Both spellings on one receiver is an error at the old key, not a guess.
    const both = dirWith({
      'tokenwatch.yaml':
        'alerts:\n  receivers:\n    - { name: x, type: webhook, kind: slack, url: "https://h.example.com" }\n',
    });
    expect(() => loadConfig({ cwd: both, env: {}, onWarning: () => {} })).toThrow(
      /tokenwatch\.yaml:3:33: alerts\.receivers\.0\.kind: unknown key/,
    );
  });

  it('prints a deprecation once per process by default, however often the file is loaded', () => {
    const cwd = dirWith({
      'tokenwatch.yaml':
        'alerts:\n  receivers:\n    - { name: h, kind: webhook, url: "https://h.example.com" }\n',
    });
    const printed = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      loadConfig({ cwd, env: {} });
      loadConfig({ cwd, env: {} }); // as `serve` reloads an edited file
      expect(printed.mock.calls).toEqual([
        [
          `tokenwatch: warning: ${join(cwd, 'tokenwatch.yaml')}:3:18: alerts.receivers.0.kind: "kind" is deprecated, write "type" instead (still read for now)`,
        ],
      ]);
    } finally {
      printed.mockRestore();
    }
  });

  it('fails when an explicit config file is missing', () => {
    const cwd = dirWith({});
    expect(() => loadConfig({ cwd, env: { TOKENWATCH_CONFIG: 'nope.yaml' } })).toThrow(
      /Config file not found/,
    );
  });

  it('accepts the annotated example shipped in the repository', () => {
    const example = resolve(import.meta.dirname, '../../../tokenwatch.example.yaml');
    const config = loadConfig({ cwd: tmpdir(), env: {}, flags: { config: example } });
    expect(config.server.port).toBe(4318);
    expect(config.retention).toEqual({ rawSpansDays: 30, callsDays: 400 });
  });
});

/** Every property name in a JSON Schema, nested objects, arrays and unions included. */
function schemaKeys(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) {
    for (const item of node) schemaKeys(item, out);
  } else if (node && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    const properties = record.properties as Record<string, unknown> | undefined;
    for (const [key, child] of Object.entries(properties ?? {})) {
      out.add(key);
      schemaKeys(child, out);
    }
    for (const key of ['items', 'anyOf', 'oneOf', 'allOf', 'additionalProperties']) {
      if (key in record) schemaKeys(record[key], out);
    }
  }
  return out;
}

describe('tokenwatch.example.yaml', () => {
  it('lists every key of the configuration, as a value or a commented example', () => {
    const text = readFileSync(
      resolve(import.meta.dirname, '../../../tokenwatch.example.yaml'),
      'utf8',
    );
    const missing = [...schemaKeys(configJsonSchema())].filter(
      (key) => !new RegExp(`(^|[\\s{,#-])${key}:`, 'm').test(text),
    );
    expect(missing).toEqual([]);
  });
});

describe('tokenwatch.schema.json', () => {
  it('is the schema the code parses with (regenerate with `pnpm tokenwatch config schema`)', () => {
    const shipped = JSON.parse(
      readFileSync(resolve(import.meta.dirname, '../../../tokenwatch.schema.json'), 'utf8'),
    );
    expect(shipped).toEqual(configJsonSchema());
  });
});
