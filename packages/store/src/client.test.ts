import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore, parseServerUrl } from './client.ts';
import { StoreLockedError } from './errors.ts';

describe('parseServerUrl', () => {
  it('splits credentials and database out of the URL', () => {
    expect(parseServerUrl('https://tw:s%40cret@ch.example:8443/costs')).toEqual({
      origin: 'https://ch.example:8443',
      username: 'tw',
      password: 's@cret',
      database: 'costs',
      display: 'https://tw@ch.example:8443/costs',
    });
    expect(parseServerUrl('http://localhost:8123').database).toBe('default');
    expect(() => parseServerUrl('clickhouse://x')).toThrow(/http or https/);
    expect(() => parseServerUrl('not a url')).toThrow(/Not a ClickHouse URL/);
  });
});

describe('embedded store', () => {
  it('persists data across reopen', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tokenwatch-client-'));
    const first = await openStore({ kind: 'embedded', dataDir });
    await first.client.command({
      query: 'CREATE TABLE kept (x UInt8) ENGINE = MergeTree ORDER BY x',
    });
    await first.client.command({ query: 'INSERT INTO kept VALUES (7)' });
    await first.close();
    const second = await openStore({ kind: 'embedded', dataDir });
    const rows = await (
      await second.client.query({ query: 'SELECT x FROM kept', format: 'JSONEachRow' })
    ).json();
    expect(rows).toEqual([{ x: 7 }]);
    await second.close();
  });

  it('explains that another process holds the data directory', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tokenwatch-locked-'));
    // Another process opens the store and keeps it open until told to exit.
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { createChdbConnection } from 'chdb/connection';
         createChdbConnection({ path: ${JSON.stringify(join(dataDir, 'clickhouse'))} });
         console.log('open'); process.stdin.resume();`,
      ],
      { cwd: import.meta.dirname, stdio: ['pipe', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('open') && resolve());
        holder.on('exit', (code) => reject(new Error(`holder exited with ${code}`)));
      });
      const attempt = openStore({ kind: 'embedded', dataDir });
      await expect(attempt).rejects.toBeInstanceOf(StoreLockedError);
      await expect(openStore({ kind: 'embedded', dataDir })).rejects.toThrow(
        new RegExp(`in use by another Tokenwatch process \\(pid ${holder.pid}\\).*--server`, 's'),
      );
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
