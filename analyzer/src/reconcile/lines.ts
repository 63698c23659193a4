/**
 * One line of a provider's usage or cost export, in the provider-neutral shape stored in
 * `provider_usage`, and the helpers both providers' parsers share.
 *
 * @module
 */
import { Decimal } from '@tokenwatch/pricing';

/** Providers whose exports Tokenwatch reads; the names match `llm_calls.provider`. */
export const RECONCILE_PROVIDERS = ['openai', 'anthropic'] as const;
export type ReconcileProvider = (typeof RECONCILE_PROVIDERS)[number];

/**
 * `usage` lines carry tokens and requests, `cost` lines money, `bucket` lines neither: they mark a
 * bucket the export covered, so an hour the provider billed nothing in still counts as compared.
 */
export type LineKind = 'usage' | 'cost' | 'bucket';

/** Token kinds both sides split usage into; a cost line names the kind it prices, if any. */
export const TOKEN_KINDS = [
  'uncached_input',
  'cache_read',
  'cache_write_5m',
  'cache_write_1h',
  'output',
] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

/** One export line. Dimensions the export was not grouped by are ''. */
export type ProviderUsageLine = {
  provider: ReconcileProvider;
  /** Start of the UTC bucket, epoch seconds. */
  bucketStart: number;
  bucketWidth: '1m' | '1h' | '1d';
  lineKind: LineKind;
  model: string;
  /** OpenAI project id or Anthropic workspace id. */
  project: string;
  apiKey: string;
  serviceTier: string;
  /** 'true' / 'false' (OpenAI's batch grouping), '' when not grouped. */
  batch: string;
  /** The cost line's item, e.g. `gpt-4o-mini-2024-07-18, cached input`; '' on usage lines. */
  lineItem: string;
  /** The token kind a cost line prices, when the export says (by line item or token type). */
  costKind: TokenKind | '';
  tokens: Record<TokenKind, number>;
  requests: number;
  costUsd: Decimal;
};

/** Zero tokens of every kind. */
export function noTokens(): Record<TokenKind, number> {
  return { uncached_input: 0, cache_read: 0, cache_write_5m: 0, cache_write_1h: 0, output: 0 };
}

/**
 * A line of one bucket with every dimension blank and nothing counted: what each parser's lines
 * start from (and, as `bucket`, the marker that the bucket was compared).
 */
export function blankLine(
  provider: ReconcileProvider,
  bucketStart: number,
  bucketWidth: ProviderUsageLine['bucketWidth'],
): Omit<ProviderUsageLine, 'lineKind'> {
  return {
    provider,
    bucketStart,
    bucketWidth,
    model: '',
    project: '',
    apiKey: '',
    serviceTier: '',
    batch: '',
    lineItem: '',
    costKind: '',
    tokens: noTokens(),
    requests: 0,
    costUsd: Decimal.ZERO,
  };
}

const WIDTHS = [
  { name: '1m', seconds: 60 },
  { name: '1h', seconds: 3600 },
  { name: '1d', seconds: 86_400 },
] as const;

/** Seconds in a bucket width. */
export function widthSeconds(width: ProviderUsageLine['bucketWidth']): number {
  return WIDTHS.find((w) => w.name === width)!.seconds;
}

/**
 * The width of a bucket from its bounds. OpenAI cuts an unaligned start into a partial first
 * bucket ending on the next boundary, so the width is the smallest one the span fits in.
 */
export function bucketWidthOf(startSec: number, endSec: number): ProviderUsageLine['bucketWidth'] {
  const span = endSec - startSec;
  for (const w of WIDTHS) if (span <= w.seconds) return w.name;
  throw new ReconcileError(`bucket ${startSec}..${endSec} is longer than a day`);
}

/** A token count from an export: a non-negative integer, 0 when absent or null. */
export function count(value: unknown, field: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    throw new ReconcileError(`${field} is not a token count: ${JSON.stringify(value)}`);
  return value;
}

/** A grouping dimension: null (not grouped, or Workbench / default workspace) becomes ''. */
export function dim(value: unknown): string {
  if (value === undefined || value === null) return '';
  return String(value);
}

/** An export or fetch that cannot be read; the message says which field or answer. */
export class ReconcileError extends Error {
  readonly code = 'reconcile';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReconcileError';
  }
}

/** A page of either export: `{ data: [bucket…], has_more, next_page }`. */
export type ExportPage = { data: unknown[]; has_more?: boolean; next_page?: string | null };

/** Reads the pages of an export file: one page, or an array of pages concatenated. */
export function exportPages(json: unknown): ExportPage[] {
  const pages = Array.isArray(json) ? json : [json];
  return pages.map((page, i) => {
    if (typeof page !== 'object' || page === null || !Array.isArray((page as ExportPage).data))
      throw new ReconcileError(`page ${i + 1} has no "data" array of buckets`);
    return page as ExportPage;
  });
}

/** Money from an export as an exact decimal; a JSON number is read from its shortest text. */
export function money(value: unknown, field: string): Decimal {
  const d = typeof value === 'number' || typeof value === 'string' ? Decimal.tryFrom(value) : null;
  if (!d) throw new ReconcileError(`${field} is not an amount: ${JSON.stringify(value)}`);
  return d;
}
