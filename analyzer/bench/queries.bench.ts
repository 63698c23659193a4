/**
 * Query latency over 10M LLM calls: every analyzer query (through the analyzer's functions) and
 * every dashboard panel (expanded as Grafana sends it), p50/p95 per query. Target: p95 ≤ 200 ms.
 *
 *   node --conditions=@tokenwatch/source --import tsx analyzer/bench/queries.bench.ts
 *
 * The data set is generated inside the embedded engine on the first run (a few minutes for 10M
 * calls) and kept in the temporary directory for later runs (see query-data.ts).
 *
 * Knobs: BENCH_ROWS (calls, default 10,000,000), BENCH_QUICK=1 (1 warm-up and 3 timed runs),
 * BENCH_WARMUPS (2; one when it takes over a second), BENCH_RUNS (10), BENCH_CASE_BUDGET_MS (a
 * slow query stops after 2 timed runs once its runs add up to this, default 2000: its p95 is then
 * the slower run), BENCH_RANGES (24h,7d; add 30d for month-long reads, which take minutes; dashboards use 24h and 7d), BENCH_FILTER (regex on
 * "group name"), BENCH_MAX_AGE_HOURS (regenerate older data, default 12).
 */
import { loadavg } from 'node:os';
import { analyzerCases } from './analyzer-cases.ts';
import { panelCases } from './panel-cases.ts';
import { openBenchData, recentTraceId, settleMerges, tableParts } from './query-data.ts';
import { type CaseResult, resultTable, timeCase } from './query-timing.ts';

const TARGET_MS = 200;
const env = process.env;
const quick = env.BENCH_QUICK === '1';
const rows = Number(env.BENCH_ROWS ?? 10_000_000);
const options = {
  warmups: Number(env.BENCH_WARMUPS ?? (quick ? 1 : 2)),
  runs: Number(env.BENCH_RUNS ?? (quick ? 3 : 10)),
  budgetMs: Number(env.BENCH_CASE_BUDGET_MS ?? 2000),
  minRuns: 2,
};
const ranges = (env.BENCH_RANGES ?? '24h,7d').split(',').map((r) => r.trim());
const filter = env.BENCH_FILTER ? new RegExp(env.BENCH_FILTER, 'i') : undefined;
const log = (line: string) => process.stderr.write(`${line}\n`);

const started = performance.now();
const data = await openBenchData({
  rows,
  maxAgeMs: Number(env.BENCH_MAX_AGE_HOURS ?? 12) * 3_600_000,
  log,
});
const { store, now } = data;
const pending = await settleMerges(store, 180_000);
if (pending > 0) log(`warning: ${pending} background merges still running`);

const cases = [
  ...analyzerCases(store, now),
  ...(await panelCases(store, now, { trace_id: await recentTraceId(store, now) })),
]
  .filter((c) => ranges.some((r) => c.name.endsWith(` ${r}`)) || !/ (24h|7d|30d)$/.test(c.name))
  .filter((c) => !filter || filter.test(`${c.group} ${c.name}`));

const loadBefore = loadavg()[0]!;
const results: CaseResult[] = [];
for (const [i, c] of cases.entries()) {
  const r = await timeCase(c, options);
  results.push(r);
  log(
    `[${i + 1}/${cases.length}] ${c.group} / ${c.name}: ` +
      (r.error ? `ERROR ${r.error}` : `p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms`),
  );
}
const loadAfter = loadavg()[0]!;

const parts = await tableParts(store);
await store.close();
const over = results.filter((r) => r.error || r.p95 > TARGET_MS);
console.log(`\n## Query latency over ${data.rows.toLocaleString('en-US')} LLM calls\n`);
console.log(
  `Data: ${parts.map((p) => `${p.table} ${p.rows.toLocaleString('en-US')} rows in ${p.parts} parts`).join(', ')}; ` +
    `data ends ${now.toISOString()}` +
    (data.generatedSeconds === null
      ? ' (cached).'
      : `, generated in ${data.generatedSeconds.toFixed(0)} s.`),
);
console.log(
  `Runs: ${options.warmups} warm-up + up to ${options.runs} timed per query ` +
    `(at least ${options.minRuns}, fewer once a query has used ${options.budgetMs} ms); CPU is ` +
    'the process CPU time per run (the embedded engine runs in process); ' +
    `load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after.\n`,
);
console.log(resultTable(results, TARGET_MS));
console.log(
  `\n${over.length} of ${results.length} queries above the ${TARGET_MS} ms p95 target; ` +
    `total ${((performance.now() - started) / 1000).toFixed(0)} s.`,
);
