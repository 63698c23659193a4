import { percent, signedPercent, signedUsd, usd } from './format.ts';
import {
  alertsSummary,
  budgetAmount,
  budgetName,
  budgetsSummary,
  dataSummary,
  duration,
  headlines,
} from './render-sentences.ts';
import type { AttributionLine, WeeklyReport } from './schema.ts';

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
const table = (header: string[], rows: string[][]) =>
  [header, header.map(() => '---'), ...rows]
    .map((r) => `| ${r.map(cell).join(' | ')} |`)
    .join('\n');

function attributionTable(lines: AttributionLine[]): string {
  return table(
    ['', 'spend', 'share', 'previous', 'change', ''],
    lines.map((l) => [
      l.label,
      usd(l.costUsd),
      percent(l.share),
      usd(l.previousCostUsd),
      signedUsd(l.deltaUsd),
      signedPercent(l.deltaRatio),
    ]),
  );
}

/** The report as Markdown, for chat, email bodies and pull requests. */
export function renderMarkdown(report: WeeklyReport): string {
  const t = report.totals;
  const out: string[] = [
    `# Weekly LLM spend: ${report.tenant}, ${report.week.label}`,
    '',
    `${report.week.from} to ${report.week.to} (${report.week.timezone}). Showback: costs from price tables.`,
    '',
    ...report.notes.flatMap((n) => [`> ${n}`, '']),
    `**${usd(t.current.costUsd)}** over ${t.current.calls} calls and ${t.current.tokens} tokens: ` +
      `${signedUsd(t.deltaUsd)} (${signedPercent(t.deltaRatio)}) vs last week (${usd(t.previous.costUsd)}), ` +
      `${signedPercent(t.vsFourWeekAverageRatio)} vs the 4-week average (${usd(t.fourWeekAverage.costUsd)}).`,
    '',
  ];
  for (const c of headlines(report)) out.push(`- ${c}`);
  out.push('', '## Top movers', '');
  out.push(
    table(
      ['', 'by', 'spend', 'change', ''],
      report.topMovers.absolute.map((m) => [
        m.label,
        m.dimension,
        usd(m.costUsd),
        signedUsd(m.deltaUsd),
        signedPercent(m.deltaRatio),
      ]),
    ),
  );
  for (const [dimension, lines] of Object.entries(report.attribution)) {
    out.push('', `## By ${dimension}`, '', attributionTable(lines));
  }
  out.push('', '## Cost per task', '');
  out.push(
    table(
      ['agent', 'tasks', 'successes', 'per task', 'per successful task', 'change'],
      report.tasks.map((a) => [
        a.agent || '(none)',
        String(a.tasks),
        String(a.successes),
        a.costPerTaskUsd === null ? '-' : usd(a.costPerTaskUsd),
        a.costPerSuccessfulTaskUsd === null ? '-' : usd(a.costPerSuccessfulTaskUsd),
        signedPercent(a.costPerSuccessfulTaskDeltaRatio),
      ]),
    ),
  );
  const f = report.failures;
  out.push(
    '',
    '## Failures and retries',
    '',
    `Failed or abandoned tasks cost ${usd(f.failedTaskCostUsd)}, failed calls ${usd(f.failedCallCostUsd)}, ` +
      `${f.retries} retries ${usd(f.retryCostUsd)}.`,
  );
  const c = report.cache;
  out.push(
    '',
    '## Cache',
    '',
    `Hit rate ${percent(c.hitRate)} (last week ${percent(c.previousHitRate)}), savings ${usd(c.savingsUsd)}, ` +
      `wasted writes ${usd(c.wastedWriteCostUsd)}.` +
      (c.agentsBreakingCache.length
        ? ` Agents breaking their cache: ${c.agentsBreakingCache.join(', ')}.`
        : ''),
  );
  if (report.budgets.length) {
    out.push('', '## Budgets', '', budgetsSummary(report), '');
    out.push(
      table(
        ['budget', 'spent', 'limit', 'used', 'forecast'],
        report.budgets.map((b) => [
          budgetName(b),
          budgetAmount(b.unit, b.spent),
          budgetAmount(b.unit, b.limit),
          percent(b.fraction),
          b.projected === null ? '-' : budgetAmount(b.unit, b.projected),
        ]),
      ),
    );
  }
  out.push('', '## Alerts and anomalies', '', alertsSummary(report));
  if (report.alerts.items.length) {
    out.push(
      '',
      table(
        ['started', 'severity', 'alert', 'duration'],
        report.alerts.items.map((a) => [a.startsAt, a.severity, a.summary, duration(a)]),
      ),
    );
  }
  if (report.alerts.budgetThresholds.length) {
    out.push(
      '',
      table(
        ['reached', 'budget', 'threshold', 'spent', 'limit'],
        report.alerts.budgetThresholds.map((b) => [
          b.reachedAt,
          budgetName(b),
          percent(b.threshold),
          budgetAmount(b.unit, b.spent),
          budgetAmount(b.unit, b.limit),
        ]),
      ),
    );
  }
  if (report.providerCoverage?.length) {
    out.push(
      '',
      '## Provider bills',
      '',
      table(
        ['provider', 'billed', 'observed', 'unexplained', 'price drift'],
        report.providerCoverage.map((p) => [
          p.provider,
          usd(p.billedUsd),
          p.observedShare === null ? '-' : percent(p.observedShare),
          usd(p.unexplainedUsd),
          signedUsd(p.priceDriftUsd),
        ]),
      ),
    );
  }
  out.push('', '## Data', '', dataSummary(report), '');
  return out.join('\n');
}
