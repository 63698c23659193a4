/**
 * @module
 * Turns an evaluation's candidates into alert state: new conditions become pending, pending ones
 * fire once their `for` has passed (at once by default), and open alerts whose condition is gone
 * resolve (firing) or lapse (pending).
 */
import { parseDuration } from '../shared/duration.ts';
import { DEFAULT_ANNOTATIONS } from './annotations.ts';
import type { AlertRuleConfig } from './config.ts';
import { fingerprintOf, renderTemplate } from './labels.ts';
import type { AlertCandidate, AlertInstance } from './types.ts';

/** The full labels and rendered annotations of a candidate. */
export function describeCandidate(c: AlertCandidate): {
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
  const values = {
    ...c.values,
    tenant: c.tenant,
    rule: rule.name,
    severity: rule.severity,
    entity: labels.entity ?? c.tenant,
  };
  const templates = { ...DEFAULT_ANNOTATIONS[rule.kind], ...rule.annotations };
  const annotations: Record<string, string> = {};
  for (const [key, template] of Object.entries(templates))
    annotations[key] = renderTemplate(template, values);
  return { labels, annotations };
}

/** Inputs of {@link reconcile}. */
export type ReconcileInput = {
  open: ReadonlyMap<string, AlertInstance>;
  candidates: readonly AlertCandidate[];
  now: Date;
  /** Rules whose evaluation failed: their open alerts are left as they are. */
  failedRules: ReadonlySet<string>;
};

/** Outcome of {@link reconcile}; `changed` alerts need a new stored version. */
export type ReconcileResult = {
  open: Map<string, AlertInstance>;
  changed: AlertInstance[];
  resolved: AlertInstance[];
};

const nextVersion = (prev: number, now: Date) => Math.max(prev + 1, now.getTime() * 1000);
const forMs = (rule: AlertRuleConfig) => (rule.for ? parseDuration(rule.for) : 0);

/** Applies one evaluation's candidates to the open alerts (pure; inputs are not mutated). */
export function reconcile(input: ReconcileInput): ReconcileResult {
  const { now } = input;
  const open = new Map<string, AlertInstance>();
  const changed: AlertInstance[] = [];
  const resolved: AlertInstance[] = [];
  for (const candidate of input.candidates) {
    const { labels, annotations } = describeCandidate(candidate);
    const fingerprint = fingerprintOf(labels);
    if (open.has(fingerprint)) continue;
    const prev = input.open.get(fingerprint);
    let alert: AlertInstance = prev
      ? { ...prev, annotations }
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
          version: nextVersion(0, now),
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
    if (input.failedRules.has(prev.rule)) {
      open.set(fingerprint, prev);
      continue;
    }
    const firing = prev.state === 'firing';
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
