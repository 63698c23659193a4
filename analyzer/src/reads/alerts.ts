import { z } from 'zod';
import { alertEntityName, createAlertEngine } from '../alerts/index.ts';
import { mutedFingerprints } from '../alerts/inhibition.ts';
import { defineRead } from './contract.ts';
import {
  firstRows,
  Instant,
  limitParam,
  ROW_LIMIT,
  TruncatedSchema,
  truncations,
} from './schemas.ts';

/** An open (pending or firing) alert; `muted` ones are inhibited by another alert. */
export const AlertViewSchema = z.object({
  tenant: z.string(),
  /** sha256 (hex) of the sorted labels: the alert's identity. */
  fingerprint: z.string(),
  rule: z.string(),
  kind: z.string(),
  severity: z.enum(['page', 'ticket', 'info']),
  state: z.enum(['pending', 'firing', 'resolved', 'resolving', 'inactive']),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()),
  /** Pending since. */
  activeAt: Instant,
  /** Firing since (activeAt until it fires). */
  startsAt: Instant,
  endsAt: Instant.nullable(),
  /** Receiver name → epoch ms of its last trigger or repeat notification. */
  notified: z.record(z.string(), z.number()),
  version: z.number(),
  muted: z.boolean(),
});

/** What `alerts list` answers. */
export const AlertsResultSchema = z.object({
  /** The oldest first. */
  alerts: z.array(AlertViewSchema),
  truncated: TruncatedSchema,
});

const defaults = { limit: String(ROW_LIMIT) } as const;

/**
 * `alerts list`: the tenant's open alerts. Where an alert engine runs (serve), as it holds them
 * after its last evaluation; elsewhere as the store holds them.
 */
export const alertsRead = defineRead({
  name: 'alerts',
  path: '/alerts',
  query: () => z.object({ limit: limitParam() }),
  defaults,
  result: AlertsResultSchema,
  async run({ store, settings, tenant, alerts }, query) {
    let list = await (
      alerts ?? createAlertEngine({ store, config: settings.config, pricer: settings.pricer })
    ).list({ tenant });
    if (!alerts) {
      // Which alerts are muted is kept in memory by the running engine, not in the store; it
      // follows from the firing alerts alone, so it is worked out here the engine's way.
      const muted = mutedFingerprints(list.filter((a) => a.state === 'firing'));
      list = list.map((a) => ({ ...a, muted: muted.has(a.fingerprint) }));
    }
    // The engine's map and the store order alerts differently; the oldest first, either way.
    const sorted = [...list].sort(
      (a, b) =>
        a.startsAt.getTime() - b.startsAt.getTime() ||
        a.rule.localeCompare(b.rule) ||
        a.fingerprint.localeCompare(b.fingerprint),
    );
    const shown = firstRows(sorted, query.limit);
    return { alerts: shown.rows, truncated: truncations({ alerts: shown.cut }) };
  },
  print: {
    // The list itself, as `alerts list --format json` has always printed it.
    json: (result) => result.alerts,
    tables: (result) => [
      {
        records: result.alerts.map(alertTableRecord),
        truncated: result.truncated.alerts,
      },
    ],
  },
});

/**
 * One row of an alert table (`alerts list`, `alerts evaluate`): which entity it is about stands
 * beside the rule, so alerts of one rule differ. `startsAt` is a Date in process and an ISO string
 * when the alert came over HTTP.
 */
export function alertTableRecord(a: {
  rule: string;
  state: string;
  muted: boolean;
  severity: string;
  tenant: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: Date | string;
}): Record<string, unknown> {
  return {
    rule: a.rule,
    state: a.muted ? `${a.state} (muted)` : a.state,
    severity: a.severity,
    tenant: a.tenant,
    entity: alertEntityName(a.labels, a.tenant),
    summary: a.annotations.summary ?? '',
    since: new Date(a.startsAt).toISOString(),
  };
}
