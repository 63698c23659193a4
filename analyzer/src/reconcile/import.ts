/**
 * Stores provider export lines in `provider_usage`. Every line's key is its whole identity, so
 * importing the same buckets again replaces them (the table is a ReplacingMergeTree read FINAL).
 *
 * @module
 */
import { insertRows, type Store, TABLES } from '@tokenwatch/store';
import {
  type ExportPage,
  exportPages,
  type ProviderUsageLine,
  type ReconcileProvider,
} from './lines.ts';
import { parseAnthropicPages } from './parse-anthropic.ts';
import { parseOpenAiPages } from './parse-openai.ts';

/** Parses export pages of one provider. */
export function parseExport(provider: ReconcileProvider, pages: ExportPage[]): ProviderUsageLine[] {
  return provider === 'openai' ? parseOpenAiPages(pages) : parseAnthropicPages(pages);
}

function keyOf(line: ProviderUsageLine): string {
  return JSON.stringify([
    line.provider,
    line.bucketStart,
    line.bucketWidth,
    line.lineKind,
    line.model,
    line.project,
    line.apiKey,
    line.serviceTier,
    line.batch,
    line.lineItem,
  ]);
}

/**
 * Lines with the same key within one import are summed first: the table would otherwise keep
 * only one of them (e.g. cost lines that differ only in a dimension Tokenwatch does not store).
 */
function merged(lines: ProviderUsageLine[]): ProviderUsageLine[] {
  const byKey = new Map<string, ProviderUsageLine>();
  for (const line of lines) {
    const key = keyOf(line);
    const seen = byKey.get(key);
    if (!seen) {
      byKey.set(key, { ...line, tokens: { ...line.tokens } });
      continue;
    }
    for (const kind of Object.keys(seen.tokens) as (keyof typeof seen.tokens)[])
      seen.tokens[kind] += line.tokens[kind];
    seen.requests += line.requests;
    seen.costUsd = seen.costUsd.plus(line.costUsd);
  }
  return [...byKey.values()];
}

/** A UTC time as ClickHouse reads it in JSONEachRow (`YYYY-MM-DD hh:mm:ss`). */
function chSeconds(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

/** What an import stored. */
export type ImportSummary = {
  provider: ReconcileProvider;
  usageLines: number;
  costLines: number;
  buckets: number;
  /** First and last bucket start, ISO UTC; null when the export had no buckets. */
  from: string | null;
  to: string | null;
};

/**
 * Stores parsed lines for a tenant; re-storing the same lines is a no-op for readers (FINAL).
 *
 * @param importedAt the version of this import: a later import of the same bucket replaces it
 */
export async function storeProviderUsage(
  store: Store,
  tenant: string,
  provider: ReconcileProvider,
  lines: ProviderUsageLine[],
  importedAt: Date = new Date(),
): Promise<ImportSummary> {
  const rows = merged(lines).map((l) => ({
    tenant,
    provider: l.provider,
    bucket_start: chSeconds(l.bucketStart),
    bucket_width: l.bucketWidth,
    line_kind: l.lineKind,
    model: l.model,
    project: l.project,
    api_key: l.apiKey,
    service_tier: l.serviceTier,
    batch: l.batch,
    // The token kind a cost line prices is kept in its item when the item alone does not say.
    line_item: l.lineKind === 'cost' && l.costKind ? `${l.costKind}|${l.lineItem}` : l.lineItem,
    uncached_input_tokens: l.tokens.uncached_input,
    cache_read_tokens: l.tokens.cache_read,
    cache_write_5m_tokens: l.tokens.cache_write_5m,
    cache_write_1h_tokens: l.tokens.cache_write_1h,
    output_tokens: l.tokens.output,
    requests: l.requests,
    cost_usd: l.costUsd.toString(),
    imported_at: `${chSeconds(Math.floor(importedAt.getTime() / 1000))}.${String(importedAt.getTime() % 1000).padStart(3, '0')}`,
  }));
  if (rows.length > 0) await insertRows(store, TABLES.providerUsage, rows);
  const starts = lines.map((l) => l.bucketStart).sort((a, b) => a - b);
  const iso = (s: number | undefined) =>
    s === undefined ? null : new Date(s * 1000).toISOString();
  return {
    provider,
    usageLines: lines.filter((l) => l.lineKind === 'usage').length,
    costLines: lines.filter((l) => l.lineKind === 'cost').length,
    buckets: new Set(lines.map((l) => `${l.bucketWidth}:${l.bucketStart}`)).size,
    from: iso(starts[0]),
    to: iso(starts.at(-1)),
  };
}

/** Parses an export file's JSON (one page or an array of pages) and stores it. */
export async function importProviderExport(
  store: Store,
  options: { tenant: string; provider: ReconcileProvider; json: unknown; importedAt?: Date },
): Promise<ImportSummary> {
  const lines = parseExport(options.provider, exportPages(options.json));
  return storeProviderUsage(store, options.tenant, options.provider, lines, options.importedAt);
}
