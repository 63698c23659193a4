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
  // Say why attributes are missing when the span was not kept whole, or not kept at all.
  const lean = result.span?.spanAttributes['tokenwatch.span.lean'] === 'true';
  const why = !result.span
    ? 'This span is not in the store: raw spans are kept for the configured retention (30 days by default).'
    : lean
      ? 'This span was stored lean (ingest.raw_llm_spans: lean): its attributes, events and links were not kept; the call’s model, tokens, cost and attribution are in its llm_calls row.'
      : 'Raw spans are kept for the configured retention (30 days by default).';
  const body = html`${readTables(spanRead.print!.tables(result), ctx.timezone, ['Span', 'Attributes'])}
<p class="note" data-testid="span-kept">${why}</p>`;
  return { title: 'Span', body, status: result.span ? 200 : 404 };
}
