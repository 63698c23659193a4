/**
 * @module
 * Isolation on the embedded engine (issue 16's target: with the default alert rules running and a
 * dashboard refreshing every 10 s during maximum ingest, the committed rate drops by at most 20%
 * and no query waits more than 1 s behind an insert).
 *
 * Three kinds of run of `tokenwatch serve` at maximum ingest, interleaved (each run of the three
 * starts with the next kind), each on a fresh server and measured like the table's (committed
 * spans/s until everything acknowledged is stored; the median of the runs is reported):
 *
 * - alerting off (`alerts.rules: []`): ingest alone;
 * - the default alert engine (serve's default: built-in rules every `evaluate_every`, 30 s);
 * - the default alert engine and the overview dashboard refreshing every 10 s: its variable and
 *   panel queries through the admin SQL API (dashboard-refresh.ts), one after another, from the
 *   start of the load until everything is stored. After that the same refresh runs a few times on
 *   the idle server over the same data, so each query's time under load can be set against its
 *   own idle time: the difference is what it waited behind the writer's inserts.
 *
 * The load must last longer than the alert engine's interval for an evaluation to fall inside
 * the window (it evaluates at start-up, then every 30 s).
 *
 * Knobs: BENCH_ISOLATION_RUNS (3; 1 with BENCH_QUICK=1), BENCH_ISOLATION_SECONDS (40; 12 quick),
 * BENCH_ISOLATION_REFRESH_SECONDS (10), BENCH_ISOLATION_IDLE_REFRESHES (3),
 * BENCH_ISOLATION_DASHBOARD (tokenwatch-overview).
 */
import { adminSqlClient } from './admin-sql.ts';
import { CONTENDERS, type Contender, tokenwatchServe } from './contenders.ts';
import { refreshDashboard, type TimedQuery } from './dashboard-refresh.ts';
import { committedRate, type RunHooks, type RunOptions, runOnce, storedVerdict } from './run.ts';
import { latencyCell, median, thousands } from './stats.ts';

/** Options of {@link measureIsolation}: the table's run options. */
export type IsolationOptions = RunOptions & { quick: boolean };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Refreshes the dashboard on a timer until stopped; a late refresh starts the next at once. */
function startRefresher(dataDir: string, uid: string, everyMs: number, into: TimedQuery[][]) {
  const sql = adminSqlClient(dataDir);
  let stopping = false;
  let failure: unknown;
  const loop = (async () => {
    const start = Date.now();
    for (let k = 0; !stopping; k++) {
      while (!stopping && Date.now() < start + k * everyMs) await sleep(50);
      if (stopping) break;
      try {
        into.push(await refreshDashboard(sql, uid));
      } catch (err) {
        // Kept for stop(): a failed query must fail the measurement, not the process.
        failure = err;
        break;
      }
    }
  })();
  return {
    async stop(): Promise<void> {
      stopping = true;
      await loop;
      if (failure !== undefined) throw failure;
    },
  };
}

type Variant = { label: string; contender: Contender; dashboard: boolean };

