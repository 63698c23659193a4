/**
 * Reads Anthropic's Admin API reports: usage (`/v1/organizations/usage_report/messages`) and cost
 * (`/v1/organizations/cost_report`, amounts in cents) pages into {@link ProviderUsageLine}s.
 *
 * @module
 */
import { Decimal } from '@tokenwatch/pricing';
import {
  blankLine,
  bucketWidthOf,
  count,
  dim,
  type ExportPage,
  money,
  type ProviderUsageLine,
  ReconcileError,
  type TokenKind,
} from './lines.ts';

type Bucket = { starting_at?: unknown; ending_at?: unknown; results?: unknown };
type Result = Record<string, unknown>;

const TOKEN_TYPES: Readonly<Record<string, TokenKind>> = {
  uncached_input_tokens: 'uncached_input',
  cache_read_input_tokens: 'cache_read',
  'cache_creation.ephemeral_5m_input_tokens': 'cache_write_5m',
  'cache_creation.ephemeral_1h_input_tokens': 'cache_write_1h',
  output_tokens: 'output',
};

function seconds(value: unknown, field: string): number {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms))
    throw new ReconcileError(`${field} is not a time: ${JSON.stringify(value)}`);
  return Math.floor(ms / 1000);
}

/** Parses Anthropic usage and cost pages; a page is a cost page when its results carry `amount`. */
export function parseAnthropicPages(pages: ExportPage[]): ProviderUsageLine[] {
  const lines: ProviderUsageLine[] = [];
  for (const page of pages) {
    const buckets = page.data as Bucket[];
    const isCost = buckets.some((b) =>
      (Array.isArray(b.results) ? (b.results as Result[]) : []).some((r) => r.amount !== undefined),
    );
    for (const bucket of buckets) {
      const start = seconds(bucket.starting_at, 'starting_at');
      const end = seconds(bucket.ending_at, 'ending_at');
      const base = blankLine('anthropic', start, bucketWidthOf(start, end));
      if (!isCost) lines.push({ ...base, lineKind: 'bucket' });
      for (const r of (bucket.results ?? []) as Result[]) {
        if (isCost) {
          if (r.currency !== undefined && String(r.currency).toUpperCase() !== 'USD')
            throw new ReconcileError(`cost in ${String(r.currency)}, not USD`);
          const tokenType = dim(r.token_type);
          lines.push({
            ...base,
            lineKind: 'cost',
            model: dim(r.model),
            project: dim(r.workspace_id),
            serviceTier: dim(r.service_tier),
            lineItem: dim(r.description) || [dim(r.cost_type), tokenType].filter(Boolean).join(' '),
            costKind: TOKEN_TYPES[tokenType] ?? '',
            // The report's amounts are cents, as decimal strings.
            costUsd: money(r.amount, 'amount').dividedBy(Decimal.from(100)),
          });
          continue;
        }
        const creation = (r.cache_creation ?? {}) as Result;
        lines.push({
          ...base,
          lineKind: 'usage',
          model: dim(r.model),
          project: dim(r.workspace_id),
          apiKey: dim(r.api_key_id),
          serviceTier: dim(r.service_tier),
          tokens: {
            uncached_input: count(r.uncached_input_tokens, 'uncached_input_tokens'),
            cache_read: count(r.cache_read_input_tokens, 'cache_read_input_tokens'),
            cache_write_5m: count(creation.ephemeral_5m_input_tokens, 'ephemeral_5m_input_tokens'),
            cache_write_1h: count(creation.ephemeral_1h_input_tokens, 'ephemeral_1h_input_tokens'),
            output: count(r.output_tokens, 'output_tokens'),
          },
          // The usage report has no request count.
          requests: 0,
        });
      }
    }
  }
  return lines;
}
