/**
 * @module
 * Repeated timing of the benchmark's query cases and the Markdown table of the results.
 */
import type { QueryCase } from './analyzer-cases.ts';

/** How each case is run. */
export type TimingOptions = {
  warmups: number;
  runs: number;
  /** A case stops early (after at least `minRuns`) once its timed runs add up to this. */
  budgetMs: number;
  minRuns: number;
};

/** A warm-up slower than this is enough warming: the query is far above target anyway. */
const SLOW_WARMUP_MS = 1000;

/** Timings of one case, in milliseconds. */
export type CaseResult = {
  group: string;
  name: string;
  runs: number;
  p50: number;
  p95: number;
  max: number;
  /**
   * Median CPU time of the process per run (user + system). The embedded engine runs in this
   * process, so this is the query's own work, which CPU contention inflates far less than latency.
   */
  cpuP50: number;
  error?: string;
};

/** Nearest-rank percentile of sorted samples. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Runs one case: warm-ups, then timed runs until `runs` or the time budget is spent. */
export async function timeCase(c: QueryCase, o: TimingOptions): Promise<CaseResult> {
  try {
    let minRuns = o.minRuns;
    for (let i = 0; i < o.warmups; i++) {
      const t0 = performance.now();
      await c.run();
      const ms = performance.now() - t0;
      // A query that alone spends several budgets is timed once: it is far above target.
      if (ms > o.budgetMs * 5) minRuns = 1;
      if (ms > SLOW_WARMUP_MS) break;
    }
    const samples: number[] = [];
    const cpu: number[] = [];
    let spent = 0;
    while (samples.length < o.runs && (samples.length < minRuns || spent < o.budgetMs)) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await c.run();
      const ms = performance.now() - t0;
      const used = process.cpuUsage(c0);
      samples.push(ms);
      cpu.push((used.user + used.system) / 1000);
      spent += ms;
    }
    samples.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    return {
      group: c.group,
      name: c.name,
      runs: samples.length,
      p50: percentile(samples, 50),
      p95: percentile(samples, 95),
      max: samples.at(-1)!,
      cpuP50: percentile(cpu, 50),
    };
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    return {
      group: c.group,
      name: c.name,
      runs: 0,
      p50: 0,
      p95: 0,
      max: 0,
      cpuP50: 0,
      error: message,
    };
  }
}

const ms = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`);

/** The results as a Markdown table, slowest p95 first, with the target column. */
export function resultTable(results: readonly CaseResult[], targetMs: number): string {
  const rows = [...results].sort((a, b) => b.p95 - a.p95);
  const lines = [
    '| query | group | runs | p50 | p95 | CPU p50 | within target |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const verdict = r.error ? `error: ${r.error}` : r.p95 <= targetMs ? 'yes' : '**no**';
    lines.push(
      `| ${r.name} | ${r.group} | ${r.runs} | ${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.cpuP50)} | ${verdict} |`,
    );
  }
  return lines.join('\n');
}
