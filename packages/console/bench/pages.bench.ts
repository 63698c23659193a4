/**
 * Console page render time over 1M LLM calls: each page rendered whole (every read it makes, in
 * process) as `serve` answers it, p50/p95. Target for the overview: under 1 s.
 *
 *   node --conditions=@tokenwatch/source --import tsx packages/console/bench/pages.bench.ts
 *
 * The data set is the query benchmark's (analyzer/bench/query-data.ts: 35 days, tenants, agents,
 * tasks), generated on the first run and kept in the temporary directory. The pages read the
 * `default` tenant, about 80% of the calls.
 *
 * Knobs: BENCH_ROWS (calls, default 1,000,000), BENCH_QUICK=1 (1 warm-up and 3 timed runs),
 * BENCH_RUNS (10), BENCH_MAX_AGE_HOURS (regenerate older data, default 12).
 */
import { tmpdir } from 'node:os';
import { loadConfig } from '@tokenwatch/config';
import { createPricer } from '@tokenwatch/pricing';
import { openBenchData, settleMerges } from '../../../analyzer/bench/query-data.ts';
import { type CaseResult, resultTable, timeCase } from '../../../analyzer/bench/query-timing.ts';
import { createConsoleApp } from '../src/app.ts';
import { PAGES } from '../src/layout.ts';

const TARGET_MS = 1000;
const env = process.env;
const quick = env.BENCH_QUICK === '1';
const log = (line: string) => process.stderr.write(`${line}\n`);

const data = await openBenchData({
  rows: Number(env.BENCH_ROWS ?? 1_000_000),
  maxAgeMs: Number(env.BENCH_MAX_AGE_HOURS ?? 12) * 3_600_000,
  log,
});
const { store, now } = data;
const pending = await settleMerges(store, 180_000);
if (pending > 0) log(`warning: ${pending} background merges still running`);

const config = { ...loadConfig({ cwd: tmpdir(), env: {} }), timezone: 'UTC' };
const settings = { config, pricer: createPricer() };
// The data's own clock: its last minute is "now" for every relative range.
const app = createConsoleApp({ store, settings: () => settings, now: () => now });

const results: CaseResult[] = [];
// The weekly report is left out: it renders a whole week's report (the report benchmark's).
for (const { path, title } of PAGES.filter((p) => p.path !== '/reports')) {
  const result = await timeCase(
    {
      group: 'console',
      name: `${title} (${path})`,
      run: async () => {
        const response = await app.request(path);
        if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
        await response.text();
      },
    },
    {
      warmups: quick ? 1 : 2,
      runs: Number(env.BENCH_RUNS ?? (quick ? 3 : 10)),
      budgetMs: 10_000,
      minRuns: 2,
    },
  );
  results.push(result);
  log(`${title}: p50 ${result.p50.toFixed(0)} ms, p95 ${result.p95.toFixed(0)} ms`);
}
await store.close();

console.log(`\n## Console pages over ${data.rows.toLocaleString('en-US')} LLM calls\n`);
console.log(
  `Each page rendered whole through the console app (every read in process); data ends ${now.toISOString()}.\n`,
);
console.log(resultTable(results, TARGET_MS));
const overview = results.find((r) => r.name.startsWith('Overview'));
if (!overview || overview.error || overview.p95 > TARGET_MS) {
  console.log(`\nThe overview misses its target of ${TARGET_MS} ms.`);
  process.exitCode = 1;
}
