/**
 * Reads OpenAI's organization exports: usage (`/v1/organization/usage/completions`) and costs
 * (`/v1/organization/costs`) pages into {@link ProviderUsageLine}s.
 *
 * @module
 */
import {
  blankLine,
  bucketWidthOf,
  count,
  dim,
  type ExportPage,
  money,
  noTokens,
  type ProviderUsageLine,
  ReconcileError,
  type TokenKind,
} from './lines.ts';

type Bucket = { start_time?: unknown; end_time?: unknown; results?: unknown };
type Result = Record<string, unknown>;

/** The token kind an OpenAI cost line item prices, from its suffix (`<model>, cached input`). */
function lineItemKind(item: string): TokenKind | '' {
  const suffix = item.split(', ').at(-1)?.toLowerCase() ?? '';
  if (suffix === 'cached input') return 'cache_read';
  if (suffix === 'input') return 'uncached_input';
  if (suffix === 'output') return 'output';
  return '';
}

/** The model a cost line item names (`gpt-4o-mini-2024-07-18, input` → the snapshot). */
function lineItemModel(item: string): string {
  const parts = item.split(', ');
  return parts.length > 1 ? parts.slice(0, -1).join(', ') : '';
}

/**
 * The uncached input of a usage result. `input_tokens` includes cached (and cache-write) tokens;
 * the split fields are preferred when present, since older exports lacked them.
 */
function uncachedInput(r: Result): number {
  if (r.input_uncached_tokens !== undefined && r.input_uncached_tokens !== null)
    return count(r.input_uncached_tokens, 'input_uncached_tokens');
  const input = count(r.input_tokens, 'input_tokens');
  const rest =
    count(r.input_cached_tokens, 'input_cached_tokens') +
    count(r.input_cache_write_tokens, 'input_cache_write_tokens');
  if (rest > input)
    throw new ReconcileError(`input_tokens ${input} is less than its cached and cache-write part`);
  return input - rest;
}

/** Parses OpenAI usage and cost pages; a page's kind comes from its results' `object`. */
export function parseOpenAiPages(pages: ExportPage[]): ProviderUsageLine[] {
  const lines: ProviderUsageLine[] = [];
  for (const page of pages) {
    const buckets = page.data as Bucket[];
    const isCost = buckets.some((b) =>
      (Array.isArray(b.results) ? (b.results as Result[]) : []).some(
        (r) => r.object === 'organization.costs.result' || r.amount !== undefined,
      ),
    );
    // A page has one width; only its first bucket may be cut short (an unaligned start_time), so
    // the longest bucket tells the width.
    const spans = buckets.map(
      (b) => count(b.end_time, 'bucket end_time') - count(b.start_time, 'bucket start_time'),
    );
    const width = bucketWidthOf(0, Math.max(0, ...spans));
    for (const bucket of buckets) {
      const start = count(bucket.start_time, 'bucket start_time');
      const base = blankLine('openai', start, width);
      if (!isCost) lines.push({ ...base, lineKind: 'bucket' });
      for (const r of (bucket.results ?? []) as Result[]) {
        if (isCost) {
          const amount = r.amount as { value?: unknown; currency?: unknown } | undefined;
          if (amount?.currency !== undefined && String(amount.currency).toLowerCase() !== 'usd')
            throw new ReconcileError(`cost in ${String(amount.currency)}, not USD`);
          const item = dim(r.line_item);
          lines.push({
            ...base,
            lineKind: 'cost',
            model: lineItemModel(item),
            project: dim(r.project_id),
            apiKey: dim(r.api_key_id),
            lineItem: item,
            costKind: lineItemKind(item),
            costUsd: money(amount?.value, 'amount.value'),
          });
          continue;
        }
        lines.push({
          ...base,
          lineKind: 'usage',
          model: dim(r.model),
          project: dim(r.project_id),
          apiKey: dim(r.api_key_id),
          serviceTier: dim(r.service_tier),
          batch: dim(r.batch),
          tokens: {
            ...noTokens(),
            uncached_input: uncachedInput(r),
            cache_read: count(r.input_cached_tokens, 'input_cached_tokens'),
            // OpenAI does not split cache writes by TTL.
            cache_write_5m: count(r.input_cache_write_tokens, 'input_cache_write_tokens'),
            output: count(r.output_tokens, 'output_tokens'),
          },
          requests: count(r.num_model_requests, 'num_model_requests'),
        });
      }
    }
  }
  return lines;
}
