/**
 * @module
 * Freshness of `tokenwatch serve` (issue 16's target: at half of maximum throughput, an
 * acknowledged span is visible to queries within 2 s, p99).
 *
 * A fresh server takes an open-loop load at a fixed rate: half the committed rate the table's
 * `tokenwatch serve` runs just measured, or BENCH_FRESHNESS_RATE spans/s. Every Nth request is a
 * probe: its `service.name` is unique (probe-marker.ts), and the loader reports the moment its 200
 * arrives. Beside the load one poller asks the running server, through the admin SQL API, which
 * pending probes' calls it sees, in `llm_calls` (what the analyzer's reads use) and in the rollup
 * `llm_usage_1m` (the dashboards and budget periods): one small query for all pending probes, at
 * most one in flight, then a pause, so the probe costs the engine a few milliseconds per poll
 * interval. A probe is visible in a table when the table holds all of its request's calls; its
 * latency is the time from the acknowledgement to the answer of the poll that first saw that,
 * so it is an upper bound, coarse by the poll interval plus one poll.
 *
 * Knobs: BENCH_FRESHNESS_RATE (spans/s offered; default half the measured committed rate, with a
 * run of its own first if the table had no tokenwatch run), BENCH_FRESHNESS_SECONDS (120; 15 with
 * BENCH_QUICK=1), BENCH_FRESHNESS_PROBES (about 300 probes: every Nth request is one),
 * BENCH_FRESHNESS_POLL_MS (100, the pause between polls).
 */

import { type AdminSql, adminSqlClient } from './admin-sql.ts';
import { CONTENDERS } from './contenders.ts';
import type { ProbeAck } from './load.ts';
import { committedRate, type RunOptions, runOnce, storedVerdict } from './run.ts';
import { latencyCell, median, percentile, thousands } from './stats.ts';

/** Options of {@link measureFreshness}: the table's run options plus the rate to halve. */
export type FreshnessOptions = RunOptions & {
  /** Median committed spans/s of the table's `tokenwatch serve` runs, if it had any. */
  maxRate: number | undefined;
  quick: boolean;
};

type Probe = ProbeAck & { callsAt?: number; rollupAt?: number };

const SPANS_PER_REQUEST = 512;
// Probes still unseen this long after the store caught up count as never seen.
const SETTLE_TIMEOUT_MS = 30_000;
// One poll asks for the oldest pending probes only, so the statement stays small.
const POLL_BATCH = 100;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The statement of one poll: calls stored per marked service, in both tables. */
function pollQuery(names: string[]): string {
  // Markers are `probe` and hex digits (probe-marker.ts): safe to inline as literals.
  const list = names.map((n) => `'${n}'`).join(', ');
  return [
    `SELECT 'calls', service, toString(count()) FROM llm_calls`,
    `WHERE start_time >= now64() - INTERVAL 1 HOUR AND service IN (${list}) GROUP BY service`,
    'UNION ALL',
    `SELECT 'rollup', service, toString(sum(calls)) FROM llm_usage_1m`,
    `WHERE minute >= now() - INTERVAL 1 HOUR AND service IN (${list}) GROUP BY service`,
  ].join('\n');
}

/** Polls the server until stopped; marks each probe when each table holds all its calls. */
function startPoller(sql: AdminSql, probes: Map<string, Probe>, pollMs: number) {
  const pollMsTaken: number[] = [];
  let stopping = false;
  let failure: unknown;
  const pending = () =>
    [...probes.values()].filter((p) => p.callsAt === undefined || p.rollupAt === undefined);
  const loop = (async () => {
    while (!stopping && failure === undefined) {
      const waiting = pending().slice(0, POLL_BATCH);
      if (waiting.length === 0) {
        await sleep(20);
        continue;
      }
      const sent = Date.now();
      let rows: (string | null)[][];
      try {
        rows = await sql(pollQuery(waiting.map((p) => p.name)));
      } catch (err) {
        // Kept for stop(): a failed poll must fail the measurement, not the process.
        failure = err;
        break;
      }
      const answered = Date.now();
      pollMsTaken.push(answered - sent);
      for (const [table, name, n] of rows) {
        const probe = probes.get(name!);
        if (!probe || Number(n) < probe.calls) continue;
        if (table === 'calls') probe.callsAt ??= answered;
        else probe.rollupAt ??= answered;
      }
      await sleep(pollMs);
    }
  })();
  return {
    pollMsTaken,
    /** Waits until every probe is seen (or the timeout), then stops polling. */
    async stop(): Promise<void> {
      const deadline = Date.now() + SETTLE_TIMEOUT_MS;
      while (pending().length > 0 && Date.now() < deadline && failure === undefined)
        await sleep(50);
      stopping = true;
      await loop;
      if (failure !== undefined) throw failure;
    },
  };
}

