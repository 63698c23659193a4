/**
 * End-to-end ingest throughput: OTLP/HTTP protobuf batches of 512 realistic GenAI spans from a
 * separate load process into three servers, each its own process, one after the other:
 *
 * - `tokenwatch serve` as shipped (embedded store, default settings: the alert engine runs);
 * - a straightforward baseline (protobufjs decode, one JSONEachRow insert per request into a
 *   narrow calls table: no raw spans, no rollup);
 * - a floor (node:http and the collector's decoder, spans dropped).
 *
 *   pnpm bench:ingest
 *
 * Each run starts a fresh server on an empty data directory, warms it up, then the loader keeps
 * BENCH_CONCURRENCY requests in flight for BENCH_SECONDS. The clock stops when everything
 * acknowledged is stored (Tokenwatch acknowledges once spooled and inserts behind; the baseline
 * inserts before answering). CPU time is the server's user + system time from /proc over that
 * window, all threads (the embedded ClickHouse engine included); the loader's is reported apart.
 * After each run the server is stopped and the store is opened to count what it holds.
 *
 * Environment: BENCH_RUNS (3), BENCH_SECONDS (10), BENCH_WARMUP_SECONDS (3), BENCH_CONCURRENCY
 * (4), BENCH_BATCHES (16 distinct batches), BENCH_CONTENDERS (floor,baseline,tokenwatch,
 * tokenwatch-lean),
 * BENCH_PROFILE=1 (one more tokenwatch run, outside the table, under `node --cpu-prof`: prints
 * its hottest functions), BENCH_QUICK=1 (one short run: a smoke test, not a measurement).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { decodeProtobufTraces } from '../src/otlp/decode-protobuf.ts';
import {
  type Acked,
  CONTENDERS,
  type Contender,
  type ServerProcess,
  stopProcess,
} from './ingest/contenders.ts';
import { type CorpusBatch, patchBatch, readCorpus, writeCorpus } from './ingest/corpus.ts';
import { summarizeProfiles } from './ingest/cpu-profile.ts';
import type { LoadResult } from './ingest/load.ts';
import { cpuSeconds, memory, sampleRss } from './ingest/proc-stats.ts';
import { countStoredRows, type StoredRows } from './ingest/stored-rows.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const RUNS = Number(process.env.BENCH_RUNS ?? (QUICK ? 1 : 3));
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 4 : 10));
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? (QUICK ? 1 : 3));
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const BATCHES = Number(process.env.BENCH_BATCHES ?? 16);
const PROFILE = process.env.BENCH_PROFILE === '1';
const SELECTED = (
  process.env.BENCH_CONTENDERS ?? 'floor,baseline,tokenwatch,tokenwatch-lean'
).split(',');
// How long the store may take to catch up after the load ends before the run counts as failed.
const COMMIT_TIMEOUT_MS = 180_000;
const LOAD_SCRIPT = resolve(import.meta.dirname, 'ingest/load.ts');

type RunResult = {
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

/** Starts the loader, reads the server's CPU once it is ready, lets it go, returns its result. */
function runLoader(
  url: string,
  corpusDir: string,
  seconds: number,
  firstSequence: number,
  onStart: () => void,
): Promise<LoadResult> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...process.execArgv,
      LOAD_SCRIPT,
      url,
      corpusDir,
      String(seconds),
      String(CONCURRENCY),
      String(firstSequence),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    if (err.includes('ready\n') && !child.stdin!.writableEnded) {
      onStart();
      child.stdin!.end('go\n');
    }
  });
  return new Promise((resolveLoad, reject) => {
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`loader exited with ${code}: ${err}`));
      else resolveLoad(JSON.parse(out) as LoadResult);
    });
  });
}

