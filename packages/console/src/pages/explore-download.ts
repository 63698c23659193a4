import { costSeriesRead } from '@tokenwatch/analyzer';
import type { Context } from 'hono';
import type { PageContext } from '../context.ts';
import { exploreQuery } from './explore.ts';

/** A CSV field, quoted when it holds a separator, a quote or a line break. */
function csvField(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Explore's table as a file: JSON is the read's answer exactly as `GET /api/v1/cost/series` gives
 * it; CSV is the table `tokenwatch` prints for it. Both keep the page's filters.
 */
export async function exploreDownload(
  c: Context,
  ctx: PageContext,
  format: 'csv' | 'json',
): Promise<Response> {
  const result = await ctx.reads.read(costSeriesRead, exploreQuery(ctx.params));
  c.header('content-disposition', `attachment; filename="tokenwatch-explore.${format}"`);
  if (format === 'json') return c.json(result);
  const [table] = costSeriesRead.print!.tables(result);
  const records = table?.records ?? [];
  const columns = records[0] ? Object.keys(records[0]) : [...result.by, 'calls', 'cost_usd'];
  const lines = [
    columns.join(','),
    ...records.map((r) => columns.map((col) => csvField(r[col])).join(',')),
  ];
  return c.body(`${lines.join('\r\n')}\r\n`, 200, { 'content-type': 'text/csv; charset=utf-8' });
}
