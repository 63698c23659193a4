/**
 * @module
 * Pages that show a read's tables as the CLI prints them: Cache, Failures, Anomalies and alerts,
 * Budgets. The rows are the read's own `print.tables`, so the page and `tokenwatch <verb>` agree.
 */
import {
  alertHistoryRead,
  alertsRead,
  alertTableRecord,
  anomaliesRead,
  budgetsRead,
  cacheRead,
  failuresRead,
} from '@tokenwatch/analyzer';
import { html } from 'hono/html';
import { type PageContext, param, type RenderedPage } from '../context.ts';
import { filterForm, RANGES, select } from '../layout.ts';
import { readTables, recordsTable } from '../table.ts';
import { budgetList } from './overview.ts';

function rangeForm(action: string, since: string) {
  return filterForm(action, select('since', 'Since', RANGES, since));
}

/** Cache: hit rate, savings, wasted writes, agents breaking their own prompt cache. */
export async function cachePage(ctx: PageContext): Promise<RenderedPage> {
  const since = param(ctx, 'since', '7d');
  const result = await ctx.reads.read(cacheRead, { since });
  return {
    title: 'Cache',
    body: html`${rangeForm('/cache', since)}${readTables(cacheRead.print!.tables(result), ctx.timezone)}`,
  };
}

/** Failures and retries: what failed and abandoned tasks, failed calls and retries cost. */
export async function failuresPage(ctx: PageContext): Promise<RenderedPage> {
  const since = param(ctx, 'since', '7d');
  const result = await ctx.reads.read(failuresRead, { since });
  return {
    title: 'Failures and retries',
    body: html`${rangeForm('/failures', since)}${readTables(failuresRead.print!.tables(result), ctx.timezone)}`,
  };
}

/** Anomalies now and in the range's history, and the open alerts. */
export async function anomaliesPage(ctx: PageContext): Promise<RenderedPage> {
  const since = param(ctx, 'since', '7d');
  const [now, history, alerts, fired] = await Promise.all([
    ctx.reads.read(anomaliesRead, {}),
    ctx.reads.read(anomaliesRead, { since }),
    ctx.reads.read(alertsRead, {}),
    ctx.reads.read(alertHistoryRead, { since }),
  ]);
  return {
    title: 'Anomalies & alerts',
    body: html`${rangeForm('/anomalies', since)}
<section><h2>Burning faster than normal now</h2>${readTables(anomaliesRead.print!.tables(now), ctx.timezone)}</section>
<section><h2>Recorded anomalies</h2>${readTables(anomaliesRead.print!.tables(history), ctx.timezone)}</section>
<section><h2>Open alerts</h2>${recordsTable(alerts.alerts.map(alertTableRecord), {
      empty: 'No open alerts.',
      timezone: ctx.timezone,
    })}</section>
<section><h2>Alerts fired</h2>${readTables(alertHistoryRead.print!.tables(fired), ctx.timezone)}</section>`,
  };
}

/** Budgets: progress, forecast and burn-rate signals of every budget instance. */
export async function budgetsPage(ctx: PageContext): Promise<RenderedPage> {
  const result = await ctx.reads.read(budgetsRead, {});
  return {
    title: 'Budgets',
    body: html`${budgetList(ctx, result)}<section><h2>Details</h2>${readTables(budgetsRead.print!.tables(result), ctx.timezone)}</section>`,
  };
}
