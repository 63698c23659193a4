/**
 * @module
 * Alert state (`alert_state`, migration 0012) and the delivery log (`alert_deliveries`, 0013).
 */

import type { AlertRuleKind, AlertSeverity } from '@tokenwatch/config';
import { insertRows, queryRows, type Store } from '@tokenwatch/store';
import { z } from 'zod';
import { toChDateTime64ms } from '../shared/duration.ts';
import type { AlertInstance, AlertStateName, DeliveryResult } from './types.ts';

/**
 * Table names of this module. The store's `TABLES` map is the canonical home for table names;
 * these entries belong there once the store package takes them.
 */
export const ALERT_TABLES = {
  alertState: 'alert_state',
  alertDeliveries: 'alert_deliveries',
} as const;

const StateRow = z.object({
  tenant: z.string(),
  fingerprint: z.string(),
  rule: z.string(),
  kind: z.string(),
  severity: z.string(),
  state: z.string(),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()),
  active_at_ms: z.coerce.number(),
  starts_at_ms: z.coerce.number(),
  ends_at_ms: z.coerce.number(),
  notified: z.record(z.string(), z.coerce.number()),
  version: z.coerce.number(),
});

/** Open alerts (pending, firing, or resolving: a resolve still owed) of the given tenants, or of every tenant. */
export async function loadOpenAlerts(
  store: Store,
  tenants?: readonly string[],
): Promise<AlertInstance[]> {
  const rows = await queryRows(store, {
    query: `SELECT tenant, fingerprint, rule, kind, severity, state, labels, annotations,
        toUnixTimestamp64Milli(active_at) AS active_at_ms,
        toUnixTimestamp64Milli(starts_at) AS starts_at_ms,
        toUnixTimestamp64Milli(ends_at) AS ends_at_ms, notified, version
      FROM ${ALERT_TABLES.alertState} FINAL
      WHERE state IN ('pending', 'firing', 'resolving')
        ${tenants ? 'AND tenant IN {tenants: Array(String)}' : ''}`,
    params: tenants ? { tenants: [...tenants] } : {},
    schema: StateRow,
  });
  return rows.map((r) => ({
    tenant: r.tenant,
    fingerprint: r.fingerprint,
    rule: r.rule,
    kind: r.kind as AlertRuleKind,
    severity: r.severity as AlertSeverity,
    state: r.state as AlertStateName,
    labels: r.labels,
    annotations: r.annotations,
    activeAt: new Date(r.active_at_ms),
    startsAt: new Date(r.starts_at_ms),
    endsAt: r.ends_at_ms > 0 ? new Date(r.ends_at_ms) : null,
    notified: r.notified,
    version: r.version,
  }));
}

/** Writes new versions of changed alerts (the highest version wins under FINAL). */
export async function saveAlerts(store: Store, alerts: readonly AlertInstance[]): Promise<void> {
  await insertRows(
    store,
    ALERT_TABLES.alertState,
    alerts.map((a) => ({
      tenant: a.tenant,
      fingerprint: a.fingerprint,
      rule: a.rule,
      kind: a.kind,
      severity: a.severity,
      state: a.state,
      labels: a.labels,
      annotations: a.annotations,
      active_at: toChDateTime64ms(a.activeAt.getTime()),
      starts_at: toChDateTime64ms(a.startsAt.getTime()),
      ends_at: toChDateTime64ms(a.endsAt?.getTime() ?? 0),
      notified: a.notified,
      version: a.version,
    })),
  );
}

/** Appends delivery outcomes to the log. */
export async function recordDeliveries(
  store: Store,
  deliveries: readonly DeliveryResult[],
): Promise<void> {
  await insertRows(
    store,
    ALERT_TABLES.alertDeliveries,
    deliveries.map((d) => ({
      tenant: d.tenant,
      fingerprint: d.fingerprint,
      rule: d.rule,
      receiver: d.receiver,
      receiver_kind: d.receiverKind,
      event: d.event,
      status: d.status,
      attempts: d.attempts,
      http_status: d.httpStatus,
      error: d.error,
      sent_at: toChDateTime64ms(d.sentAt.getTime()),
    })),
  );
}

const DeliveryRow = z.object({
  tenant: z.string(),
  fingerprint: z.string(),
  rule: z.string(),
  receiver: z.string(),
  receiver_kind: z.string(),
  event: z.enum(['trigger', 'repeat', 'resolve']),
  status: z.enum(['sent', 'failed', 'dry-run']),
  attempts: z.coerce.number(),
  http_status: z.coerce.number(),
  error: z.string(),
  sent_at_ms: z.coerce.number(),
});

/** The delivery log of a tenant, oldest first (for `alerts list` and tests). */
export async function listDeliveries(
  store: Store,
  options: { tenant?: string; fingerprint?: string; limit?: number } = {},
): Promise<DeliveryResult[]> {
  const where = [
    options.tenant === undefined ? '' : 'tenant = {tenant: String}',
    options.fingerprint === undefined ? '' : 'fingerprint = {fingerprint: String}',
  ].filter(Boolean);
  const rows = await queryRows(store, {
    query: `SELECT tenant, fingerprint, rule, receiver, receiver_kind, event, status, attempts,
        http_status, error, toUnixTimestamp64Milli(sent_at) AS sent_at_ms
      FROM ${ALERT_TABLES.alertDeliveries}
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY sent_at, receiver LIMIT {limit: UInt32}`,
    params: {
      tenant: options.tenant,
      fingerprint: options.fingerprint,
      limit: options.limit ?? 10_000,
    },
    schema: DeliveryRow,
  });
  return rows.map((r) => ({
    tenant: r.tenant,
    fingerprint: r.fingerprint,
    rule: r.rule,
    receiver: r.receiver,
    receiverKind: r.receiver_kind,
    event: r.event,
    status: r.status,
    attempts: r.attempts,
    httpStatus: r.http_status,
    error: r.error,
    retryable: false,
    sentAt: new Date(r.sent_at_ms),
  }));
}
