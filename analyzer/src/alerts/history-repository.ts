/**
 * @module
 * Alert occurrences (`alert_history`, migration 0015): one row when an alert starts firing and
 * one when it resolves, read back as occurrences for the weekly report.
 */
import { insertRows, queryRows, type Store } from '@tokenwatch/store';
import { z } from 'zod';
import { toChDateTime64ms } from '../shared/duration.ts';
import type { AlertInstance } from './types.ts';

const ALERT_HISTORY = 'alert_history';

/** One firing of an alert: from when it started firing to when it resolved (null while open). */
export type AlertOccurrence = {
  tenant: string;
  fingerprint: string;
  rule: string;
  kind: string;
  severity: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: Date;
  endsAt: Date | null;
};

/**
 * Appends the history rows of alerts that changed at one evaluation: a `firing` row for each
 * alert that started firing, a `resolved` row for each that resolved. Other changes (pending,
 * lapsed, notified) are not history.
 */
export async function recordAlertHistory(
  store: Store,
  changed: readonly AlertInstance[],
): Promise<void> {
  const rows = changed
    .filter((a) => a.state === 'firing' || a.state === 'resolved')
    .map((a) => ({
      tenant: a.tenant,
      fingerprint: a.fingerprint,
      rule: a.rule,
      kind: a.kind,
      severity: a.severity,
      event: a.state,
      labels: a.labels,
      annotations: a.annotations,
      starts_at: toChDateTime64ms(a.startsAt.getTime()),
      ends_at: toChDateTime64ms(a.endsAt?.getTime() ?? 0),
    }));
  if (rows.length > 0) await insertRows(store, ALERT_HISTORY, rows);
}

const OccurrenceRow = z.object({
  fingerprint: z.string(),
  rule: z.string(),
  kind: z.string(),
  severity: z.string(),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()),
  starts_at_ms: z.coerce.number(),
  ends_at_ms: z.coerce.number(),
});

/**
 * Occurrences of a tenant's alerts that were firing at some time in `[from, to)`, oldest first.
 * An alert that fired twice is two occurrences; one still open has `endsAt` null.
 */
export async function listAlertOccurrences(
  store: Store,
  params: { tenant: string; from: Date; to: Date },
): Promise<AlertOccurrence[]> {
  const rows = await queryRows(store, {
    query: `SELECT fingerprint, any(rule) AS rule, any(kind) AS kind, any(severity) AS severity,
        argMax(labels, event = 'resolved') AS labels,
        argMax(annotations, event = 'resolved') AS annotations,
        toUnixTimestamp64Milli(starts_at) AS starts_at_ms,
        toUnixTimestamp64Milli(maxIf(ends_at, event = 'resolved')) AS ends_at_ms
      FROM ${ALERT_HISTORY}
      WHERE tenant = {tenant: String} AND starts_at < {to: DateTime64(3, 'UTC')}
      GROUP BY fingerprint, starts_at
      HAVING ends_at_ms = 0 OR ends_at_ms > toUnixTimestamp64Milli({from: DateTime64(3, 'UTC')})
      ORDER BY starts_at, fingerprint`,
    params: {
      tenant: params.tenant,
      from: toChDateTime64ms(params.from.getTime()),
      to: toChDateTime64ms(params.to.getTime()),
    },
    schema: OccurrenceRow,
  });
  return rows.map((r) => ({
    tenant: params.tenant,
    fingerprint: r.fingerprint,
    rule: r.rule,
    kind: r.kind,
    severity: r.severity,
    labels: r.labels,
    annotations: r.annotations,
    startsAt: new Date(r.starts_at_ms),
    endsAt: r.ends_at_ms > 0 ? new Date(r.ends_at_ms) : null,
  }));
}
