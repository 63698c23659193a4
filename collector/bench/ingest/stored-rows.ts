/**
 * @module
 * Counts what a contender left in its data directory, read back by opening the store after the
 * server has exited: proof that acknowledged spans were stored, once.
 */
import { openStore, queryRows, TABLES } from '@tokenwatch/store';
import { z } from 'zod';

/** The baseline's only table: narrow call rows, no raw spans, no rollup. */
export const BASELINE_TABLE = 'baseline_calls';

/** Rows found in the store. */
export type StoredRows = {
  /** otel_traces rows (undefined where raw spans are not kept). */
  spans: number | undefined;
  /** llm_calls rows, raw and collapsed by FINAL (a difference means duplicates were inserted). */
  callRows: number;
  calls: number;
  /** Calls counted by the per-minute rollup (sum of `calls`; undefined without a rollup). */
  rollupCalls: number | undefined;
};

const Count = z.object({ n: z.coerce.number() });

/**
 * Opens the embedded store in `dataDir`, counts, closes it. The baseline keeps calls only, so its
 * spans and rollup are undefined.
 */
export async function countStoredRows(
  dataDir: string,
  layout: 'tokenwatch' | 'baseline',
): Promise<StoredRows> {
  const store = await openStore({ kind: 'embedded', dataDir });
  try {
    const count = async (query: string) =>
      (await queryRows(store, { query, schema: Count }))[0]?.n ?? 0;
    if (layout === 'baseline') {
      const calls = await count(`SELECT count() AS n FROM ${BASELINE_TABLE}`);
      return { spans: undefined, callRows: calls, calls, rollupCalls: undefined };
    }
    return {
      spans: await count(`SELECT count() AS n FROM ${TABLES.otelTraces}`),
      callRows: await count(`SELECT count() AS n FROM ${TABLES.llmCalls}`),
      calls: await count(`SELECT count() AS n FROM ${TABLES.llmCalls} FINAL`),
      rollupCalls: await count(`SELECT sum(calls) AS n FROM ${TABLES.usage1m}`),
    };
  } finally {
    await store.close();
  }
}
