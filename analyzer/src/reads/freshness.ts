import { queryRows, TABLES } from '@tokenwatch/store';
import { z } from 'zod';
import { defineRead } from './contract.ts';
import { Instant } from './schemas.ts';

/** What `freshness` answers: when the tenant's latest call started and when it was stored. */
export const FreshnessResultSchema = z.object({
  /** The latest start of a stored call; null before the first. */
  lastCallAt: Instant.nullable(),
  /** When the store last took in a call (the writer's clock); null before the first. */
  lastStoredAt: Instant.nullable(),
});

const Row = z.object({
  calls: z.coerce.number(),
  last_call_ms: z.coerce.number(),
  last_stored_ms: z.coerce.number(),
});

/**
 * `freshness`: how current the tenant's data is, for the console's overview and for checks that
 * data still arrives. Reads llm_calls without FINAL: a duplicate changes no maximum.
 */
export const freshnessRead = defineRead({
  name: 'freshness',
  path: '/freshness',
  query: () => z.object({}),
  result: FreshnessResultSchema,
  async run({ store, tenant }) {
    const [row] = await queryRows(store, {
      query: `SELECT count() AS calls,
          toUnixTimestamp64Milli(max(toDateTime64(start_time, 3, 'UTC'))) AS last_call_ms,
          toUnixTimestamp64Milli(max(ingested_at)) AS last_stored_ms
        FROM ${TABLES.llmCalls}
        WHERE tenant = {tenant: String}`,
      params: { tenant },
      schema: Row,
    });
    const any = row !== undefined && row.calls > 0;
    return {
      lastCallAt: any ? new Date(row.last_call_ms) : null,
      lastStoredAt: any ? new Date(row.last_stored_ms) : null,
    };
  },
  print: {
    tables: (result) => [
      {
        records: [
          {
            last_call: result.lastCallAt?.toISOString() ?? '—',
            last_stored: result.lastStoredAt?.toISOString() ?? '—',
          },
        ],
      },
    ],
  },
});
