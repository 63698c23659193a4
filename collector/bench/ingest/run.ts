/**
 * @module
 * One measured run of the ingest benchmark: a fresh server on an empty data directory, a warm-up,
 * the load from a separate process, the wait until everything acknowledged is stored, then the
 * server's CPU, memory and (after it exits) what it stored. Hooks let the freshness and isolation
 * measurements work beside the load on the same server.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Acked, type Contender, type ServerProcess, stopProcess } from './contenders.ts';
import type { LoadResult, ProbeAck } from './load.ts';
import { cpuSeconds, memory, sampleRss } from './proc-stats.ts';
import { countStoredRows, type StoredRows } from './stored-rows.ts';

const LOAD_SCRIPT = resolve(import.meta.dirname, 'load.ts');

/** What one run measured. */
export type RunResult = {
  load: LoadResult;
  /** Seconds from the first send until everything acknowledged was stored. */
  committedSeconds: number;
  serverCpuSeconds: number;
  /** CPU seconds of the server over its whole life up to the end of the run. */
  serverLifetimeCpuSeconds: number;
  rssSamples: number[];
  peakRss: number;
  acked: Acked;
  stored: StoredRows | undefined;
};

/** Work beside the measured load, on the same server. */
export type RunHooks = {
  /**
   * Started when the measured load starts; stopped once everything acknowledged is stored and the
   * server's CPU and memory are read.
   */
  during?: (server: ServerProcess, dataDir: string) => { stop(): Promise<void> };
  /** Runs on the server after the load is stored, before it stops. */
  afterCommit?: (server: ServerProcess, dataDir: string) => Promise<void>;
};

/** How a run loads its server. */
export type RunOptions = {
  corpusDir: string;
  seconds: number;
  warmupSeconds: number;
  concurrency: number;
  /** How long the store may take to catch up after the load before the run fails. */
  commitTimeoutMs: number;
  profileDir?: string;
  /** Offered spans per second of the measured load; 0 or absent: as fast as answered. */
  rate?: number;
  /** Marks every Nth request of the measured load (load.ts) and reports its acknowledgement. */
  probeEvery?: number;
  onProbe?: (probe: ProbeAck) => void;
};

type LoaderArgs = {
  seconds: number;
  firstSequence: number;
  rate?: number;
  probeEvery?: number;
  onProbe?: (probe: ProbeAck) => void;
  onStart: () => void;
};

/** Starts the loader, reads the server's CPU once it is ready, lets it go, returns its result. */
function runLoader(url: string, options: RunOptions, args: LoaderArgs): Promise<LoadResult> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...process.execArgv,
      LOAD_SCRIPT,
      url,
      options.corpusDir,
      String(args.seconds),
      String(options.concurrency),
      String(args.firstSequence),
      String(args.rate ?? 0),
      String(args.probeEvery ?? 0),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  let line = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    // Probe acknowledgements arrive as lines while the load runs; everything else is kept for
    // the error message.
    line += text;
    const lines = line.split('\n');
    line = lines.pop()!;
    for (const l of lines) {
      const probe = /^probe (\S+) (\d+) (\d+)$/.exec(l);
      if (probe) {
        args.onProbe?.({ name: probe[1]!, calls: Number(probe[2]), ackedAt: Number(probe[3]) });
        continue;
      }
      err += `${l}\n`;
      if (l === 'ready' && !child.stdin!.writableEnded) {
        args.onStart();
        child.stdin!.end('go\n');
      }
    }
  });
  return new Promise((resolveLoad, reject) => {
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`loader exited with ${code}: ${err}${line}`));
      else resolveLoad(JSON.parse(out) as LoadResult);
    });
  });
}

/** Runs `contender` once on a fresh data directory, with `hooks` beside the measured load. */
export async function runOnce(
  contender: Contender,
  options: RunOptions,
  hooks: RunHooks = {},
): Promise<RunResult> {
  const runDir = mkdtempSync(join(tmpdir(), 'tokenwatch-ingest-'));
  const dataDir = join(runDir, 'data');
  mkdirSync(dataDir);
  let server: ServerProcess | undefined;
  let during: { stop(): Promise<void> } | undefined;
  try {
    server = await contender.start(dataDir, { cpuProfileDir: options.profileDir });
    const { pid, url } = server;
    const acked: Acked = { spans: 0, calls: 0 };
    const commit = async () => {
      if (!(await contender.committed(server!, acked, options.commitTimeoutMs)))
        throw new Error(
          `${contender.name}: not stored ${options.commitTimeoutMs / 1000} s after the load`,
        );
    };

    const warmUp = await runLoader(url, options, {
      seconds: options.warmupSeconds,
      firstSequence: 1,
      onStart: () => {},
    });
    acked.spans += warmUp.spans;
    acked.calls += warmUp.calls;
    await commit();

    let cpuAtStart = 0;
    const sampler = sampleRss(pid, 250);
    const load = await runLoader(url, options, {
      seconds: options.seconds,
      firstSequence: warmUp.nextSequence,
      rate: options.rate,
      probeEvery: options.probeEvery,
      onProbe: options.onProbe,
      onStart: () => {
        cpuAtStart = cpuSeconds(pid);
        during = hooks.during?.(server!, dataDir);
      },
    });
    acked.spans += load.spans;
    acked.calls += load.calls;
    await commit();
    const committedAt = Date.now();
    const serverLifetimeCpuSeconds = cpuSeconds(pid);
    const serverCpuSeconds = serverLifetimeCpuSeconds - cpuAtStart;
    const rssSamples = sampler.stop();
    const peakRss = memory(pid).peak;
    await during?.stop();
    during = undefined;
    if (warmUp.errors.length + load.errors.length > 0)
      throw new Error(`${contender.name}: ${[...warmUp.errors, ...load.errors].join('; ')}`);
    await hooks.afterCommit?.(server, dataDir);

    await stopProcess(server);
    const stored = contender.stores ? await countStoredRows(dataDir, contender.layout) : undefined;
    return {
      load,
      committedSeconds: (committedAt - load.startedAt) / 1000,
      serverCpuSeconds,
      serverLifetimeCpuSeconds,
      rssSamples,
      peakRss,
      acked,
      stored,
    };
  } finally {
    await during?.stop().catch(() => {});
    if (server) await stopProcess(server);
    rmSync(runDir, { recursive: true, force: true });
  }
}

/** Committed spans per second of a run: the load over the time until it was all stored. */
export const committedRate = (r: RunResult): number => r.load.spans / r.committedSeconds;

/** Whether the store held exactly what was acknowledged, or what it held instead. */
export function storedVerdict(r: RunResult): string {
  if (r.stored === undefined) return 'n/a';
  const s = r.stored;
  return (s.spans === undefined || s.spans === r.acked.spans) &&
    s.calls === r.acked.calls &&
    s.callRows === r.acked.calls &&
    (s.rollupCalls === undefined || s.rollupCalls === r.acked.calls)
    ? 'yes'
    : `NO (${s.spans}/${r.acked.spans} spans, ${s.calls}/${r.acked.calls} calls, ` +
        `${s.callRows} rows, rollup ${s.rollupCalls})`;
}
