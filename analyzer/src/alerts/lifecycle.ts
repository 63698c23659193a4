/**
 * @module
 * Turns an evaluation's candidates into alert state: new conditions become pending, pending ones
 * fire once their `for` has passed (at once by default), pending ones whose condition is gone
 * lapse, and firing ones resolve once their condition has stayed false for `keep_firing_for`
 * (three evaluations by default), so one noisy evaluation does not resolve and re-page an
 * incident that is still going on.
 */

import type { AlertRuleConfig } from '@tokenwatch/config';
import { parseDuration } from '../shared/duration.ts';
import { DEFAULT_ANNOTATIONS } from './annotations.ts';
import { entityTerms, withTenant } from './entity-name.ts';
import { fingerprintOf, renderTemplate } from './labels.ts';
import type { AlertCandidate, AlertInstance } from './types.ts';

/** Evaluations a firing alert's condition must stay false before it resolves, by default. */
export const DEFAULT_KEEP_EVALUATIONS = 3;

/**
 * The full labels and rendered annotations of a candidate. `namedTenants`: several tenants share
 * the engine, so texts name the tenant too. A summary that does not name the entity (a rule's own
 * template) gets its name appended, so no notification leaves anyone guessing which one.
 */
export function describeCandidate(
  c: AlertCandidate,
  namedTenants = false,
): {
  labels: Record<string, string>;
  annotations: Record<string, string>;
} {
  const { rule } = c;
  const labels: Record<string, string> = {
    ...rule.labels,
    ...c.labels,
    alertname: rule.name,
    severity: rule.severity,
    tenant: c.tenant,
  };
  const baseName = String(c.values.entity_name ?? `tenant ${c.tenant}`);
  const entityName =
    baseName === `tenant ${c.tenant}` ? baseName : withTenant(baseName, c.tenant, namedTenants);
  const values = {
    ...c.values,
    tenant: c.tenant,
    rule: rule.name,
    severity: rule.severity,
    entity: labels.entity ?? c.tenant,
    entity_name: entityName,
  };
  const templates = { ...DEFAULT_ANNOTATIONS[rule.kind], ...rule.annotations };
  const annotations: Record<string, string> = {};
  for (const [key, template] of Object.entries(templates))
    annotations[key] = renderTemplate(template, values);
  const summary = annotations.summary ?? '';
  const terms = entityTerms(c.labels, c.tenant, namedTenants);
  if (!terms.every((t) => summary.includes(t)))
    annotations.summary = summary ? `${summary} (${entityName})` : entityName;
  return { labels, annotations };
}

/** Inputs of {@link reconcile}. */
export type ReconcileInput = {
  open: ReadonlyMap<string, AlertInstance>;
  candidates: readonly AlertCandidate[];
  now: Date;
  /** Rules whose evaluation failed: their open alerts are left as they are. */
  failedRules: ReadonlySet<string>;
  /** How long a firing alert of a rule stays firing after its condition is last seen. */
  keepFiringMs: (rule: string) => number;
  /** Several tenants share the engine: texts name the tenant. @default false */
  namedTenants?: boolean;
};

/** Outcome of {@link reconcile}; `changed` alerts need a new stored version. */
export type ReconcileResult = {
  open: Map<string, AlertInstance>;
  changed: AlertInstance[];
  resolved: AlertInstance[];
};

const nextVersion = (prev: number, now: Date) => Math.max(prev + 1, now.getTime() * 1000);
const forMs = (rule: AlertRuleConfig) => (rule.for ? parseDuration(rule.for) : 0);

/**
 * How long a rule keeps a firing alert firing without its condition: its `keep_firing_for`, else
 * {@link DEFAULT_KEEP_EVALUATIONS} evaluations; a rule no longer configured keeps nothing.
 */
export function keepFiringMs(rule: AlertRuleConfig | undefined, evaluateEveryMs: number): number {
  if (!rule) return 0;
  return rule.keep_firing_for
    ? parseDuration(rule.keep_firing_for)
    : DEFAULT_KEEP_EVALUATIONS * evaluateEveryMs;
}

/**
 * Applies one evaluation's candidates to the open alerts (pure; inputs are not mutated).
 * `resolving` alerts pass through untouched (the engine retries their resolves); a non-hold
 * candidate with the same identity starts a new occurrence in their place.
 */
export function reconcile(input: ReconcileInput): ReconcileResult {
  const { now } = input;
  const open = new Map<string, AlertInstance>();
  const changed: AlertInstance[] = [];
  const resolved: AlertInstance[] = [];
  for (const candidate of input.candidates) {
    const { labels, annotations } = describeCandidate(candidate, input.namedTenants);
    const fingerprint = fingerprintOf(labels);
    if (open.has(fingerprint)) continue;
    const stored = input.open.get(fingerprint);
    const prev = stored && stored.state !== 'resolving' ? stored : undefined;
    // Hysteresis: the weaker condition keeps a firing alert, it never starts one.
    if (candidate.hold && prev?.state !== 'firing') continue;
    let alert: AlertInstance = prev
      ? { ...prev, annotations, lastSeenAt: now }
      : {
          tenant: candidate.tenant,
          fingerprint,
          rule: candidate.rule.name,
          kind: candidate.rule.kind,
          severity: candidate.rule.severity,
          state: 'pending',
          labels,
          annotations,
          activeAt: now,
          startsAt: now,
          endsAt: null,
          notified: {},
          version: nextVersion(stored?.version ?? 0, now),
          lastSeenAt: now,
        };
    let dirty = !prev;
    if (
      alert.state === 'pending' &&
      now.getTime() - alert.activeAt.getTime() >= forMs(candidate.rule)
    ) {
      alert = {
        ...alert,
        state: 'firing',
        startsAt: now,
        version: nextVersion(alert.version, now),
      };
      dirty = true;
    }
    open.set(fingerprint, alert);
    if (dirty) changed.push(alert);
  }
  for (const [fingerprint, prev] of input.open) {
    if (open.has(fingerprint)) continue;
    if (prev.state === 'resolving' || input.failedRules.has(prev.rule)) {
      open.set(fingerprint, prev);
      continue;
    }
    const firing = prev.state === 'firing';
    if (firing) {
      // Unknown after a restart: count from now rather than resolve early.
      const lastSeenAt = prev.lastSeenAt ?? now;
      if (now.getTime() - lastSeenAt.getTime() < input.keepFiringMs(prev.rule)) {
        open.set(fingerprint, { ...prev, lastSeenAt });
        continue;
      }
    }
    const ended: AlertInstance = {
      ...prev,
      state: firing ? 'resolved' : 'inactive',
      endsAt: now,
      version: nextVersion(prev.version, now),
    };
    changed.push(ended);
    if (firing) resolved.push(ended);
  }
  return { open, changed, resolved };
}
