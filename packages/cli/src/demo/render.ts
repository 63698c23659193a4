/**
 * @module
 * Prints what Tokenwatch found, for a newcomer: plain text tables and one line per finding.
 * Finding lines start with `!` so they stand out (and a test can pick them out).
 */
import { isoWeekAt } from '@tokenwatch/analyzer';
import type { Findings } from './findings.ts';

/** How the demo ran, for the closing hints. */
export type RenderContext = {
  dataDir: string;
  historyMinutes: number;
  liveSeconds: number;
  /** When the live traffic ended: where the anomaly is. */
  at: Date;
};

const usd = (value: string | number | null) =>
  value === null ? '-' : `$${Number(value).toFixed(4)}`;
const pct = (value: number) => `${(value * 100).toFixed(0)}%`;
// Where `serve` listens by default; the demo's own server took a free port and has stopped.
const CONSOLE_URL = 'http://127.0.0.1:4318/';

function table(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')}`;
  return [line(headers), `  ${widths.map((w) => '-'.repeat(w)).join('  ')}`, ...rows.map(line)];
}

/** The report as lines of text. */
export function renderFindings(f: Findings, ctx: RenderContext): string {
  const out: string[] = [];
  out.push(
    '',
    `What Tokenwatch found (${ctx.historyMinutes} min of history + ${ctx.liveSeconds} s live, ${f.totalCalls} calls, ${usd(f.totalCostUsd)})`,
    '',
  );

  const tasks = new Map(f.tasks.map((t) => [t.agent, t]));
  const cache = new Map(f.cache.map((c) => [c.agent, c]));
  out.push('Cost by agent');
  out.push(
    ...table(
      ['agent', 'calls', 'cost', 'tasks', 'success', 'cost/successful task', 'cache hit'],
      f.costs.map((c) => {
        const t = tasks.get(c.agent);
        const h = cache.get(c.agent);
        return [
          c.agent,
          String(c.calls),
          usd(c.costUsd),
          String(t?.tasks ?? 0),
          t && t.tasks > 0 ? pct(t.successes / t.tasks) : '-',
          usd(t?.costPerSuccessfulTaskUsd ?? null),
          h ? pct(h.hitRate) : '-',
        ];
      }),
    ),
    '',
  );

  out.push("Burn-rate anomalies (3x the agent's own normal rate, over the last 2 min and 30 s)");
  if (f.anomalies.length === 0) out.push('  none');
  for (const a of f.anomalies) {
    out.push(
      `  ! runaway ${a.entity.kind}: ${a.entity.value} at ${a.ratio.toFixed(1)}x its normal ${a.metric}/min, on pace for ${usd(a.projectedCostPerHourUsd)}/hour`,
    );
  }
  out.push('');

  out.push('Prompt cache');
  const breakers = f.cache.filter((c) => c.breaksCache);
  if (breakers.length === 0) out.push('  no agent breaks its cache');
  for (const c of breakers) {
    out.push(
      `  ! breaks its cache: ${c.agent} starts a new prompt prefix on ${pct(c.prefixChurn ?? 1)} of its calls (hit rate ${pct(c.hitRate)}); keep timestamps out of the system prompt`,
    );
  }
  out.push('');

  out.push('Budgets');
  for (const b of f.budgets) {
    const reached = b.thresholds.reached.map(pct).join(', ');
    const mark = b.fraction >= 1 ? '!' : ' ';
    const what = b.fraction >= 1 ? 'EXCEEDED' : 'ok';
    out.push(
      `  ${mark} ${b.budgetId}${b.instance ? ` (${b.instance})` : ''}: ${usd(b.spent)} of ${usd(b.limit)} (${pct(b.fraction)}) ${what}${reached ? `, thresholds reached: ${reached}` : ''}`,
    );
  }
  out.push('');

  const cli = `pnpm tokenwatch --data-dir ${ctx.dataDir}`;
  out.push(
    'Where to look next (the demo data stays in its own data dir)',
    `  ${cli} cost --by agent,model --since 3h`,
    `  ${cli} tasks --top 10 --since 3h`,
    `  ${cli} cache --since 3h`,
    `  ${cli} failures --since 3h`,
    `  ${cli} anomalies --at ${ctx.at.toISOString()}`,
    `  ${cli} budgets`,
    // The demo's hours fall in the running week: the default (last complete) week has no data.
    `  ${cli} report weekly --week ${isoWeekAt(ctx.at, 'UTC').label} --format html --out demo-report.html`,
    '',
    "See it in the browser: serve the demo's data, then open the console",
    `  pnpm tokenwatch serve --data-dir ${ctx.dataDir}`,
    `  ${CONSOLE_URL}`,
    '',
  );
  return out.join('\n');
}
