/**
 * What the process-level tests share: a real collector on a real store, the fake provider, and a
 * runner for fixture applications in child processes (from TypeScript source, as the zero-code
 * test runs them), whose exit code, output and duration are returned rather than asserted.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { type Collector, createCollector } from '@tokenwatch/collector';
import { loadConfig } from '@tokenwatch/config';
import { type FakeLlm, startFakeLlm } from '@tokenwatch/fake-llm';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';

const packageDir = resolve(import.meta.dirname, '..');

/** A collector (behind a real HTTP server) and the fake provider. */
export type Backend = {
  collectorUrl: string;
  fake: FakeLlm;
  /** Rows of a query on the store, once the collector has written what it received. */
  rows(query: string, params?: Record<string, unknown>): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
};

/** Starts a store, a collector serving OTLP/HTTP on 127.0.0.1 and the fake provider. */
export async function startBackend(): Promise<Backend> {
  const store: TestStore = await openTestStore();
  const dataDir = mkdtempSync(join(tmpdir(), 'tokenwatch-child-app-'));
  const collector: Collector = createCollector({
    store: store.store,
    config: loadConfig({ cwd: dataDir, env: {}, flags: { dataDir } }),
  });
  collector.start();
  const server = createAdaptorServer({ fetch: collector.app.fetch });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const fake = await startFakeLlm();
  return {
    collectorUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    fake,
    async rows(query, params = {}) {
      await collector.flushed();
      const result = await store.store.client.query({
        query,
        query_params: params,
        format: 'JSONEachRow',
      });
      return result.json();
    },
    async close() {
      await fake.close();
      await new Promise((done) => server.close(done));
      await collector.stop();
      await store.cleanup();
    },
  };
}

/** A loopback port nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  const { port } = probe.address() as AddressInfo;
  await new Promise((done) => probe.close(done));
  return port;
}

/** How a child process ended. */
export type ChildResult = {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall-clock time from spawn to exit. */
  ms: number;
};

/**
 * Runs `test/fixtures/<app>` with Node, from TypeScript source (`--import tsx`), with `preload`
 * modules `--import`ed before it and only the given environment (plus PATH and HOME). Killed
 * after `timeoutMs`; the result is returned whatever the exit code.
 */
export function runApp(
  app: string,
  env: Record<string, string>,
  options: { preload?: string[]; timeoutMs?: number } = {},
): Promise<ChildResult> {
  const args = ['--conditions=@tokenwatch/source', '--import', 'tsx'];
  for (const module of options.preload ?? []) args.push('--import', module);
  args.push(join('test/fixtures', app));
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: packageDir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: options.timeoutMs ?? 30_000,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((done, fail) => {
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr, ms: performance.now() - started }));
  });
}

/** The non-empty lines of a child's stderr. */
export function lines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}
