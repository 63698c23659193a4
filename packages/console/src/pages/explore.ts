import { costSeriesRead, type RawParams } from '@tokenwatch/analyzer';
import { html } from 'hono/html';
import { stackedBars } from '../charts.ts';
import { linkWith, type PageContext, param, type RenderedPage } from '../context.ts';
import { count, percent, usd } from '../format.ts';
import { filterForm, input, RANGES, select } from '../layout.ts';
import { recordsTable } from '../table.ts';
import { ROLLUP_CHOICES } from './dimensions.ts';

const MEASURES = [
  ['cost', 'cost'],
  ['calls', 'calls'],
] as const;

/** The URL parameters of Explore that are parameters of the cost-series read. */
export function exploreQuery(params: Record<string, string>): RawParams {
  const by = [param0(params, 'by', 'agent'), params.then ?? ''].filter(Boolean);
  const query: Record<string, string> = {
    since: param0(params, 'since', '7d'),
    by: [...new Set(by)].join(','),
  };
  if (params.until) query.until = params.until;
  for (const [name] of ROLLUP_CHOICES) if (params[name]) query[name] = params[name];
  return query;
}

function param0(params: Record<string, string>, name: string, fallback: string): string {
  return params[name] || fallback;
}

/**
 * Explore: cost, tokens by kind and calls by one or two dimensions over a range, filtered to one
 * value of any dimension; a chart of the first dimension over time, the table, downloads in CSV
 * and JSON (the read's own answer), and the SQL it ran.
 */
export async function explorePage(ctx: PageContext): Promise<RenderedPage> {
  const result = await ctx.reads.read(costSeriesRead, exploreQuery(ctx.params));
  const measure = param(ctx, 'measure', 'cost') === 'calls' ? 'calls' : 'cost';
  const total = Number(result.total.costUsd) || 1;
  const dims = [['', '—'] as const, ...ROLLUP_CHOICES];
  const form = filterForm(
    '/explore',
    html`${select('since', 'Since', RANGES, param(ctx, 'since', '7d'))}
${input('until', 'Until', ctx.params.until, 'now')}
${select('by', 'By', ROLLUP_CHOICES, param(ctx, 'by', 'agent'))}
${select('then', 'Then by', dims, param(ctx, 'then', ''))}
${select('measure', 'Chart', MEASURES, measure)}
<details${ROLLUP_CHOICES.some(([d]) => ctx.params[d]) ? html` open` : ''}><summary>Filters</summary>${ROLLUP_CHOICES.map(
      ([d]) => input(d, d, ctx.params[d]),
    )}</details>`,
  );
  const rows = result.groups.map((g) => ({
    ...Object.fromEntries(result.by.map((d) => [d, g.key[d] || '(none)'])),
    calls: count(g.calls),
    input: count(g.inputTokens),
    cache_read: count(g.cacheReadTokens),
    cache_write: count(g.cacheWriteTokens),
    output: count(g.outputTokens),
    reasoning: count(g.reasoningTokens),
    cost: usd(g.costUsd),
    share: percent(Number(g.costUsd) / total),
  }));
  const download = (format: string) => linkWith(`/explore/download.${format}`, ctx.params, {});
  const body = html`${form}
<p class="totals">Total ${usd(result.total.costUsd, 'explore-total')} · <span data-testid="explore-calls">${count(result.total.calls)}</span> calls · ${count(result.total.inputTokens)} input, ${count(result.total.cacheReadTokens)} cache read, ${count(result.total.cacheWriteTokens)} cache write, ${count(result.total.outputTokens)} output tokens</p>
${stackedBars({
  range: result.range,
  stepMs: result.step === 'day' ? 86_400_000 : 3_600_000,
  series: result.series.map((s) => s.key),
  buckets: result.buckets.map((b) => ({
    start: b.start,
    values: measure === 'calls' ? b.callsBySeries : b.bySeries,
  })),
  format:
    measure === 'calls'
      ? (n) => `${Math.round(Number(n)).toLocaleString('en-US')} calls`
      : undefined,
  timezone: ctx.timezone,
  label: `${measure === 'calls' ? 'Calls' : 'Spend'} per ${result.step} by ${result.by[0] ?? 'total'}`,
})}
${recordsTable(rows, { caption: `Spend by ${result.by.join(' and ')}`, empty: 'No calls in the range.', testId: 'explore-table' })}
${result.truncated.groups ? html`<p class="note">Showing ${result.truncated.groups.shown} of ${result.truncated.groups.total} groups.</p>` : ''}
<p class="downloads">Download <a href="${download('csv')}" download>CSV</a> · <a href="${download('json')}" download>JSON</a> (the answer of <code>GET /api/v1/cost/series</code>)</p>
<details open><summary>The same in SQL (<code>tokenwatch sql</code>, Grafana)</summary><pre><code data-testid="explore-sql">${result.sql}</code></pre></details>`;
  return { title: 'Explore', body };
}
