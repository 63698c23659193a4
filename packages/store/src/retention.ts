import { z } from 'zod';
import type { Store } from './client.ts';
import { LOCAL_SUFFIX } from './cluster.ts';
import { queryRows, runCommand } from './query.ts';
import { TABLES } from './tables.ts';

/** How long each kind of data is kept, in days. */
export type Retention = { rawSpansDays: number; callsDays: number };

/** Defaults: raw spans for a month, cost data for more than a year (year-over-year reports). */
export const DEFAULT_RETENTION: Retention = { rawSpansDays: 30, callsDays: 400 };

const TTL_TABLES = [
  { table: TABLES.otelTraces, column: 'toDateTime(Timestamp)', kind: 'rawSpansDays' },
  { table: TABLES.otelTraceIds, column: 'Start', kind: 'rawSpansDays' },
  { table: TABLES.llmCalls, column: 'toDateTime(start_time)', kind: 'callsDays' },
  { table: TABLES.tasks, column: 'toDateTime(start_time)', kind: 'callsDays' },
  { table: TABLES.usage1m, column: 'minute', kind: 'callsDays' },
] as const;

const TableRow = z.object({ name: z.string(), create_table_query: z.string() });

/** Reads the TTL in days that each table currently has. */
export async function readRetention(store: Store): Promise<Map<string, number | null>> {
  const names = TTL_TABLES.map((t) => physicalName(store, t.table));
  const rows = await queryRows(store, {
    query:
      'SELECT name, create_table_query FROM system.tables ' +
      'WHERE database = currentDatabase() AND name IN {names: Array(String)}',
    params: { names },
    schema: TableRow,
  });
  const days = new Map<string, number | null>();
  for (const row of rows) {
    const match = /TTL .*?toIntervalDay\((?:_CAST\()?(\d+)/.exec(row.create_table_query);
    days.set(row.name, match ? Number(match[1]) : null);
  }
  return days;
}

/**
 * Sets each table's TTL to the configured retention where it differs (migrations create the
 * defaults). Returns the tables it changed.
 */
export async function applyRetention(store: Store, retention: Retention): Promise<string[]> {
  const current = await readRetention(store);
  const changed: string[] = [];
  for (const { table, column, kind } of TTL_TABLES) {
    const name = physicalName(store, table);
    const want = retention[kind];
    if (current.get(name) === want) continue;
    const onCluster = store.cluster ? ` ON CLUSTER ${store.cluster}` : '';
    await runCommand(
      store,
      `ALTER TABLE ${name}${onCluster} MODIFY TTL ${column} + toIntervalDay({days: UInt32})`,
      {
        days: want,
      },
    );
    changed.push(name);
  }
  return changed;
}

function physicalName(store: Store, table: string): string {
  return store.cluster ? `${table}${LOCAL_SUFFIX}` : table;
}
