import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BudgetConfig, ReportsConfig } from '@tokenwatch/config';
import type { Pricer } from '@tokenwatch/pricing';
import type { Store } from '@tokenwatch/store';
import type { Dimension } from '../analytics/dimensions.ts';
import type { FetchFn, RetryPolicy } from '../shared/http-delivery.ts';
import { addDays, localDateAt, startOfLocalDay } from '../shared/zoned-time.ts';
import { buildWeeklyReport } from './build.ts';
import { deliverReport, deliveryKey, REPORT_RETRY } from './deliver.ts';
import { getFocusRows } from './focus.ts';
import { getSentDeliveries, insertClaim, listClaims, recordDelivery } from './runs-repository.ts';
import { isoWeekAt, lastCompleteWeek } from './week.ts';

/** What the scheduler needs from the resolved config. */
export type ReportSchedulerConfig = {
  reports: ReportsConfig;
  /** Top-level timezone: the schedule's when it names none. */
  timezone: string;
  budgets: readonly BudgetConfig[];
};

/** Options of {@link createReportScheduler}. */
export type ReportSchedulerOptions = {
  store: Store;
  config: ReportSchedulerConfig;
  pricer: Pricer;
  /** @default () => new Date() */
  now?: () => Date;
  /** @default globalThis.fetch */
  fetch?: FetchFn;
  /** Where `*_env` secrets (Slack URLs, webhook signing secrets) are read. @default process.env */
  env?: Record<string, string | undefined>;
  /** Retries of Slack and webhook POSTs within a tick (429, 5xx, network). @default REPORT_RETRY */
  retry?: Partial<RetryPolicy>;
  /** Told about each failed delivery (it is tried again on the next tick). @default console.error */
  onError?: (error: unknown, delivery: string) => void;
  /**
   * This server's id in delivery claims; a restarted server with the same id resumes its own
   * claims at once. @default the host name
   */
  instance?: string;
  /** How long a claim waits for other servers' claims to land before it counts. @default 2000 */
  claimSettleMs?: number;
  /** After this long a claim whose delivery was not recorded is void. @default 10 minutes */
  claimLeaseMs?: number;
};

/** One delivery made by a tick. */
export type ReportRun = { tenant: string; week: string; delivery: string };

/** A running weekly report schedule. */
export type ReportScheduler = {
  /** Sends what is due and not yet sent; returns what it sent. */
  tick(): Promise<ReportRun[]>;
  /** Ticks every `intervalMs` (default one minute) until `stop`. */
  start(intervalMs?: number): void;
  stop(): Promise<void>;
};

const DAY_INDEX = {
  monday: 0,
  tuesday: 1,
  wednesday: 2,
  thursday: 3,
  friday: 4,
  saturday: 5,
  sunday: 6,
} as const;

/** When this week's report (covering the week before) is due, in epoch ms. */
function dueAt(config: ReportsConfig, timezone: string, now: Date): number {
  const monday = localDateAt(isoWeekAt(now, timezone).from.getTime(), timezone);
  const day = addDays(monday, DAY_INDEX[config.schedule.day]);
  const [h, m] = config.schedule.time.split(':').map(Number);
  // Whole hours from local midnight: a DST change on that morning shifts the send by an hour.
  return startOfLocalDay(day, timezone) + ((h ?? 0) * 60 + (m ?? 0)) * 60_000;
}

/**
 * The weekly report schedule: at the configured local day and time, builds the report of the
 * last complete ISO week for each tenant and sends it to each delivery. Each delivery is recorded
 * in `report_runs` after it succeeds, so a restart does not send a week twice, and claimed in
 * `report_claims` before it is sent, so of two servers over one store only one sends; a delivery
 * that still fails after its HTTP retries is tried again on the next tick. A tick after the due
 * time (the server was down) still sends that week's report until the next week begins.
 *
 * @example
 * const scheduler = createReportScheduler({ store, config, pricer: createPricer({ overrides: config.prices }) });
 * scheduler.start();
 */
export function createReportScheduler(options: ReportSchedulerOptions): ReportScheduler {
  const { store, config, pricer } = options;
  const now = options.now ?? (() => new Date());
  const deps = {
    fetch: options.fetch ?? globalThis.fetch,
    env: options.env ?? process.env,
    retry: { ...REPORT_RETRY, ...options.retry },
  };
  const onError =
    options.onError ??
    ((error: unknown, delivery: string) =>
      console.error(`report delivery ${delivery} failed`, error));
  const timezone = config.reports.schedule.timezone ?? config.timezone;
  const instance = options.instance ?? hostname();
  const settleMs = options.claimSettleMs ?? 2000;
  const leaseMs = options.claimLeaseMs ?? 600_000;
  let running: Promise<ReportRun[]> | undefined;

  /**
   * Whether this server may send a delivery: it holds the earliest live claim. Every server
   * inserts its claim and then waits `settleMs` before reading them all, so two that race both
   * see both claims and agree on the winner.
   */
  async function claim(tenant: string, week: string, delivery: string): Promise<boolean> {
    const key = { tenant, week, delivery };
    const live = () => listClaims(store, { ...key, since: new Date(now().getTime() - leaseMs) });
    const before = await live();
    if (before.length > 0) return before[0]!.instance === instance;
    await insertClaim(store, { ...key, instance, claimedAt: now() });
    await sleep(settleMs);
    return (await live())[0]?.instance === instance;
  }
  let timer: NodeJS.Timeout | undefined;

  async function tick(): Promise<ReportRun[]> {
    const at = now();
    if (!config.reports.enabled || at.getTime() < dueAt(config.reports, timezone, at)) return [];
    const week = lastCompleteWeek(at, timezone);
    const runs: ReportRun[] = [];
    for (const tenant of config.reports.tenants) {
      const sent = await getSentDeliveries(store, { tenant, week: week.label });
      const pending = config.reports.deliveries.filter((d) => !sent.has(deliveryKey(d)));
      if (pending.length === 0) continue;
      const report = await buildWeeklyReport(store, {
        tenant,
        from: week.from,
        to: week.to,
        timezone,
        by: config.reports.by as Dimension[] | undefined,
        pricer,
        budgets: config.budgets,
        budgetTimezone: config.timezone,
        now: at,
      });
      const focusRows = await getFocusRows(store, { tenant, range: week });
      for (const delivery of pending) {
        const key = deliveryKey(delivery);
        if (!(await claim(tenant, week.label, key))) continue;
        try {
          await deliverReport({ report, focusRows }, delivery, config.reports.formats, deps);
        } catch (error) {
          onError(error, key);
          continue;
        }
        await recordDelivery(store, {
          tenant,
          week: week.label,
          delivery: key,
          sentAt: now(),
          totalCostUsd: report.totals.current.costUsd,
        });
        runs.push({ tenant, week: week.label, delivery: key });
      }
    }
    return runs;
  }

  // Ticks never overlap within an instance, so one instance cannot send a week twice.
  const guarded = () => {
    running ??= tick().finally(() => {
      running = undefined;
    });
    return running;
  };

  return {
    tick: guarded,
    start(intervalMs = 60_000) {
      timer ??= setInterval(() => {
        guarded().catch((error: unknown) => onError(error, 'tick'));
      }, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
