import type { Store } from '../client.ts';
import { insertRows } from '../query.ts';
import { TABLES } from '../tables.ts';

/**
 * Inserts raw spans (otel_traces rows). `dedupToken` names the block: inserting the same rows
 * again with the same token is dropped by ClickHouse, which makes a replayed batch harmless.
 */
export async function insertOtelSpans(
  store: Store,
  rows: readonly Record<string, unknown>[],
  dedupToken: string,
): Promise<void> {
  await insertRows(store, TABLES.otelTraces, rows, {
    insert_deduplication_token: dedupToken,
    deduplicate_blocks_in_dependent_materialized_views: 1,
  });
}