/** Runs the isolation measurement and prints its tables. */
export async function measureIsolation(options: IsolationOptions): Promise<void> {
  const runs = Number(process.env.BENCH_ISOLATION_RUNS ?? (options.quick ? 1 : 3));
  const seconds = Number(process.env.BENCH_ISOLATION_SECONDS ?? (options.quick ? 12 : 40));
  const everyMs = 1000 * Number(process.env.BENCH_ISOLATION_REFRESH_SECONDS ?? 10);
  const idleRefreshes = Number(process.env.BENCH_ISOLATION_IDLE_REFRESHES ?? 3);
  const uid = process.env.BENCH_ISOLATION_DASHBOARD ?? 'tokenwatch-overview';

  const variants: Variant[] = [
    {
      label: 'ingest, alerting off',
      contender: tokenwatchServe('tokenwatch serve, alerts off', 'alerts:\n  rules: []\n'),
      dashboard: false,
    },
    { label: 'ingest + default alert engine', contender: CONTENDERS.tokenwatch!, dashboard: false },
    {
      label: `ingest + default alert engine + dashboard every ${everyMs / 1000} s`,
      contender: CONTENDERS.tokenwatch!,
      dashboard: true,
    },
  ];
  const rates = new Map<Variant, number[]>(variants.map((v) => [v, []]));
  const verdicts = new Map<Variant, string[]>(variants.map((v) => [v, []]));
  const loaded: TimedQuery[][] = [];
  const idle: TimedQuery[][] = [];

  for (let run = 0; run < runs; run++) {
    // Each run starts with another variant, so none always pays for going first on a machine
    // that has just been busy.
    const order = variants.map((_, i) => variants[(i + run) % variants.length]!);
    for (const variant of order) {
      const hooks: RunHooks = variant.dashboard
        ? {
            during: (_server, dataDir) => startRefresher(dataDir, uid, everyMs, loaded),
            afterCommit: async (_server, dataDir) => {
              const sql = adminSqlClient(dataDir);
              for (let i = 0; i < idleRefreshes; i++) {
                await sleep(1000);
                idle.push(await refreshDashboard(sql, uid));
              }
            },
          }
        : {};
      const result = await runOnce(variant.contender, { ...options, seconds }, hooks);
      rates.get(variant)!.push(committedRate(result));
      verdicts.get(variant)!.push(storedVerdict(result));
      console.log(
        `isolation run ${run + 1}/${runs} ${variant.label}: ` +
          `${thousands(committedRate(result))} spans/s committed`,
      );
    }
  }

  const [off, engine, dashboard] = variants.map((v) => median(rates.get(v)!)) as [
    number,
    number,
    number,
  ];
  const change = (rate: number, base: number) =>
    `${rate >= base ? '+' : ''}${(((rate - base) / base) * 100).toFixed(1)}%`;
  console.log('');
  console.log(
    `Isolation: maximum ingest for ${seconds} s per run (${options.concurrency} requests in ` +
      `flight), ${runs} interleaved run(s) of each; dashboard ${uid}, refreshed every ` +
      `${everyMs / 1000} s while the load ran and until it was stored.`,
  );
  console.log('');
  console.log(
    '| run | committed spans/s | vs alerting off | vs alert engine only | stored = sent |',
  );
  console.log('| --- | --- | --- | --- | --- |');
  for (const [variant, rate] of [
    [variants[0]!, off],
    [variants[1]!, engine],
    [variants[2]!, dashboard],
  ] as const)
    console.log(
      `| ${variant.label} | ${thousands(rate)} | ${change(rate, off)} | ` +
        `${variant === variants[0] ? 'n/a' : change(rate, engine)} | ` +
        `${[...new Set(verdicts.get(variant))].join(', ')} |`,
    );

  // What a query waited: its time under load less the median of the same query when idle.
  const idleMedian = new Map<string, number>();
  for (const name of new Set(idle.flat().map((q) => q.name)))
    idleMedian.set(name, median(idle.flat().flatMap((q) => (q.name === name ? [q.ms] : []))));
  const waits = loaded.flat().map((q) => q.ms - (idleMedian.get(q.name) ?? 0));
  const slowest = loaded
    .flat()
    .reduce<TimedQuery | undefined>((a, q) => (a === undefined || q.ms > a.ms ? q : a), undefined);
  const row = (label: string, refreshes: TimedQuery[][], extra: string) => {
    const ms = refreshes.flat().map((q) => q.ms);
    const perRefresh = refreshes.map((r) => r.reduce((n, q) => n + q.ms, 0));
    return (
      `| ${label} | ${refreshes.length} | ${ms.length} | ${latencyCell(ms)} | ` +
      `${ms.filter((t) => t > 1000).length} | ${Math.round(median(perRefresh))} | ${extra} |`
    );
  };
  console.log('');
  console.log(
    '| dashboard queries | refreshes | queries | wall p50 / p95 / p99 / max ms | over 1 s | ms per refresh (median) | wait over the idle median, p50 / p95 / p99 / max ms |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  console.log(row('during maximum ingest', loaded, latencyCell(waits)));
  console.log(row('idle server, same data', idle, 'n/a'));
  if (slowest)
    console.log(
      `\nSlowest query during ingest: "${slowest.name}", ${Math.round(slowest.ms)} ms ` +
        `(idle median ${Math.round(idleMedian.get(slowest.name) ?? Number.NaN)} ms).`,
    );
}
