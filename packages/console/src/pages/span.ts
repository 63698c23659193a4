import { spanRead } from '@tokenwatch/analyzer';
import { html } from 'hono/html';
import type { PageContext, RenderedPage } from '../context.ts';
import { readTables } from '../table.ts';

/** One raw span with its attributes, as stored beside the call (linked from a task's calls). */
export async function spanPage(ctx: PageContext): Promise<RenderedPage> {
  const result = await ctx.reads.read(spanRead, {
    trace: ctx.params.trace,
    span: ctx.params.span,
  });
  const body = html`${readTables(spanRead.print!.tables(result), ctx.timezone, ['Span', 'Attributes'])}
<p class="note">Raw spans are kept 30 days; calls stored lean keep their attributes in <code>llm_calls</code> only.</p>`;
  return { title: 'Span', body, status: result.span ? 200 : 404 };
}
