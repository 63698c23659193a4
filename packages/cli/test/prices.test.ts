/**
 * `tokenwatch prices` in a child process, as users run it: the bundled prices and the overrides of
 * a tokenwatch.yaml, in each output format. It reads only the configuration (no store).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliArgs, repo } from './serve-process.ts';

const run = promisify(execFile);

let dir: string;

async function prices(...args: string[]) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [...cliArgs, '--data-dir', join(dir, 'data'), ...args],
      { cwd: repo, env: process.env },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('tokenwatch prices', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tokenwatch-prices-'));
    writeFileSync(
      join(dir, 'tokenwatch.yaml'),
      [
        'prices:',
        '  - model: "claude-haiku-4*"',
        '    provider: anthropic',
        '    input: 0.9',
        '    cache_write: 1.1',
        '    output: 4.5',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'bad.yaml'),
      'prices:\n  - model: "x"\n    input: 1\n    effective_from: "2026-01-01T00:00:00"\n',
    );
  });

  it('lists the override before the bundled price it beats, as JSON', async () => {
    const result = await prices(
      '--config',
      join(dir, 'tokenwatch.yaml'),
      'prices',
      '--model',
      'claude-haiku-4*',
      '--format',
      'json',
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const rows = JSON.parse(result.stdout) as Record<string, unknown>[];
    expect(rows[0]).toMatchObject({
      provider: 'anthropic',
      model: 'claude-haiku-4*',
      input_per_mtok: '0.9',
      // Unset: the input price.
      cache_read_per_mtok: '0.9',
      cache_write_per_mtok: '1.1',
      cache_write_1h_per_mtok: '1.1',
      output_per_mtok: '4.5',
      source: 'tokenwatch.yaml',
      price_version: expect.stringMatching(/^override:[0-9a-f]{12}$/),
    });
    // genai-prices 0.1.8: claude-haiku-4-5 at 1 input, 0.1 cache read, 1.25 and 2 (1 hour) cache
    // write, 5 output per million tokens.
    expect(rows).toContainEqual({
      provider: 'anthropic',
      model: 'claude-haiku-4-5',
      input_per_mtok: '1',
      cache_read_per_mtok: '0.1',
      cache_write_per_mtok: '1.25',
      cache_write_1h_per_mtok: '2',
      output_per_mtok: '5',
      tiered: false,
      source: 'genai-prices@0.1.8',
      price_version: 'genai-prices@0.1.8',
      effective_from: null,
      discount: null,
    });
    expect(rows.every((row) => /^claude-haiku-4/.test(String(row.model)))).toBe(true);
  });

  it('prints a table for people and CSV for scripts', async () => {
    const table = await prices('prices', '--model', 'gpt-4o-mini');
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^provider +model +input_per_mtok +cache_read_per_mtok +cache_write_per_mtok +cache_write_1h_per_mtok +output_per_mtok +tiered +source$/,
    );
    expect(lines[2]).toMatch(
      /^openai +gpt-4o-mini +0\.15 +0\.075 +0\.15 +0\.15 +0\.6 +false +genai-prices@0\.1\.8$/,
    );
    expect(lines.at(-1)).toBe('(1 row)');

    const csv = await prices('prices', '--model', 'gpt-4o-mini', '--format', 'csv');
    expect(csv.stdout).toBe(
      'provider,model,input_per_mtok,cache_read_per_mtok,cache_write_per_mtok,cache_write_1h_per_mtok,output_per_mtok,tiered,source,price_version,effective_from,discount\r\n' +
        'openai,gpt-4o-mini,0.15,0.075,0.15,0.15,0.6,false,genai-prices@0.1.8,genai-prices@0.1.8,,\r\n',
    );
  });

  it('says so when no model matches', async () => {
    const result = await prices('prices', '--model', 'no-such-model-*');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('(no rows)\n');
  });

  it('refuses an invalid override with the configuration error, never a stack trace', async () => {
    const result = await prices('--config', join(dir, 'bad.yaml'), 'prices');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^tokenwatch: Invalid configuration:\n.*prices\.0\.effective_from/,
    );
    expect(result.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });
});