/** Runs the freshness measurement and prints its table. */
export async function measureFreshness(options: FreshnessOptions): Promise<void> {
  const seconds = Number(process.env.BENCH_FRESHNESS_SECONDS ?? (options.quick ? 15 : 120));
  const wantedProbes = Number(process.env.BENCH_FRESHNESS_PROBES ?? 300);
  const pollMs = Number(process.env.BENCH_FRESHNESS_POLL_MS ?? 100);
  const tokenwatch = CONTENDERS.tokenwatch!;

  let rate = Number(process.env.BENCH_FRESHNESS_RATE ?? Number.NaN);
  let source = 'BENCH_FRESHNESS_RATE';
  if (Number.isNaN(rate)) {
    // Without a tokenwatch run in the table, the maximum is measured first, the way it does.
    const maxRate = options.maxRate ?? committedRate(await runOnce(tokenwatch, options));
    rate = maxRate / 2;
    source = `half of ${thousands(maxRate)} committed at maximum ingest`;
  }
  const requests = (rate * seconds) / SPANS_PER_REQUEST;
  const every = Math.max(1, Math.round(requests / wantedProbes));

  const probes = new Map<string, Probe>();
  let poller: ReturnType<typeof startPoller> | undefined;
  const run = await runOnce(
    tokenwatch,
    {
      ...options,
      seconds,
      rate,
      probeEvery: every,
      onProbe: (probe) => probes.set(probe.name, { ...probe }),
    },
    {
      during: (_server, dataDir) => {
        poller = startPoller(adminSqlClient(dataDir), probes, pollMs);
        return poller;
      },
    },
  );

  const all = [...probes.values()];
  const seen = (at: (p: Probe) => number | undefined) =>
    all.flatMap((p) => (at(p) === undefined ? [] : [at(p)! - p.ackedAt]));
  const unseen = (at: (p: Probe) => number | undefined) =>
    all.filter((p) => at(p) === undefined).length;
  const both = (p: Probe) =>
    p.callsAt === undefined || p.rollupAt === undefined
      ? undefined
      : Math.max(p.callsAt, p.rollupAt);
  const polls = [...(poller?.pollMsTaken ?? [])].sort((a, b) => a - b);
  const acked = run.load.spans / ((run.load.endedAt - run.load.startedAt) / 1000);

  console.log('');
  console.log(
    `Freshness: ${thousands(rate)} spans/s offered (${source}), ${thousands(acked)} acknowledged per second over ${seconds} s, ack p50 / p99 ` +
      `${Math.round(run.load.latencyMs.p50)} / ${Math.round(run.load.latencyMs.p99)} ms; ` +
      `${all.length} probes (${every === 1 ? 'every request' : `one request in ${every}`}); a poll every ${pollMs} ms plus its own ` +
      `time (p50 ${Math.round(median(polls))} ms, p99 ${Math.round(percentile(polls, 99))} ms, ` +
      `${polls.length} polls); stored = sent: ${storedVerdict(run)}`,
  );
  console.log('');
  console.log(
    '| visible to queries in | probes seen | acknowledgement to visible, p50 / p95 / p99 / max ms | never seen |',
  );
  console.log('| --- | --- | --- | --- |');
  const rows: [string, (p: Probe) => number | undefined][] = [
    ['`llm_calls` (the analyzer reads)', (p) => p.callsAt],
    ['`llm_usage_1m` (the rollup)', (p) => p.rollupAt],
    ['both', both],
  ];
  for (const [label, at] of rows)
    console.log(`| ${label} | ${seen(at).length} | ${latencyCell(seen(at))} | ${unseen(at)} |`);
}