async function runOnce(
  contender: Contender,
  corpusDir: string,
  profileDir: string | undefined,
): Promise<RunResult> {
  const runDir = mkdtempSync(join(tmpdir(), 'tokenwatch-ingest-'));
  const dataDir = join(runDir, 'data');
  mkdirSync(dataDir);
  let server: ServerProcess | undefined;
  try {
    server = await contender.start(dataDir, { cpuProfileDir: profileDir });
    const { pid, url } = server;
    const acked: Acked = { spans: 0, calls: 0 };
    const commit = async () => {
      if (!(await contender.committed(server!, acked, COMMIT_TIMEOUT_MS)))
        throw new Error(
          `${contender.name}: not stored ${COMMIT_TIMEOUT_MS / 1000} s after the load`,
        );
    };

    const warmUp = await runLoader(url, corpusDir, WARMUP_SECONDS, 1, () => {});
    acked.spans += warmUp.spans;
    acked.calls += warmUp.calls;
    await commit();

    let cpuAtStart = 0;
    const sampler = sampleRss(pid, 250);
    const load = await runLoader(url, corpusDir, SECONDS, warmUp.nextSequence, () => {
      cpuAtStart = cpuSeconds(pid);
    });
    acked.spans += load.spans;
    acked.calls += load.calls;
    await commit();
    const committedAt = Date.now();
    const serverLifetimeCpuSeconds = cpuSeconds(pid);
    const serverCpuSeconds = serverLifetimeCpuSeconds - cpuAtStart;
    const rssSamples = sampler.stop();
    const peakRss = memory(pid).peak;
    if (warmUp.errors.length + load.errors.length > 0)
      throw new Error(`${contender.name}: ${[...warmUp.errors, ...load.errors].join('; ')}`);

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
    if (server) await stopProcess(server);
    rmSync(runDir, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const thousands = (n: number) => Math.round(n).toLocaleString('en-US');
const mib = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;

/** The corpus must decode, and a patched batch must carry fresh, unique ids. */
function checkCorpus(corpus: CorpusBatch[]): void {
  const batch = corpus[0]!;
  const out = Buffer.alloc(batch.bytes.length);
  const ids = new Set<string>();
  for (const sequence of [1, 2]) {
    patchBatch(batch, out, sequence, BigInt(Date.now()) * 1_000_000n);
    const spans = decodeProtobufTraces(out).resourceSpans.flatMap((rs) =>
      rs.scopeSpans.flatMap((ss) => ss.spans),
    );
    for (const span of spans) ids.add(span.spanId);
    if (!spans.every((s) => s.parentSpanId === '' || ids.has(s.parentSpanId)))
      throw new Error('a patched batch lost its parent links');
  }
  if (ids.size !== 2 * batch.spans) throw new Error('patched batches repeat span ids');
}

function report(name: string, runs: RunResult[]): string {
  const m = (f: (r: RunResult) => number) => median(runs.map(f));
  const committed = m((r) => r.load.spans / r.committedSeconds);
  const perCpu = m((r) => r.load.spans / r.serverCpuSeconds);
  const steady = m((r) => median(r.rssSamples.slice(r.rssSamples.length >> 1)));
  const loss = runs.map((r) =>
    r.stored === undefined
      ? 'n/a'
      : (r.stored.spans === undefined || r.stored.spans === r.acked.spans) &&
          r.stored.calls === r.acked.calls &&
          r.stored.callRows === r.acked.calls &&
          (r.stored.rollupCalls === undefined || r.stored.rollupCalls === r.acked.calls)
        ? 'yes'
        : `NO (${r.stored.spans}/${r.acked.spans} spans, ${r.stored.calls}/${r.acked.calls} calls, ` +
          `${r.stored.callRows} rows, rollup ${r.stored.rollupCalls})`,
  );
  return [
    name,
    thousands(committed),
    thousands(m((r) => r.load.spans / ((r.load.endedAt - r.load.startedAt) / 1000))),
    m((r) => (r.serverCpuSeconds / r.load.spans) * 1000).toFixed(4),
    thousands(perCpu),
    m((r) => (r.load.cpuSeconds / r.load.spans) * 1000).toFixed(4),
    mib(steady),
    mib(m((r) => r.peakRss)),
    `${m((r) => r.load.latencyMs.p50).toFixed(0)} / ${m((r) => r.load.latencyMs.p99).toFixed(0)}`,
    String(m((r) => r.load.throttled)),
    [...new Set(loss)].join(', '),
  ].join(' | ');
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'tokenwatch-ingest-corpus-'));
  try {
    const corpusDir = join(work, 'corpus');
    writeCorpus(corpusDir, BATCHES);
    const corpus = readCorpus(corpusDir);
    checkCorpus(corpus);
    const bytes = corpus.reduce((n, b) => n + b.bytes.length, 0);
    const spans = corpus.reduce((n, b) => n + b.spans, 0);
    const calls = corpus.reduce((n, b) => n + b.calls, 0);

    console.log(
      `Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ` +
        `load average at start ${loadavg()[0]!.toFixed(2)}`,
    );
    console.log(
      `${BATCHES} distinct batches x ${corpus[0]!.spans} spans, ${Math.round(bytes / spans)} B per ` +
        `span in protobuf, ${((calls / spans) * 100).toFixed(1)}% LLM calls; ${RUNS} run(s) x ` +
        `${SECONDS} s after ${WARMUP_SECONDS} s of warm-up, ${CONCURRENCY} requests in flight`,
    );

    const contenders = SELECTED.map((key) => {
      const contender = CONTENDERS[key.trim()];
      if (!contender) throw new Error(`unknown contender ${key} (floor, baseline, tokenwatch)`);
      return contender;
    });
    const results = new Map<Contender, RunResult[]>(contenders.map((c) => [c, []]));
    const profileDir = PROFILE ? join(work, 'profile') : undefined;
    for (let run = 0; run < RUNS; run++) {
      for (const contender of contenders) {
        const result = await runOnce(contender, corpusDir, undefined);
        results.get(contender)!.push(result);
        console.log(
          `run ${run + 1}/${RUNS} ${contender.name}: ` +
            `${thousands(result.load.spans / result.committedSeconds)} spans/s committed, ` +
            `${thousands(result.load.spans / result.serverCpuSeconds)} spans per server CPU-s, ` +
            `${result.load.throttled} throttled`,
        );
      }
    }

    console.log('');
    console.log(
      '| contender | committed spans/s | acked spans/s | server CPU-s per 1k spans | spans per server CPU-s | loader CPU-s per 1k spans | steady RSS | peak RSS | ack p50 / p99 ms | 429/503 | stored = sent |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const [contender, runs] of results) console.log(`| ${report(contender.name, runs)} |`);

    if (profileDir) {
      // An extra run, left out of the table: the profiler costs the server CPU time of its own.
      const profiled = await runOnce(CONTENDERS.tokenwatch!, corpusDir, profileDir);
      const lifetimeCpu = profiled.serverLifetimeCpuSeconds;
      const profile = summarizeProfiles(profileDir);
      console.log(
        `\nProfile of an extra tokenwatch run (whole process life): JavaScript thread busy ` +
          `${(profile.busyMs / 1000).toFixed(1)} s, idle ${(profile.idleMs / 1000).toFixed(1)} s; ` +
          `process CPU ${lifetimeCpu.toFixed(1)} s (the rest ran on the engine's threads, GC ` +
          'helpers and in the kernel). Hottest JavaScript functions by self time:\n',
      );
      console.log('| function | where | self ms | share of JS busy time |');
      console.log('| --- | --- | --- | --- |');
      for (const f of profile.top)
        console.log(
          `| ${f.fn} | ${f.where} | ${f.selfMs.toFixed(0)} | ${(f.share * 100).toFixed(1)}% |`,
        );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
