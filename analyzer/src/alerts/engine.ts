import {
  type AlertsConfig,
  type AnomaliesConfig,
  type BudgetConfig,
  effectiveAlertRules,
} from '@tokenwatch/config';
import type { Pricer } from '@tokenwatch/pricing';
import type { Store } from '@tokenwatch/store';
import { createAnomalyRecorder } from '../anomalies/index.ts';
import { parseDuration } from '../shared/duration.ts';
import { DEFAULT_RETRY, type FetchFn, type RetryPolicy } from '../shared/http-delivery.ts';
import { collectCandidates, type RuleError } from './collect.ts';
import { planDeliveries, sendPlan } from './deliver.ts';
import { recordAlertHistory } from './history-repository.ts';
import { mutedFingerprints } from './inhibition.ts';
import { DEFAULT_KEEP_EVALUATIONS, keepFiringMs, reconcile } from './lifecycle.ts';
import type { NotifyContext } from './notifiers/types.ts';
import { loadOpenAlerts, recordDeliveries, saveAlerts } from './state-repository.ts';
import type { AlertInstance, DeliveryResult } from './types.ts';

/** The parts of the resolved `Config` the engine reads (`Config` itself once it has `alerts`). */
export type AlertEngineConfig = {
  alerts: AlertsConfig;
  budgets: readonly BudgetConfig[];
  anomalies: AnomaliesConfig;
  timezone: string;
  /** API keys: the tenants they name tell whether several tenants share this engine. */
  apiKeys?: readonly { tenant: string }[];
};

/** Options of {@link createAlertEngine}. */
export type AlertEngineOptions = {
  store: Store;
  config: AlertEngineConfig;
  /** Clock of timer-driven evaluations. @default () => new Date() */
  now?: () => Date;
  /** HTTP client of notifiers. @default globalThis.fetch */
  fetch?: FetchFn;
  /** Where `*_env` secrets are looked up, at send time. @default process.env */
  env?: Record<string, string | undefined>;
  /** Needed by `cache_hit_rate_drop` rules only. */
  pricer?: Pricer;
  /** Retries of 429, 5xx and network errors. @default DEFAULT_RETRY */
  retry?: Partial<RetryPolicy>;
  /** Where timer-driven evaluation failures go. @default console.error */
  onError?: (err: unknown) => void;
};

/** How long a receiver's failed resolve is retried before it is given up. */
const RESOLVE_RETRY_MS = 86_400_000;

/** An open alert as evaluated; `muted` ones are inhibited by another alert. */
export type AlertView = AlertInstance & { muted: boolean };

/** The outcome of one evaluation. */
export type AlertEvaluation = {
  at: Date;
  /** Pending and firing alerts after this evaluation. */
  alerts: AlertView[];
  /** Alerts that resolved at this evaluation. */
  resolved: AlertInstance[];
  deliveries: DeliveryResult[];
  /** Rules that failed; their open alerts were left unchanged. */
  errors: RuleError[];
};

/** The alert engine: rules → alert state → notifications. */
export type AlertEngine = {
  /**
   * Evaluates every rule at `now`, updates and persists alert state, and notifies receivers.
   * A dry run computes the same and sends, records and persists nothing.
   */
  evaluate(now?: Date, options?: { dryRun?: boolean }): Promise<AlertEvaluation>;
  /** Open alerts (as of the last evaluation, or the store before the first). */
  list(options?: { tenant?: string }): Promise<AlertView[]>;
  /** Sends a synthetic info alert to one receiver (recorded like any delivery). */
  test(receiver: string, now?: Date): Promise<DeliveryResult>;
  /** Evaluates now and every `evaluate_every`. */
  start(): void;
  /** Stops the timer and waits for a running evaluation. */
  stop(): Promise<void>;
};

/**
 * Creates an alert engine over a migrated store. State lives in `alert_state`, so a new engine
 * over the same store carries on open incidents without notifying them again.
 *
 * @example
 * const engine = createAlertEngine({ store, config });
 * engine.start(); // in `serve`
 * await engine.stop();
 */
