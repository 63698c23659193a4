import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { rollupInsertSql } from '@tokenwatch/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliArgs, repo } from './serve-process.ts';

const run = promisify(execFile);

type Outcome = { code: number; stdout: string; stderr: string };

/** Runs the real CLI in a child process, as `pnpm tokenwatch` does. */
async function tokenwatch(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...cliArgs, ...args], {
      cwd: repo,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('CLI manners', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tokenwatch-manners-'));
    expect((await tokenwatch(['--data-dir', dataDir, 'migrate'])).code).toBe(0);
  });

  it('says "no rows" for empty tables instead of printing nothing', async () => {
    for (const verb of [['budgets'], ['alerts', 'list'], ['context'], ['tasks']]) {
      const out = await tokenwatch(['--data-dir', dataDir, ...verb]);
      expect(out.code, verb.join(' ')).toBe(0);
      expect(out.stdout, verb.join(' ')).toContain('(no rows)');
    }
  });

  it('refuses a data dir that does not exist, naming it; migrate creates it', async () => {
    const missing = join(dataDir, 'typo');
    const out = await tokenwatch(['--data-dir', missing, 'cost', '--since', '1d']);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`No Tokenwatch store at ${missing}`);
    expect(existsSync(missing)).toBe(false);
    expect((await tokenwatch(['--data-dir', missing, 'migrate'])).code).toBe(0);
    expect(existsSync(missing)).toBe(true);
    expect((await tokenwatch(['--data-dir', missing, 'cost', '--since', '1d'])).code).toBe(0);
  });

  it('reads every time flag with one grammar', async () => {
    const ok = [
      ['reprice', '--since', '1d', '--dry-run'],
      ['cost', '--since', 'yesterday', '--until', 'today'],
      ['cost', '--since', '2026-W49', '--until', '2026-W49'],
      ['tasks', '--since', '90m'],
      ['budgets', '--at', '2026-12-01T09:30'],
      ['report', 'weekly', '--from', 'yesterday', '--to', 'today', '--format', 'json'],
    ];
    for (const args of ok) {
      const out = await tokenwatch(['--data-dir', dataDir, ...args]);
      expect(out.stderr, args.join(' ')).toBe('');
      expect(out.code, args.join(' ')).toBe(0);
    }
    const bad = await tokenwatch(['--data-dir', dataDir, 'reprice', '--since', 'soon']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--since: not a time: "soon" (use 90m, 1d, 2w, now, today');
    const badAt = await tokenwatch(['--data-dir', dataDir, 'budgets', '--at', 'noon']);
    expect(badAt.stderr).toContain('--at: not a time: "noon"');
    const badFrom = await tokenwatch([
      '--data-dir',
      dataDir,
      'report',
      'weekly',
      '--from',
      'x',
      '--to',
      '1d',
    ]);
    expect(badFrom.stderr).toContain('--from: not a time: "x"');
  });

  it('shows the configuration as YAML, nested values included', async () => {
    const config = join(dataDir, 'tokenwatch.yaml');
    writeFileSync(
      config,
      [
        'timezone: Europe/Berlin',
        'budgets:',
        '  - id: cx-daily',
        '    scope: { team: cx }',
        '    period: daily',
        '    limit_usd: 0.05',
        '',
      ].join('\n'),
    );
    const out = await tokenwatch(['--config', config, '--data-dir', dataDir, 'config', 'show']);
    expect(out.code).toBe(0);
    expect(out.stdout).not.toContain('[object Object]');
    expect(out.stdout).toMatch(/^budgets:\n {2}- id: cx-daily\n/m);
    expect(out.stdout).toMatch(/^ {4}scope:\n {6}team: cx$/m);
    expect(out.stdout).toMatch(/^timezone: Europe\/Berlin$/m);
  });

  it('shows the cost of a group whose calls have no price as unknown, not 0', async () => {
    // One call of a model with no price (NULL cost) and one priced call, 5 minutes ago.
    const out = await tokenwatch([
      '--data-dir',
      dataDir,
      'sql',
      '--write',
      `INSERT INTO llm_calls (tenant, start_time, trace_id, span_id, agent, request_model, input_tokens, total_cost)
       VALUES ('default', now64(9) - INTERVAL 5 MINUTE, 't-m', 's-m', 'a', 'mystery-model', 100, NULL),
              ('default', now64(9) - INTERVAL 5 MINUTE, 't-p', 's-p', 'a', 'gpt-4.1-mini', 100, 0.00004)`,
    ]);
    expect(out.stderr).toBe('');
    // Calls inserted by SQL reach the per-minute rollup (what `cost` reads) only when their sums
    // are inserted too; the collector's writer does both.
    const rollup = await tokenwatch([
      '--data-dir',
      dataDir,
      'sql',
      '--write',
      rollupInsertSql("trace_id IN ('t-m', 't-p')"),
    ]);
    expect(rollup.stderr).toBe('');
    const table = await tokenwatch([
      '--data-dir',
      dataDir,
      'cost',
      '--by',
      'model',
      '--since',
      '1h',
    ]);
    const mystery = table.stdout.split('\n').find((line) => line.startsWith('mystery-model'));
    expect(mystery).toMatch(/^mystery-model\s+1\s+100\s+0\s+0\s+0\s+—\s/);
    const priced = table.stdout.split('\n').find((line) => line.startsWith('gpt-4.1-mini'));
    expect(priced).toMatch(/\s0\.00004\s/);
    const json = await tokenwatch([
      '--data-dir',
      dataDir,
      'cost',
      '--by',
      'model',
      '--since',
      '1h',
      '--format',
      'json',
    ]);
    const rows = JSON.parse(json.stdout).rows as {
      key: { model: string };
      costUsd: string | null;
    }[];
    expect(rows.find((r) => r.key.model === 'mystery-model')!.costUsd).toBeNull();
    expect(rows.find((r) => r.key.model === 'gpt-4.1-mini')!.costUsd).toBe('0.00004');
  });
});
