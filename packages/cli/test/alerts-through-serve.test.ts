import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliArgs, repo, type ServeProcess, startServe, stopServe } from './serve-process.ts';

const run = promisify(execFile);

// `alerts evaluate` and `alerts test` used to refuse while serve held the store; now they go
// through the running server and act with its engine, state and receivers.
describe('alerts verbs while serve runs', () => {
  let dataDir: string;
  let config: string;
  let serve: ServeProcess;
  let receiver: Server;
  const received: { path: string; body: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      req.on('end', () => {
        received.push({ path: req.url ?? '', body: JSON.parse(text) as Record<string, unknown> });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.address() as AddressInfo;
    dataDir = mkdtempSync(join(tmpdir(), 'tokenwatch-alerts-serve-'));
    config = join(dataDir, 'tokenwatch.yaml');
    writeFileSync(
      config,
      [
        'alerts:',
        '  evaluate_every: 1h',
        '  receivers:',
        `    - { name: hook, type: webhook, url: "http://127.0.0.1:${port}/alerts" }`,
        '',
      ].join('\n'),
    );
    serve = await startServe(dataDir, [], { TOKENWATCH_CONFIG: config });
  });
  afterAll(async () => {
    await stopServe(serve.child);
    await new Promise((resolve) => receiver.close(resolve));
  });

  const cli = (...args: string[]) =>
    run(process.execPath, [...cliArgs, '--config', config, '--data-dir', dataDir, ...args], {
      cwd: repo,
      env: process.env,
    });

  it('evaluates with --dry-run through the server and sends nothing', async () => {
    const before = received.length;
    const { stdout, stderr } = await cli('alerts', 'evaluate', '--dry-run', '--format', 'json');
    expect(stderr).toBe('');
    const result = JSON.parse(stdout) as { alerts: unknown[] };
    expect(result.alerts).toEqual([]);
    expect(received.length).toBe(before);
  });

  it('sends a test notification from the server to the named receiver', async () => {
    const { stdout, stderr } = await cli('alerts', 'test', 'hook');
    expect(stderr).toBe('');
    const result = JSON.parse(stdout) as { status: string; httpStatus: number; receiver: string };
    expect(result).toMatchObject({ status: 'sent', httpStatus: 200, receiver: 'hook' });
    expect(received).toHaveLength(1);
    expect(received[0]!.path).toBe('/alerts');
  });

  it('names an unknown receiver as the error', async () => {
    const failed = await cli('alerts', 'test', 'nope').catch(
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stderr: string }).stderr).toContain('no receiver named "nope"');
  });
});
