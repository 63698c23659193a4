import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cliArgs, repo, type ServeProcess, startServe, stopServe } from './serve-process.ts';

const run = promisify(execFile);

/** Runs the real CLI in a child process, as `pnpm tokenwatch` does. */
async function tokenwatch(dataDir: string, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [...cliArgs, '--data-dir', dataDir, ...args],
      {
        cwd: repo,
        env: process.env,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('tokenwatch CLI', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'tokenwatch-cli-'));
  });

  describe('with serve running on the data directory', () => {
    let server: ServeProcess;
    beforeAll(async () => {
      server = await startServe(dataDir);
    });
    afterAll(async () => {
      await stopServe(server.child);
    });

    it('serves /readyz and records itself for other commands', async () => {
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(200);
      const info = JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8'));
      expect(info.url).toBe(server.url);
      expect(info.pid).toBe(server.child.pid);
    });

    it('answers sql through the running server', async () => {
      const write = await tokenwatch(
        dataDir,
        'sql',
        '--write',
        "INSERT INTO llm_calls (tenant, start_time, trace_id, span_id, total_cost) VALUES ('cli', now64(9), 't', 's', 0.25)",
      );
      expect(write.stderr).toBe('');
      expect(write.code).toBe(0);
      const read = await tokenwatch(
        dataDir,
        'sql',
        'SELECT count() FROM llm_calls',
        '--format',
        'json',
      );
      expect(read.code).toBe(0);
      expect(JSON.parse(read.stdout)).toEqual([{ 'count()': '1' }]);
    });

    it('reprices through the running server', async () => {
      const out = await tokenwatch(
        dataDir,
        'reprice',
        '--since',
        '2020-01-01',
        '--dry-run',
        '--format',
        'json',
      );
      expect(out.stderr).toBe('');
      // The one stored call has no model any price covers: nothing to change, and nothing erased.
      expect(JSON.parse(out.stdout)).toEqual({ dryRun: true, models: [] });
      const bad = await tokenwatch(dataDir, 'reprice', '--since', 'yesterday-ish');
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/--since: not a time: "yesterday-ish"/);
    });

    it('refuses writes without --write', async () => {
      const refused = await tokenwatch(dataDir, 'sql', 'DROP TABLE llm_calls');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/read-only.*--write/);
      const still = await tokenwatch(dataDir, 'sql', 'EXISTS TABLE llm_calls', '--format', 'csv');
      expect(still.stdout).toBe('result\r\n1\r\n');
    });

    it('stops cleanly on SIGTERM and removes its record', async () => {
      expect(await stopServe(server.child)).toBe(0);
      expect(() => readFileSync(join(dataDir, 'server.json'))).toThrow();
    });
  });

  it('answers sql from the store directly once serve has stopped', async () => {
    const read = await tokenwatch(
      dataDir,
      'sql',
      'SELECT count() FROM llm_calls',
      '--format',
      'json',
    );
    expect(read.stderr).toBe('');
    expect(JSON.parse(read.stdout)).toEqual([{ 'count()': '1' }]);
  });

  it('prints cluster DDL', async () => {
    const out = await tokenwatch(dataDir, 'migrate', '--cluster', 'c1', '--print');
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('CREATE TABLE IF NOT EXISTS llm_calls_local ON CLUSTER c1');
    expect(out.stdout).toContain(
      "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/llm_calls_local', '{replica}', revision)",
    );
  });

  it('refuses a cluster without a ClickHouse server', async () => {
    const out = await tokenwatch(dataDir, 'migrate', '--cluster', 'c1');
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/cluster needs a ClickHouse server/);
  });

  it('reports a bad config file with its key and line', async () => {
    const file = join(dataDir, 'bad.yaml');
    writeFileSync(file, 'server:\n  port: 99999\n');
    const out = await tokenwatch(dataDir, '--config', file, 'migrate');
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`${file}:2:3: server.port:`);
  });

  it('creates API keys whose hash goes into the config', async () => {
    const out = await tokenwatch(dataDir, 'keys', 'create', '--tenant', 'acme', '--format', 'json');
    const record = JSON.parse(out.stdout) as { tenant: string; key: string; key_sha256: string };
    expect(record.tenant).toBe('acme');
    expect(record.key).toMatch(/^tw_[A-Za-z0-9_-]{32}$/);
    expect(record.key_sha256).toBe(createHash('sha256').update(record.key).digest('hex'));
  });

  it('exports Grafana alert rules that query the provisioned ClickHouse datasource', async () => {
    const out = join(dataDir, 'alerting', 'tokenwatch.yaml');
    const result = await tokenwatch(dataDir, 'alerts', 'export-grafana', '--out', out);
    expect(result.code).toBe(0);
    const provisioned = parse(
      readFileSync(join(repo, 'dashboards/provisioning/datasources/tokenwatch.yaml'), 'utf8'),
    ) as {
      datasources: { uid: string }[];
    };
    const exported = parse(readFileSync(out, 'utf8')) as {
      apiVersion: number;
      groups: { rules: { data: { datasourceUid: string }[] }[] }[];
    };
    expect(exported.apiVersion).toBe(1);
    const uids = exported.groups.flatMap((g) =>
      g.rules.flatMap((r) => r.data.map((d) => d.datasourceUid)),
    );
    expect(uids.length).toBeGreaterThan(0);
    // Query steps point at the datasource; expression steps use Grafana's own '__expr__'.
    expect(new Set(uids.filter((u) => u !== '__expr__'))).toEqual(
      new Set([provisioned.datasources[0]!.uid]),
    );
    // The provisioned file is this export of the default rules (regenerate it the same way).
    expect(
      readFileSync(join(repo, 'dashboards/provisioning/alerting/tokenwatch.yaml'), 'utf8'),
    ).toBe(readFileSync(out, 'utf8'));
  });

  it('prints the config JSON Schema', async () => {
    const out = await tokenwatch(dataDir, 'config', 'schema');
    const schema = JSON.parse(out.stdout);
    expect(schema.properties.server.properties.port.default).toBe(4318);
    expect(schema.additionalProperties).toBe(false);
  });
});
