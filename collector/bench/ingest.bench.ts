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
 *
 * Two more measurements of `tokenwatch serve` follow the table, each on fresh servers; both run in
 * a full run and are skipped by BENCH_QUICK=1 unless asked for:
 * - BENCH_FRESHNESS=1: how long after its acknowledgement a span is visible to queries, at half
 *   the committed rate just measured (freshness.ts, which lists its own knobs);
 * - BENCH_ISOLATION=1: the committed rate at maximum ingest with and without a dashboard
 *   refreshing every 10 s beside the alert engine, and how long those queries wait
 *   (isolation.ts, which lists its own knobs).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtobufTraces } from '../src/otlp/decode-protobuf.ts';
import { CONTENDERS, type Contender } from './ingest/contenders.ts';
import { type CorpusBatch, patchBatch, readCorpus, writeCorpus } from './ingest/corpus.ts';
import { summarizeProfiles } from './ingest/cpu-profile.ts';
import { measureFreshness } from './ingest/freshness.ts';
import { measureIsolation } from './ingest/isolation.ts';
import { findMarkerSlot, writeMarker } from './ingest/probe-marker.ts';
import {
  committedRate,
  type RunOptions,
  type RunResult,
  runOnce,
  storedVerdict,
} from './ingest/run.ts';
import { median, mib, thousands } from './ingest/stats.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const RUNS = Number(process.env.BENCH_RUNS ?? (QUICK ? 1 : 3));
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 4 : 10));
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? (QUICK ? 1 : 3));
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const BATCHES = Number(process.env.BENCH_BATCHES ?? 16);
const PROFILE = process.env.BENCH_PROFILE === '1';
// The freshness and isolation measurements run after the table in a full run; a quick run skips
// them unless asked.
const FRESHNESS = (process.env.BENCH_FRESHNESS ?? (QUICK ? '0' : '1')) === '1';
const ISOLATION = (process.env.BENCH_ISOLATION ?? (QUICK ? '0' : '1')) === '1';
const SELECTED = (
  process.env.BENCH_CONTENDERS ?? 'floor,baseline,tokenwatch,tokenwatch-lean'
).split(',');
// How long the store may take to catch up after the load ends before the run counts as failed.
const COMMIT_TIMEOUT_MS = 180_000;

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
  // A probe's marker must land in service.name and nowhere else.
  const name = writeMarker(out, findMarkerSlot(batch.bytes), 0x1234abcd);
  const services = decodeProtobufTraces(out).resourceSpans.map(
    (rs) => rs.resource.attributes['service.name'],
  );
  if (JSON.stringify(services) !== JSON.stringify([name]))
    throw new Error(`the probe marker did not become service.name: ${JSON.stringify(services)}`);
}

function report(name: string, runs: RunResult[]): string {
  const m = (f: (r: RunResult) => number) => median(runs.map(f));
  const committed = m(committedRate);
  const perCpu = m((r) => r.load.spans / r.serverCpuSeconds);
  const steady = m((r) => median(r.rssSamples.slice(r.rssSamples.length >> 1)));
  const loss = runs.map(storedVerdict);
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

    const options: RunOptions = {
      corpusDir,
      seconds: SECONDS,
      warmupSeconds: WARMUP_SECONDS,
      concurrency: CONCURRENCY,
      commitTimeoutMs: COMMIT_TIMEOUT_MS,
    };
    const contenders = SELECTED.map((key) => {
      const contender = CONTENDERS[key.trim()];
      if (!contender) throw new Error(`unknown contender ${key} (floor, baseline, tokenwatch)`);
      return contender;
    });
    const results = new Map<Contender, RunResult[]>(contenders.map((c) => [c, []]));
    const profileDir = PROFILE ? join(work, 'profile') : undefined;
    for (let run = 0; run < RUNS; run++) {
      for (const contender of contenders) {
        const result = await runOnce(contender, options);
        results.get(contender)!.push(result);
        console.log(
          `run ${run + 1}/${RUNS} ${contender.name}: ` +
            `${thousands(committedRate(result))} spans/s committed, ` +
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

    const tokenwatchRuns = results.get(CONTENDERS.tokenwatch!);
    if (FRESHNESS)
      await measureFreshness({
        ...options,
        maxRate: tokenwatchRuns ? median(tokenwatchRuns.map(committedRate)) : undefined,
        quick: QUICK,
      });
    if (ISOLATION) await measureIsolation({ ...options, quick: QUICK });

    if (profileDir) {
      // An extra run, left out of the table: the profiler costs the server CPU time of its own.
      const profiled = await runOnce(CONTENDERS.tokenwatch!, { ...options, profileDir });
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