export function createAlertEngine(options: AlertEngineOptions): AlertEngine {
  const { store, config } = options;
  const clock = options.now ?? (() => new Date());
  const rules = effectiveAlertRules(config.alerts);
  const rulesByName = new Map(rules.map((r) => [r.name, r]));
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const evaluateEveryMs = parseDuration(config.alerts.evaluate_every);
  const recorder = createAnomalyRecorder({
    store,
    keepMs: DEFAULT_KEEP_EVALUATIONS * evaluateEveryMs,
    longWindowMs: parseDuration(config.anomalies.long_window),
  });
  const configuredTenants = [
    ...(config.alerts.tenants ?? []),
    ...(config.apiKeys ?? []).map((k) => k.tenant),
    ...config.budgets.flatMap((b) => (b.tenant === undefined ? [] : [b.tenant])),
  ];
  let open: Map<string, AlertInstance> | undefined;
  let muted = new Set<string>();
  let running: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  const notifyContext = (now: Date): NotifyContext => ({
    fetch: options.fetch ?? globalThis.fetch,
    env: options.env ?? process.env,
    retry,
    now,
    externalUrl: config.alerts.external_url,
    // Four missed evaluations (at least five minutes, Alertmanager's resolve_timeout) end it.
    alertmanagerTtlMs: Math.max(4 * evaluateEveryMs, 300_000),
  });

  async function loadState(): Promise<Map<string, AlertInstance>> {
    if (!open) {
      const alerts = await loadOpenAlerts(store, config.alerts.tenants);
      open = new Map(alerts.map((a) => [a.fingerprint, a]));
    }
    return open;
  }

  async function evaluateOnce(now: Date, dryRun: boolean): Promise<AlertEvaluation> {
    const current = await loadState();
    const collected = await collectCandidates({
      store,
      rules,
      budgets: config.budgets,
      anomalies: config.anomalies,
      timezone: config.timezone,
      pricer: options.pricer,
      tenants: config.alerts.tenants,
      now,
      record: !dryRun,
    });
    const tenants = new Set(configuredTenants);
    for (const c of collected.candidates) tenants.add(c.tenant);
    for (const a of current.values()) tenants.add(a.tenant);
    const next = reconcile({
      open: current,
      candidates: collected.candidates,
      now,
      failedRules: collected.failedRules,
      keepFiringMs: (rule) => keepFiringMs(rulesByName.get(rule), evaluateEveryMs),
      namedTenants: tenants.size > 1,
    });
    const firing = [...next.open.values()].filter((a) => a.state === 'firing');
    const resolving = [...next.open.values()].filter((a) => a.state === 'resolving');
    const nextMuted = mutedFingerprints(firing);
    const plan = planDeliveries({
      alerts: config.alerts,
      rules: rulesByName,
      notifiable: firing.filter((a) => !nextMuted.has(a.fingerprint)),
      resolved: [...next.resolved, ...resolving],
      now,
    });
    const deliveries = await sendPlan(plan, config.alerts.receivers, notifyContext(now), dryRun);
    const changed = new Map(next.changed.map((a) => [a.fingerprint, a]));
    // A resolve that failed on a retryable error is owed: the alert stays `resolving`, and the
    // next evaluations send it again, as a failed trigger is sent again.
    for (const alert of [...next.resolved, ...resolving]) {
      const owed: Record<string, number> = {};
      for (const d of deliveries) {
        if (d.fingerprint !== alert.fingerprint || d.event !== 'resolve') continue;
        if (d.status === 'failed' && d.retryable) owed[d.receiver] = alert.notified[d.receiver]!;
      }
      const givenUp = now.getTime() - (alert.endsAt?.getTime() ?? 0) >= RESOLVE_RETRY_MS;
      const state = Object.keys(owed).length > 0 && !givenUp ? 'resolving' : 'resolved';
      if (state === alert.state && state === 'resolved') continue;
      const updated: AlertInstance = {
        ...alert,
        state,
        notified: state === 'resolving' ? owed : alert.notified,
        version: Math.max(alert.version + 1, now.getTime() * 1000),
      };
      if (state === 'resolving') next.open.set(alert.fingerprint, updated);
      else next.open.delete(alert.fingerprint);
      changed.set(alert.fingerprint, updated);
    }
    for (const d of deliveries) {
      if (d.event === 'resolve' || (d.status !== 'sent' && (d.status !== 'failed' || d.retryable)))
        continue;
      const alert = next.open.get(d.fingerprint);
      // Alertmanager is re-sent every evaluation; only its first delivery changes state.
      if (!alert || (d.receiverKind === 'alertmanager' && alert.notified[d.receiver] !== undefined))
        continue;
      const updated = {
        ...alert,
        notified: { ...alert.notified, [d.receiver]: now.getTime() },
        version: Math.max(alert.version + 1, now.getTime() * 1000),
      };
      next.open.set(d.fingerprint, updated);
      changed.set(d.fingerprint, updated);
    }
    const errors = [...collected.errors];
    if (!dryRun) {
      // Deliveries first: a crash in between re-sends rather than forgets.
      await recordDeliveries(store, deliveries);
      await recordAlertHistory(store, next.changed);
      await saveAlerts(store, [...changed.values()]);
      open = next.open;
      muted = nextMuted;
      for (const [tenant, anomalies] of collected.anomalies) {
        try {
          await recorder.record(tenant, now, anomalies);
        } catch (err) {
          errors.push({
            rule: 'anomaly history',
            tenant,
            message: err instanceof Error ? err.message : String(err),
          });
        }
      }
    }
    return {
      at: now,
      alerts: view(next.open, nextMuted),
      resolved: next.resolved,
      deliveries,
      errors,
    };
  }

  function serialize<T>(fn: () => Promise<T>): Promise<T> {
    const result = running.then(fn, fn);
    running = result.catch(() => undefined);
    return result;
  }

  const engine: AlertEngine = {
    evaluate(now = clock(), evaluateOptions = {}) {
      return serialize(() => evaluateOnce(now, evaluateOptions.dryRun === true));
    },
    async list(listOptions = {}) {
      const alerts = view(await serialize(loadState), muted);
      return listOptions.tenant === undefined
        ? alerts
        : alerts.filter((a) => a.tenant === listOptions.tenant);
    },
    test(receiverName, now = clock()) {
      return serialize(() => sendTest(receiverName, now));
    },
    start() {
      if (timer) return;
      const tick = () => {
        engine.evaluate(clock()).catch(options.onError ?? console.error);
      };
      tick();
      timer = setInterval(tick, evaluateEveryMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
  return engine;

  async function sendTest(receiverName: string, now: Date): Promise<DeliveryResult> {
    const receiver = config.alerts.receivers.find((r) => r.name === receiverName);
    if (!receiver) throw new Error(`no receiver named ${JSON.stringify(receiverName)}`);
    const labels = { alertname: 'tokenwatch_test', severity: 'info', tenant: 'tokenwatch' };
    const alert: AlertInstance = {
      tenant: 'tokenwatch',
      fingerprint: `test-${now.getTime()}`,
      rule: 'tokenwatch_test',
      kind: 'unpriced_calls',
      severity: 'info',
      state: 'firing',
      labels,
      annotations: { summary: `Tokenwatch test notification to ${receiverName}` },
      activeAt: now,
      startsAt: now,
      endsAt: null,
      notified: {},
      version: 0,
    };
    const plan = new Map([[receiver.name, [{ alert, event: 'trigger' as const }]]]);
    const [result] = await sendPlan(plan, [receiver], notifyContext(now), false);
    await recordDeliveries(store, [result!]);
    return result!;
  }
}

/** Pending and firing alerts (not `resolving` ones: those are over, only a resolve is owed). */
function view(open: ReadonlyMap<string, AlertInstance>, muted: ReadonlySet<string>): AlertView[] {
  return [...open.values()]
    .filter((a) => a.state === 'pending' || a.state === 'firing')
    .map((a) => ({ ...a, muted: muted.has(a.fingerprint) }));
}
