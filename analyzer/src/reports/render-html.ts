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
import { cacheTrendChart, dailyByTeamChart, escapeXml, topAgentsChart } from './svg-charts.ts';

// Mail clients drop <style> in places and never run scripts or fetch assets, so the file is one
// document with inline CSS and inline SVG only.
const CSS = `body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#111;max-width:1100px;margin:24px auto;padding:0 16px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:13px}td,th{padding:4px 10px;border-bottom:1px solid #eee;text-align:right}
td:first-child,th:first-child{text-align:left}.up{color:#b91c1c}.down{color:#15803d}.big{font-size:28px;font-weight:600}
.charts{display:flex;flex-wrap:wrap;gap:16px}.note{background:#fef9c3;padding:8px 12px}figure.chart{margin:0}figcaption{font-size:13px;font-weight:600;margin:0 0 4px}`;

const e = escapeXml;
// Sentences shared with the Markdown renderer mark commands with backticks.
const prose = (text: string) => e(text).replace(/`([^`]+)`/g, '<code>$1</code>');
const trend = (delta: string) => (delta.startsWith('-') ? 'down' : delta === '0' ? '' : 'up');

function table(header: string[], rows: string[][]): string {
  return `<table><tr>${header.map((h) => `<th>${e(h)}</th>`).join('')}</tr>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</table>`;
}

function attribution(lines: AttributionLine[]): string {
  return table(
    ['', 'spend', 'share', 'previous', 'change', ''],
    lines.map((l) => [
      e(l.label),
      usd(l.costUsd),
      percent(l.share),
      usd(l.previousCostUsd),
      `<span class="${trend(l.deltaUsd)}">${signedUsd(l.deltaUsd)}</span>`,
      signedPercent(l.deltaRatio),
    ]),
  );
}

/** The report as one self-contained HTML file: inline CSS and SVG charts, no scripts. */
export function renderHtml(report: WeeklyReport): string {
  const t = report.totals;
  const teams = (report.attribution.team ?? []).map((l) => l.key.team ?? '');
  const sections = Object.entries(report.attribution)
    .map(([d, lines]) => `<h2>By ${e(d)}</h2>${attribution(lines)}`)
    .join('');
  const c = report.cache;
  const f = report.failures;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${e(`Weekly LLM spend ${report.tenant} ${report.week.label}`)}</title><style>${CSS}</style></head>
<body>
<h1>Weekly LLM spend: ${e(report.tenant)}, ${e(report.week.label)}</h1>
<p>${e(report.week.from)} to ${e(report.week.to)} (${e(report.week.timezone)}). Showback: costs computed from price tables.</p>
<p><span class="big">${usd(t.current.costUsd)}</span> <span class="${trend(t.deltaUsd)}">${signedUsd(t.deltaUsd)} (${signedPercent(t.deltaRatio)})</span> vs last week ${usd(t.previous.costUsd)}; ${signedPercent(t.vsFourWeekAverageRatio)} vs the 4-week average ${usd(t.fourWeekAverage.costUsd)}. ${t.current.calls} calls, ${t.current.tokens} tokens.</p>
${report.notes.map((n) => `<p class="note">${prose(n)}</p>`).join('')}
<ul>${headlines(report)
    .map((x) => `<li>${e(x)}</li>`)
    .join('')}</ul>
<div class="charts">${dailyByTeamChart(report, teams)}${topAgentsChart(report)}${cacheTrendChart(report)}</div>
<h2>Top movers</h2>${table(
    ['', 'by', 'spend', 'change', ''],
    report.topMovers.absolute.map((m) => [
      e(m.label),
      e(m.dimension),
      usd(m.costUsd),
      signedUsd(m.deltaUsd),
      signedPercent(m.deltaRatio),
    ]),
  )}
${sections}
<h2>Cost per task</h2>${table(
    ['agent', 'tasks', 'successes', 'per task', 'per successful task', 'change'],
    report.tasks.map((a) => [
      e(a.agent || '(none)'),
      String(a.tasks),
      String(a.successes),
      a.costPerTaskUsd === null ? '-' : usd(a.costPerTaskUsd),
      a.costPerSuccessfulTaskUsd === null ? '-' : usd(a.costPerSuccessfulTaskUsd),
      signedPercent(a.costPerSuccessfulTaskDeltaRatio),
    ]),
  )}
<h2>Failures and retries</h2><p>Failed or abandoned tasks ${usd(f.failedTaskCostUsd)}, failed calls ${usd(f.failedCallCostUsd)}, ${f.retries} retries ${usd(f.retryCostUsd)}.</p>
<h2>Cache</h2><p>Hit rate ${percent(c.hitRate)} (last week ${percent(c.previousHitRate)}), savings ${usd(c.savingsUsd)}, wasted writes ${usd(c.wastedWriteCostUsd)}.${c.agentsBreakingCache.length ? ` Breaking their cache: ${e(c.agentsBreakingCache.join(', '))}.` : ''}</p>
${
  report.budgets.length
    ? `<h2>Budgets</h2><p>${prose(budgetsSummary(report))}</p>${table(
        ['budget', 'spent', 'limit', 'used', 'forecast'],
        report.budgets.map((b) => [
          e(budgetName(b)),
          e(budgetAmount(b.unit, b.spent)),
          e(budgetAmount(b.unit, b.limit)),
          percent(b.fraction),
          b.projected === null ? '-' : e(budgetAmount(b.unit, b.projected)),
        ]),
      )}`
    : ''
}
<h2>Alerts and anomalies</h2><p>${e(alertsSummary(report))}</p>
${
  report.alerts.items.length
    ? table(
        ['started', 'severity', 'alert', 'duration'],
        report.alerts.items.map((a) => [
          e(a.startsAt),
          e(a.severity),
          e(a.summary),
          e(duration(a)),
        ]),
      )
    : ''
}
${
  report.alerts.budgetThresholds.length
    ? table(
        ['reached', 'budget', 'threshold', 'spent', 'limit'],
        report.alerts.budgetThresholds.map((b) => [
          e(b.reachedAt),
          e(budgetName(b)),
          percent(b.threshold),
          e(budgetAmount(b.unit, b.spent)),
          e(budgetAmount(b.unit, b.limit)),
        ]),
      )
    : ''
}
${
  report.providerCoverage?.length
    ? `<h2>Provider bills</h2>${table(
        ['provider', 'billed', 'observed', 'unexplained', 'price drift'],
        report.providerCoverage.map((p) => [
          e(p.provider),
          e(usd(p.billedUsd)),
          p.observedShare === null ? '-' : percent(p.observedShare),
          e(usd(p.unexplainedUsd)),
          e(signedUsd(p.priceDriftUsd)),
        ]),
      )}`
    : ''
}
<h2>Data</h2><p>${e(dataSummary(report))}</p>
</body></html>
`;
}
