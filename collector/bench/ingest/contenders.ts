/**
 * @module
 * The servers the ingest benchmark compares, each started as its own process: how to start it,
 * how to tell when everything it acknowledged is stored, and how to stop it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const BENCH_DIR = resolve(import.meta.dirname);
const REPO = resolve(BENCH_DIR, '../../..');

/** A contender's server process. */
export type ServerProcess = { child: ChildProcess; pid: number; url: string; log: () => string };

/** Cumulative spans and calls the server has acknowledged. */
export type Acked = { spans: number; calls: number };

/** One server under test. */
export type Contender = {
  name: string;
  /** Whether it writes to the store (and what it stored can be counted afterwards). */
  stores: boolean;
  /** Which tables hold what it stored. */
  layout: 'tokenwatch' | 'baseline';
  start(dataDir: string, options: { cpuProfileDir?: string }): Promise<ServerProcess>;
  /** Resolves once everything acknowledged so far is stored; false on timeout. */
  committed(server: ServerProcess, acked: Acked, timeoutMs: number): Promise<boolean>;
};

function withoutTokenwatchVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(env).filter(([name]) => !name.startsWith('TOKENWATCH_')),
  );
}

function startProcess(args: string[], cwd: string, readyPattern: RegExp): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, {
    cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
    // No config file or variables of the caller's: every contender runs on defaults.
    env: { ...withoutTokenwatchVariables(process.env), TOKENWATCH_CONFIG: '' },
  });
  let log = '';
  return new Promise((resolveStart, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      const ready = readyPattern.exec(log);
      if (ready && child.pid !== undefined)
        resolveStart({ child, pid: child.pid, url: ready[1]!, log: () => log });
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`server exited (${code ?? signal}) before it was ready: ${log}`)),
    );
  });
}

/** Stops a server with SIGTERM and waits for it to exit. */
export function stopProcess(server: ServerProcess): Promise<void> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    child.once('exit', () => resolveStop());
    child.kill('SIGTERM');
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pollUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(50);
  }
  return false;
}

/** Reads one unlabelled sample from a Prometheus text exposition. */
export function metricValue(text: string, name: string): number {
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : Number.NaN;
}

// Servers run in a scratch directory (no tokenwatch.yaml can be picked up there), from where
// `--import tsx` would not resolve: name the loader by its absolute URL.
const execArgv = process.execArgv.map((arg, i, all) =>
  all[i - 1] === '--import' && arg === 'tsx' ? import.meta.resolve('tsx') : arg,
);

const nodeArgs = (profileDir: string | undefined) => [
  ...execArgv,
  ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []),
];

/** `tokenwatch serve` with the embedded store, default settings plus `yaml` when given. */
export function tokenwatchServe(name: string, yaml: string | undefined): Contender {
  return {
    name,
    stores: true,
    layout: 'tokenwatch',
    start: (dataDir, options) => {
      const configArgs: string[] = [];
      if (yaml !== undefined) {
        // Not tokenwatch.yaml: another contender started in the same directory must not read it.
        const file = resolve(dataDir, '..', `${dataDir.split('/').pop()}.yaml`);
        writeFileSync(file, yaml);
        configArgs.push('--config', file);
      }
      return startProcess(
        [
          ...nodeArgs(options.cpuProfileDir),
          resolve(REPO, 'packages/cli/src/main.ts'),
          ...configArgs,
          '--data-dir',
          dataDir,
          'serve',
          '--port',
          '0',
        ],
        resolve(dataDir, '..'),
        /ready \((http:\/\/[^/]+)\/readyz\)/,
      );
    },
    // Stored means: every acknowledged span counted as accepted and the spool has no record the
    // store writer has not inserted yet.
    committed: (server, acked, timeoutMs) =>
      pollUntil(async () => {
        const text = await (await fetch(`${server.url}/metrics`)).text();
        return (
          metricValue(text, 'tokenwatch_spans_accepted_total') >= acked.spans &&
          metricValue(text, 'tokenwatch_spool_lag_bytes') === 0 &&
          metricValue(text, 'tokenwatch_ingest_queued_spans') === 0
        );
      }, timeoutMs),
  };
}

/** The real `tokenwatch serve` with default settings (raw spans kept whole). */
export const tokenwatch = tokenwatchServe('tokenwatch serve', undefined);

/** `tokenwatch serve` keeping raw LLM-call spans lean (`ingest.raw_llm_spans: lean`). */
export const tokenwatchLean = tokenwatchServe(
  'tokenwatch serve, raw_llm_spans: lean',
  'ingest:\n  raw_llm_spans: lean\n',
);

/** protobufjs decode and one narrow JSONEachRow insert per request (acknowledged after it). */
export const baseline: Contender = {
  name: 'baseline (protobufjs + narrow JSONEachRow insert per request)',
  stores: true,
  layout: 'baseline',
  start: (dataDir, options) =>
    startProcess(
      [...nodeArgs(options.cpuProfileDir), resolve(BENCH_DIR, 'baseline-server.ts'), dataDir],
      resolve(dataDir, '..'),
      /ready (http:\/\/\S+)/,
    ),
  committed: async () => true,
};

/** Decode with the collector's decoder and drop. */
export const floor: Contender = {
  name: 'floor (node:http + decodeProtobufTraces, dropped)',
  stores: false,
  layout: 'baseline',
  start: (dataDir, options) =>
    startProcess(
      [...nodeArgs(options.cpuProfileDir), resolve(BENCH_DIR, 'floor-server.ts')],
      resolve(dataDir, '..'),
      /ready (http:\/\/\S+)/,
    ),
  committed: async () => true,
};

/** Every contender, in the order each run measures them. */
export const CONTENDERS: Record<string, Contender> = {
  floor,
  baseline,
  tokenwatch,
  'tokenwatch-lean': tokenwatchLean,
};
