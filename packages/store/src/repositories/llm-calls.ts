import { type LlmCall, type LlmCallInput, LlmCallSchema } from '@tokenwatch/schema';
import { z } from 'zod';
import type { Store } from '../client.ts';
import { LOCAL_SUFFIX } from '../cluster.ts';
import { llmCallToRow, nsToDateTime64 } from '../converters.ts';
import { insertRows, queryRows } from '../query.ts';
import { rollupRows } from '../rollup-rows.ts';
import { TABLES } from '../tables.ts';

/** What an insert did: duplicates of spans already stored (or repeated in the batch) are dropped. */
export type InsertResult = { inserted: number; duplicates: number };

const KeyRow = z.object({ tenant: z.string(), trace_id: z.string(), span_id: z.string() });

const keyOf = (tenant: string, traceId: string, spanId: string) => `${tenant}/${traceId}/${spanId}`;

/** Options of {@link insertLlmCalls}. */
export type InsertLlmCallsOptions = {
  /**
   * Names the batch for ClickHouse insert deduplication (a spool record). Inserting the same batch
   * again with the same token inserts nothing new, in llm_calls and in the rollup, and the rollup
   * still receives its rows if the first attempt died between the two inserts. Rows stored by
   * this very batch are not treated as duplicates, so a retry sends exactly the rows of the first
   * attempt (and so the same rollup rows).
   */
  dedupToken?: string;
  /**
   * Told the calls this insert stored, inside the writers' exclusive section: a reader that
   * snapshots the store in the same section (a spend counter rebuilding itself) sees every call
   * exactly once, either in its snapshot or through this callback.
   */
  onStored?: (calls: readonly LlmCall[]) => void;
  /**
   * The calls are complete `LlmCall`s built by typed code (the collector's normalizer, read back
   * from its spool): they are not parsed again, which cost more per call than the rest of the
   * insert's JavaScript. A row the table refuses fails the insert either way.
   */
  parsed?: boolean;
};

/**
 * Stores LLM calls exactly once, and adds them to the per-minute rollup `llm_usage_1m`. A span
 * delivered again (an exporter retry, a replayed spool) is dropped here, before the insert,
 * because the rollup sums what it is given and would count it twice; the table's
 * ReplacingMergeTree key is the second line of defence.
 * Checks and inserts of one store run one at a time, so two batches cannot race past the check.
 */
export async function insertLlmCalls(
  store: Store,
  calls: readonly LlmCallInput[] | readonly LlmCall[],
  options: InsertLlmCallsOptions = {},
): Promise<InsertResult> {
  const parsed = options.parsed
    ? (calls as readonly LlmCall[])
    : calls.map((call) => LlmCallSchema.parse(call));
  const token = options.dedupToken ?? '';
  return store.exclusive(async () => {
    const fresh = new Map<string, LlmCall>();
    for (const call of parsed) fresh.set(keyOf(call.tenant, call.traceId, call.spanId), call);
    for (const key of await findStoredKeys(store, [...fresh.values()], token)) fresh.delete(key);
    const rows = [...fresh.values()].map((call) => ({
      ...llmCallToRow(call),
      ingest_token: token,
    }));
    await insertRows(
      store,
      TABLES.llmCalls,
      rows,
      token ? { insert_deduplication_token: token } : undefined,
    );
    // After the calls: a crash between the two leaves the rollup short until the replay, never
    // over; the replay's rollup block is the same rows under the same token.
    await insertRows(
      store,
      TABLES.usage1m,
      rollupRows(rows),
      token ? { insert_deduplication_token: `${token}:rollup` } : undefined,
    );
    options.onStored?.([...fresh.values()]);
    return { inserted: rows.length, duplicates: parsed.length - rows.length };
  });
}

async function findStoredKeys(store: Store, calls: LlmCall[], token: string): Promise<string[]> {
  if (calls.length === 0) return [];
  let min = calls[0]!.startTime;
  let max = min;
  for (const call of calls) {
    if (call.startTime < min) min = call.startTime;
    if (call.startTime > max) max = call.startTime;
  }
  // A repeated span repeats its start time, so the time bounds prune the scan to the hours
  // (primary key) and the span-id bloom filter does the rest.
  const rows = await queryRows(store, {
    query: `SELECT DISTINCT tenant, trace_id, span_id FROM ${TABLES.llmCalls}
      WHERE tenant IN {tenants: Array(String)}
        AND start_time BETWEEN {from: DateTime64(9, 'UTC')} AND {to: DateTime64(9, 'UTC')}
        AND span_id IN {spanIds: Array(String)}
        AND (ingest_token = '' OR ingest_token != {token: String})`,
    params: {
      tenants: [...new Set(calls.map((c) => c.tenant))],
      from: nsToDateTime64(min),
      to: nsToDateTime64(max),
      spanIds: [...new Set(calls.map((c) => c.spanId))],
      token,
    },
    schema: KeyRow,
  });
  return rows.map((row) => keyOf(row.tenant, row.trace_id, row.span_id));
}

/**
 * Deletes the row versions a reprice superseded (a call's rows below its highest `revision`) for
 * calls since `since`, of one tenant or all. Reads of llm_calls go without FINAL, so a call must
 * have exactly one visible row: a lightweight DELETE hides the old version at once, where
 * ReplacingMergeTree would drop it only at some later merge. On a cluster each shard deletes from
 * its own table: the rows of one call live on one shard (sharded by tenant and trace).
 */
export async function dropSupersededRevisions(
  store: Store,
  options: { since: Date; tenant?: string },
): Promise<void> {
  const table = store.cluster ? `${TABLES.llmCalls}${LOCAL_SUFFIX}` : TABLES.llmCalls;
  const onCluster = store.cluster ? ` ON CLUSTER ${store.cluster}` : '';
  const inRange = `start_time >= {since: DateTime64(3, 'UTC')}
      AND ({tenant: String} = '' OR tenant = {tenant: String})`;
  await store.client.command({
    query: `DELETE FROM ${table}${onCluster}
      WHERE ${inRange} AND (tenant, trace_id, span_id, revision) IN (
        SELECT tenant, trace_id, span_id, revision FROM (
          SELECT tenant, trace_id, span_id, revision,
            max(revision) OVER (PARTITION BY tenant, trace_id, span_id) AS latest
          FROM ${table} WHERE ${inRange})
        WHERE revision < latest)`,
    query_params: {
      since: options.since.toISOString().replace('T', ' ').replace('Z', ''),
      tenant: options.tenant ?? '',
    },
  });
}
