import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { changedSections, keepRestartOnly, restartOnlyChanges } from './changes.ts';
import { ConfigError } from './errors.ts';
import { loadConfigWithChecksum } from './load.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Loads `text` as tokenwatch.yaml from a directory of its own, with no environment. */
function load(text: string) {
  const cwd = mkdtempSync(join(tmpdir(), 'tokenwatch-changes-'));
  dirs.push(cwd);
  writeFileSync(join(cwd, 'tokenwatch.yaml'), text);
  return loadConfigWithChecksum({ cwd, env: {} });
}

describe('loadConfigWithChecksum', () => {
  it('gives the sha256 of the bytes it parsed', () => {
    const text = 'timezone: Europe/Paris\n';
    const loaded = load(text);
    expect(loaded.config.timezone).toBe('Europe/Paris');
    expect(loaded.sha256).toBe(createHash('sha256').update(text).digest('hex'));
    // A comment is a different file, though not a different configuration.
    expect(load(`# edited\n${text}`).sha256).not.toBe(loaded.sha256);
  });

  it('reports a file that is gone as a ConfigError naming it', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'tokenwatch-changes-'));
    dirs.push(cwd);
    const missing = () => loadConfigWithChecksum({ cwd, env: {}, flags: { config: 'gone.yaml' } });
    expect(missing).toThrow(ConfigError);
    expect(missing).toThrow(`Config file not found: ${join(cwd, 'gone.yaml')}`);
  });
});

describe('what a reload may change', () => {
  const base = 'server:\n  host: 127.0.0.1\n  port: 4318\nbudgets: []\n';

  it('names restart-only settings with both values, hiding a ClickHouse URL', () => {
    const running = load(base).config;
    const edited = load(
      'server:\n  host: 0.0.0.0\n  port: 4400\nstore:\n  clickhouse_url: http://u:secret@ch:8123/db\n',
    ).config;
    expect(restartOnlyChanges(running, edited)).toEqual([
      { key: 'server.host', running: '127.0.0.1', edited: '0.0.0.0' },
      { key: 'server.port', running: '4318', edited: '4400' },
      // The data directories differ too: each test file lives in a directory of its own.
      { key: 'store.data_dir', running: running.store.dataDir, edited: edited.store.dataDir },
      { key: 'store.clickhouse_url', running: '(unset)', edited: '(hidden)' },
    ]);
    expect(JSON.stringify(restartOnlyChanges(running, edited))).not.toContain('secret');
  });

  it('keeps restart-only settings at their running values and lists the sections edited', () => {
    const running = load(base).config;
    const edited = load(
      [
        'server:',
        '  host: 127.0.0.1',
        '  port: 9999',
        'prices:',
        '  - { model: house-model, input: 1, output: 2 }',
        'budgets:',
        '  - { id: b, period: daily, limit_usd: 5 }',
      ].join('\n'),
    ).config;
    const applied = keepRestartOnly(running, edited);
    expect(applied.server).toEqual({ host: '127.0.0.1', port: 4318 });
    expect(applied.store).toBe(running.store);
    expect(applied.budgets).toEqual(edited.budgets);
    expect(changedSections(running, applied)).toEqual(['prices', 'budgets']);
    expect(changedSections(running, running)).toEqual([]);
  });
});
