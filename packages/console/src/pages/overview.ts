import {
  alertsRead,
  anomaliesRead,
  budgetsRead,
  costRead,
  costSeriesRead,
  freshnessRead,
  type ResultOf,
} from '@tokenwatch/analyzer';
import { html } from 'hono/html';
import { ratioBars, stackedBars } from '../charts.ts';
import { type PageContext, param, type RenderedPage } from '../context.ts';
import { change, localTime, percent, usd } from '../format.ts';
import { filterForm, RANGES, select } from '../layout.ts';
import { recordsTable } from '../table.ts';
import { type AgentBurn, agentBurnRates, burnPanel } from './burn-rates.ts';
import { ROLLUP_CHOICES } from './dimensions.ts';

const PERIODS = [
  ['today', 'Today'],
  ['7d', '7 days'],
  ['30d', '30 days'],
] as const;

/**
 * The overview: spend today, 7 and 30 days with the change against the period before; spend over
 * time stacked by a dimension; burn rates against the anomaly threshold; open alerts; budgets;
 * when data last arrived.
 */
export async function overviewPage(ctx: PageContext): Promise<RenderedPage> {
  const range = param(ctx, 'range', '7d');
  const by = param(ctx, 'by', 'agent');
  const [periods, series, anomalies, alerts, budgets, fresh, backlog, burns] = await Promise.all([
    Promise.all(
      PERIODS.map(([since]) => ctx.reads.read(costRead, { since, by: 'agent', limit: '1' })),
    ),
    ctx.reads.read(costSeriesRead, { since: range, by }),
    ctx.reads.read(anomaliesRead, {}),
    ctx.reads.read(alertsRead, {}),
    ctx.reads.read(budgetsRead, {}),
    ctx.reads.read(freshnessRead, {}),
    ctx.backlogBytes?.(),
    agentBurnRates(ctx),
  ]);
  const tiles = PERIODS.map(([since, label], i) => {
    const cost = periods[i]!;
    const top = cost.rows[0];
    return html`<section class="tile" data-testid="tile-${since}"><h2>${label}</h2>
<p class="big">${usd(cost.total.costUsd, `spend-${since}`)}</p>
<p class="delta ${Number(cost.total.deltaUsd) > 0 ? 'up' : 'down'}">${change(cost.total.deltaRatio)} vs the period before (${usd(cost.total.previousCostUsd)})</p>
<p>${cost.total.calls.toLocaleString('en-US')} calls${top ? html` · top agent <strong data-testid="top-agent-${since}">${top.key.agent || '(none)'}</strong>` : ''}</p></section>`;
  });
  const body = html`<div class="tiles">${tiles}</div>
<section><h2>Spend over time</h2>
${filterForm('/', html`${select('range', 'Range', RANGES, range)}${select('by', 'Stacked by', ROLLUP_CHOICES, by)}`)}
${stackedBars({
  range: series.range,
  stepMs: series.step === 'day' ? 86_400_000 : 3_600_000,
  series: series.series.map((s) => s.key),
  buckets: series.buckets.map((b) => ({ start: b.start, values: b.bySeries })),
  timezone: ctx.timezone,
  label: `Spend per ${series.step} by ${by}`,
})}
<p class="note" data-testid="freshness">${freshness(ctx, fresh, backlog)}</p></section>
${burnRates(ctx, anomalies, burns)}
<section><h2>Open alerts</h2>${recordsTable(
    alerts.alerts.map((a) => ({
      severity: a.severity,
      rule: a.rule,
      state: a.muted ? `${a.state} (muted)` : a.state,
      since: localTime(a.startsAt, ctx.timezone),
      labels: Object.entries(a.labels)
        .filter(([k]) => k !== 'alertname')
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
    })),
    { empty: 'No open alerts.', testId: 'alerts', caption: 'Open alerts' },
  )}</section>
${budgetList(ctx, budgets)}`;
  return { title: 'Overview', body };
}

/** When data last arrived, and what is still on its way into the store. */
function freshness(ctx: PageContext, fresh: ResultOf<typeof freshnessRead>, backlog?: number) {
  const ago = (at: Date) => {
    const minutes = Math.round((ctx.now.getTime() - at.getTime()) / 60_000);
    return minutes < 1
      ? 'just now'
      : minutes < 120
        ? `${minutes} min ago`
        : `${Math.round(minutes / 60)} h ago`;
  };
  const waiting =
    backlog === undefined
      ? ''
      : backlog === 0
        ? ' Nothing is waiting to be stored.'
        : ` ${backlog.toLocaleString('en-US')} bytes received are still on their way into the store.`;
  if (!fresh.lastCallAt || !fresh.lastStoredAt) return `No calls stored yet.${waiting}`;
  return html`Latest call started <time datetime="${fresh.lastCallAt.toISOString()}" data-testid="last-call">${localTime(fresh.lastCallAt, ctx.timezone)}</time>, stored ${ago(fresh.lastStoredAt)}.${waiting}`;
}

function burnRates(
  ctx: PageContext,
  result: ResultOf<typeof anomaliesRead>,
  burns: readonly AgentBurn[],
) {
  const threshold = ctx.config.anomalies.ratio;
  const rows = result.anomalies.map((a) =>
    'ratio' in a
      ? { label: `${a.entity.kind}=${a.entity.value}`, ratio: a.ratio }
      : { label: `${a.entity.kind}=${a.entity.value}`, ratio: a.peakRatio },
  );
  return html`<section><h2>Burn rate now against normal</h2>${burnPanel(ctx, burns)}
<h3>Anomalies now</h3>${
    rows.length === 0
      ? html`<p class="empty" data-testid="burn">Nothing spends over ${threshold}× its normal rate now.</p>`
      : ratioBars({ rows, threshold, label: 'Burn rate now against each one’s normal rate' })
  }</section>`;
}

/** Budgets with progress and forecast, shared with the Budgets page. */
export function budgetList(ctx: PageContext, result: ResultOf<typeof budgetsRead>) {
  const amount = (unit: string, value: string) =>
    unit === 'usd'
      ? usd(value)
      : html`<span class="num">${Number(value).toLocaleString('en-US')} tokens</span>`;
  return html`<section><h2>Budgets</h2>${
    result.budgets.length === 0
      ? html`<p class="empty">No budgets configured.</p>`
      : html`<ul class="budgets" data-testid="budgets">${result.budgets.map(
          (
            b,
          ) => html`<li><strong>${b.budgetId}</strong>${b.instance ? ` (${b.instance})` : ''} · ${b.period.kind}
<meter min="0" max="1" low="0.7" high="0.9" optimum="0" value="${Math.min(b.fraction, 1)}">${percent(b.fraction)}</meter>
${amount(b.unit, b.spent)} of ${amount(b.unit, b.limit)} (${percent(b.fraction)})${
            b.forecast.projected !== null
              ? html` · forecast ${amount(b.unit, b.forecast.projected)} by the period’s end`
              : ''
          }${b.forecast.exhaustsAt ? html` · runs out ${localTime(b.forecast.exhaustsAt, ctx.timezone)}` : ''}</li>`,
        )}</ul>`
  }</section>`;
}
