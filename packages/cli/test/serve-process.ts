import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Repository root and how to run the CLI from source, as `pnpm tokenwatch` does. */
export const repo = resolve(import.meta.dirname, '../../..');
export const cliArgs = [
  '--conditions=@tokenwatch/source',
  '--import',
  'tsx',
  join(repo, 'packages/cli/src/main.ts'),
];

/** A `tokenwatch serve` child process and the URL it listens on. */
export type ServeProcess = { child: ChildProcess; url: string; log: () => string };

/** Starts `tokenwatch serve` on a free port and resolves once /readyz would answer 200. */
export function startServe(
  dataDir: string,
  extraArgs: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<ServeProcess> {
  const child = spawn(
    process.execPath,
    [...cliArgs, '--data-dir', dataDir, 'serve', '--port', '0', ...extraArgs],
    {
      cwd: repo,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...env },
    },
  );
  let log = '';
  return new Promise((resolveStart, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      const ready = /ready \((http:\/\/[^/]+)\/readyz\)/.exec(log);
      if (ready) resolveStart({ child, url: ready[1]!, log: () => log });
    });
    child.on('exit', (code, signal) =>
      reject(new Error(`serve exited (${code ?? signal}): ${log}`)),
    );
  });
}

/** Sends a signal and resolves with the exit code once the process is gone. */
export function stopServe(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolveStop) => {
    child.once('exit', (code) => resolveStop(code));
    child.kill(signal);
  });
}

/**
 * Runs SQL through a running serve's admin endpoint (the embedded store is held by that process),
 * with the URL and admin token it wrote to `server.json` in its data directory.
 */
export async function adminSql(dataDir: string, query: string): Promise<string[][]> {
  const info = JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8')) as {
    url: string;
    token: string;
  };
  const response = await fetch(`${info.url}/api/v1/admin/sql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${info.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return ((await response.json()) as { rows: string[][] }).rows;
}
