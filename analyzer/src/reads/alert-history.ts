import { z } from 'zod';
import { listAlertOccurrences } from '../alerts/history-repository.ts';
import { defineRead } from './contract.ts';
import {
  firstRows,
  Instant,
  limitParam,
  RangeSchema,
  ROW_LIMIT,
  rangeOf,
  rangeParams,
  TruncatedSchema,
  truncations,
} from './schemas.ts';

/** One firing of an alert, from its start to its resolution (null while it fires). */
export const AlertOccurrenceSchema = z.object({
  fingerprint: z.string(),
  rule: z.string(),
  kind: z.string(),
  severity: z.string(),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()),
  startsAt: Instant,
  endsAt: Instant.nullable(),
});

/** What `alert-history` answers. */
export const AlertHistoryResultSchema = z.object({
  range: RangeSchema,
  /** The oldest first. */
  occurrences: z.array(AlertOccurrenceSchema),
  truncated: TruncatedSchema,
});

const defaults = { since: '7d', until: 'now', limit: String(ROW_LIMIT) } as const;

/**
 * `alert-history`: the alerts that fired at some time in the range, each firing with its start
 * and resolution, as the alert engine recorded them (what the weekly report lists).
 */
export const alertHistoryRead = defineRead({
  name: 'alert-history',
  path: '/alerts/history',
  query: (context) => z.object({ ...rangeParams(context, defaults), limit: limitParam() }),
  defaults,
  result: AlertHistoryResultSchema,
  async run({ store, tenant }, query) {
    const range = rangeOf(query);
    const all = await listAlertOccurrences(store, { tenant, ...range });
    const kept = firstRows(all, query.limit);
    return { range, occurrences: kept.rows, truncated: truncations({ occurrences: kept.cut }) };
  },
  print: {
    tables: (result) => [
      {
        records: result.occurrences.map((o) => ({
          rule: o.rule,
          severity: o.severity,
          started: o.startsAt.toISOString(),
          resolved: o.endsAt?.toISOString() ?? 'firing',
          labels: Object.entries(o.labels)
            .filter(([k]) => k !== 'alertname')
            .map(([k, v]) => `${k}=${v}`)
            .join(' '),
        })),
        truncated: result.truncated.occurrences,
        empty: 'No alert fired in the range.',
      },
    ],
  },
});
