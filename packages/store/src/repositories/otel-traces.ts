import type { Store } from '../client.ts';
import { jsonEachRow } from '../query.ts';
import { TABLES } from '../tables.ts';

/**
 * Inserts raw spans: `otel_traces` rows, or their body when the caller serialized them already
 * (the collector does, once, when it spools them): JSONEachRow, or JSONCompactEachRow with
 * `columns`. `dedupToken` names the block:
 * inserting the same rows again with the same token is dropped by ClickHouse, which makes a
 * replayed batch harmless.
 */
export async function insertOtelSpans(
  store: Store,
  rows: readonly Record<string, unknown>[] | Buffer,
  dedupToken: string,
  columns?: readonly string[],
): Promise<void> {
  const body = Buffer.isBuffer(rows) ? rows : jsonEachRow(rows);
  await store.insertBody(
    TABLES.otelTraces,
    body,
    {
      insert_deduplication_token: dedupToken,
      deduplicate_blocks_in_dependent_materialized_views: 1,
    },
    Buffer.isBuffer(rows) ? columns : undefined,
  );
}
