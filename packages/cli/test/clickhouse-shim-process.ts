import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { repo } from './serve-process.ts';

/** A running ClickHouse HTTP shim process (see `clickhouse-http-shim.ts`). */
export type ShimProcess = { child: ChildProcess; url: string };

/** Starts the shim on `dataDir` and `port`; resolves once it answers. */
export function startShim(dataDir: string, port: number): Promise<ShimProcess> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@tokenwatch/source',
      '--import',
      'tsx',
      join(repo, 'packages/cli/test/clickhouse-http-shim.ts'),
      dataDir,
      String(port),
    ],
    { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      const ready = /listening on (http:\/\/\S+)/.exec(log);
      if (ready) resolve({ child, url: ready[1]! });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code, signal) =>
      reject(new Error(`shim exited (${code ?? signal}): ${log}`)),
    );
  });
}
