import { AlertsSchema, AnomaliesSchema } from '@tokenwatch/config';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgets, pricer, seed, TENANT, TZ } from '../../test/support/report-fixture.ts';
import { createAlertEngine } from '../alerts/engine.ts';
import { recordAlertHistory } from '../alerts/history-repository.ts';
import { fingerprintOf } from '../alerts/labels.ts';
import type { AlertInstance } from '../alerts/types.ts';
import { buildWeeklyReport } from './build.ts';
import { type WeeklyReport, WeeklyReportSchema } from './schema.ts';
import { parseIsoWeek } from './week.ts';

let t: TestStore;
let report: WeeklyReport;

const anomaly = (startsAt: string, endsAt: string | null): AlertInstance => ({
  tenant: TENANT,
  fingerprint: fingerprintOf({ alertname: 'runaway', entity: 'agent:planner' }),
  rule: 'runaway',
  kind: 'burn_rate_anomaly',
  severity: 'page',
  state: endsAt ? 'resolved' : 'firing',
  labels: { alertname: 'runaway', entity: 'agent:planner' },
  annotations: { summary: 'agent:planner is burning usd at 4.2x its normal rate (acme)' },
  activeAt: new Date(startsAt),
  startsAt: new Date(startsAt),
  endsAt: endsAt ? new Date(endsAt) : null,
  notified: {},
  version: 1,
});

/**
 * The week's alert history: the real engine with a budget threshold rule, evaluated at the end
 * of Tuesday (search at $1.18 of $3), Wednesday ($1.63, past 50%) and after the week (a new
 * budget period, so the alert resolves); plus burn-rate anomalies recorded as the engine does.
 */
async function seedAlerts(): Promise<void> {
  const engine = createAlertEngine({
    store: t.store,
    config: {
      alerts: AlertsSchema.parse({
        rules: [{ name: 'search-budget', kind: 'budget_threshold', severity: 'ticket' }],
      }),
      budgets,
      anomalies: AnomaliesSchema.parse({}),
      timezone: TZ,
    },
  });
  for (const at of ['2026-11-17T22:00:00Z', '2026-11-18T22:00:00Z', '2026-11-23T00:00:00Z'])
    await engine.evaluate(new Date(at));
  await recordAlertHistory(t.store, [
    // Fired and resolved inside the week, its firing row written twice (a replay after a crash).
    anomaly('2026-11-18T10:00:00Z', null),
    anomaly('2026-11-18T10:00:00Z', null),
    anomaly('2026-11-18T10:00:00Z', '2026-11-18T10:30:00Z'),
    // The week before: not this week's.
    anomaly('2026-11-10T10:00:00Z', null),
    anomaly('2026-11-10T10:00:00Z', '2026-11-10T11:00:00Z'),
    // Still firing when the report is built.
    anomaly('2026-11-22T21:00:00Z', null),
  ]);
}

beforeAll(async () => {
  t = await openTestStore();
  await seed(t.store);
  await seedAlerts();
  report = await buildWeeklyReport(t.store, {
    tenant: TENANT,
    ...parseIsoWeek('2026-W47', TZ),
    timezone: TZ,
    by: ['team', 'agent'],
    pricer,
    budgets,
    now: new Date('2026-11-23T08:00:00Z'),
  });
}, 60_000);
afterAll(async () => t.cleanup());

const line = (dimension: string, label: string) =>
  report.attribution[dimension]?.find((l) => l.label === label);

describe('buildWeeklyReport', () => {
  it('covers the Berlin ISO week and validates against its schema', () => {
    expect(report.week).toEqual({
      label: '2026-W47',
      from: '2026-11-15T23:00:00.000Z',
      to: '2026-11-22T23:00:00.000Z',
      timezone: TZ,
    });
    expect(WeeklyReportSchema.parse(JSON.parse(JSON.stringify(report)))).toEqual(report);
  });

  it('totals the week against the previous week and the four-week average', () => {
    // 0.30 + 0.44 + 0.44 + 0.30 + 0.10 + 0.05 + 0.38 + NULL
    expect(report.totals.current).toEqual({ costUsd: '2.01', calls: 8, tokens: 1_571_100 });
    expect(report.totals.previous).toEqual({ costUsd: '1.1', calls: 3, tokens: 450_000 });
    // Only W46 has data among the four weeks before: 1.10 / 4.
    expect(report.totals.fourWeekAverage).toEqual({
      costUsd: '0.275',
      calls: 0.75,
      tokens: 112_500,
    });
    expect(report.totals.deltaUsd).toBe('0.91');
    expect(report.totals.deltaRatio).toBe(0.827273); // 0.91 / 1.10
    expect(report.totals.vsFourWeekAverageRatio).toBe(6.309091); // 1.735 / 0.275
  });

  it('attributes spend by team, agent, feature, model and provider with shares and deltas', () => {
    expect(
      report.attribution.team?.map((l) => [
        l.label,
        l.costUsd,
        l.previousCostUsd,
        l.deltaUsd,
        l.deltaRatio,
        l.share,
      ]),
    ).toEqual([
      ['search', '1.63', '0.5', '1.13', 2.26, 0.810945],
      ['billing', '0.38', '0.6', '-0.22', -0.366667, 0.189055],
    ]);
    expect(
      report.attribution.agent?.map((l) => [l.label, l.costUsd, l.deltaUsd, l.deltaRatio]),
    ).toEqual([
      ['planner', '1.18', '0.88', 2.933333],
      ['retriever', '0.45', '0.25', 1.25],
      ['summarizer', '0.38', '-0.22', -0.366667],
    ]);
    expect(report.attribution.feature?.map((l) => [l.label, l.costUsd])).toEqual([
      ['chat', '1.18'],
      ['search', '0.45'],
      ['reports', '0.38'],
    ]);
    expect(report.attribution.model?.map((l) => [l.label, l.costUsd, l.deltaUsd, l.calls])).toEqual(
      [
        ['tw-large', '1.56', '0.66', 4],
        ['tw-small', '0.45', '0.25', 3],
        ['mystery', '0', '0', 1],
      ],
    );
    expect(line('provider', 'acmeai')).toMatchObject({
      costUsd: '2.01',
      share: 1,
      deltaUsd: '0.91',
    });
    expect(line('team+agent', 'search / planner')).toMatchObject({
      costUsd: '1.18',
      previousCostUsd: '0.3',
    });
    expect(line('agent', 'planner')?.tokens).toBe(730_000); // 110k + 2 × 310k
  });

  it('ranks top movers by dollars and by ratio', () => {
    expect(report.topMovers.absolute.map((m) => [m.dimension, m.label, m.deltaUsd])).toEqual([
      ['team', 'search', '1.13'],
      ['provider', 'acmeai', '0.91'],
      ['feature', 'chat', '0.88'],
      ['agent', 'planner', '0.88'],
      ['model', 'tw-large', '0.66'],
    ]);
    expect(report.topMovers.relative.map((m) => [m.dimension, m.label, m.deltaRatio])).toEqual([
      ['feature', 'chat', 2.933333],
      ['agent', 'planner', 2.933333],
      ['team', 'search', 2.26],
      ['agent', 'retriever', 1.25],
      ['feature', 'search', 1.25],
    ]);
  });

  it('states concentration', () => {
    expect(report.concentration.map((c) => c.statement)).toEqual([
      'team search is 81.1% of spend',
      'agent planner is 58.7% of spend',
      'feature chat is 58.7% of spend',
      'model tw-large is 77.6% of spend', // 1.56 / 2.01
    ]);
  });

  it('reports cost per task and per successful task by agent with the change', () => {
    expect(report.tasks).toEqual([
      {
        agent: 'planner',
        tasks: 2,
        successes: 2,
        failures: 0,
        costUsd: '1.18',
        costPerTaskUsd: '0.59',
        costPerSuccessfulTaskUsd: '0.59',
        previousCostPerTaskUsd: '0.3',
        previousCostPerSuccessfulTaskUsd: '0.3',
        costPerSuccessfulTaskDeltaRatio: 0.966667, // 0.29 / 0.30
      },
      {
        agent: 'retriever',
        tasks: 1,
        successes: 0,
        failures: 1,
        costUsd: '0.45',
        costPerTaskUsd: '0.45',
        costPerSuccessfulTaskUsd: null,
        previousCostPerTaskUsd: '0.2',
        previousCostPerSuccessfulTaskUsd: '0.2',
        costPerSuccessfulTaskDeltaRatio: null,
      },
      {
        agent: 'summarizer',
        tasks: 1,
        successes: 1,
        failures: 0,
        costUsd: '0.38',
        costPerTaskUsd: '0.38',
        costPerSuccessfulTaskUsd: '0.38',
        previousCostPerTaskUsd: '0.6',
        previousCostPerSuccessfulTaskUsd: '0.6',
        costPerSuccessfulTaskDeltaRatio: -0.366667,
      },
    ]);
  });

  it('reports failure cost and retry waste', () => {
    expect(report.failures).toMatchObject({
      failedTaskCostUsd: '0.45', // T3: C4 + C5 + C8
      failedCallCostUsd: '0.1', // C5
      retryCostUsd: '0.44', // C3
      retries: 1,
    });
    const planner = report.failures.agents.find((a) => a.agent === 'planner');
    expect(planner?.wasteShare).toBeCloseTo(0.44 / 1.18, 9);
  });

  it('reports cache hit rate, savings and the agents breaking their cache', () => {
    // reads 400k + 400k over prompts 680k (planner) + 300k (retriever) + 501k (summarizer)
    expect(report.cache.hitRate).toBeCloseTo(800_000 / 1_481_000, 12);
    expect(report.cache.previousHitRate).toBe(0);
    // planner: 680k at $2/M = 1.36 − 0.68 paid; summarizer: 500k at $2/M = 1.00 − 0.28 paid
    expect(report.cache.savingsUsd).toBe('1.4');
    expect(report.cache.agents.map((a) => [a.agent, a.savingsUsd])).toEqual([
      ['planner', '0.68'],
      ['retriever', '0'],
      ['summarizer', '0.72'],
    ]);
    // C3's write of prefix p1 is never read again within 5 minutes.
    expect(report.cache.wastedWriteCostUsd).toBe('0.1');
    expect(report.cache.agentsBreakingCache).toEqual(['retriever']);
  });

  it('reports budgets read-only at the end of the week', () => {
    expect(report.budgets).toEqual([
      expect.objectContaining({
        budgetId: 'search-weekly',
        spent: '1.63',
        limit: '3',
        thresholdsReached: [0.5],
        periodStart: '2026-11-15T23:00:00.000Z',
        projected: '1.63', // nothing spent in the last hour of the week
        exhausted: false,
      }),
    ]);
    expect(report.budgets[0]?.fraction).toBeCloseTo(1.63 / 3, 9);
  });

  it('lists the alerts that fired during the week, the anomalies and budget thresholds', () => {
    const a = report.alerts;
    expect(
      a.items.map((i) => [i.rule, i.kind, i.severity, i.entity, i.startsAt, i.endsAt, i.minutes]),
    ).toEqual([
      // 30 minutes; the duplicated firing row counts once.
      [
        'runaway',
        'burn_rate_anomaly',
        'page',
        'agent:planner',
        '2026-11-18T10:00:00.000Z',
        '2026-11-18T10:30:00.000Z',
        30,
      ],
      // From Wednesday 23:00 Berlin to the first evaluation of the next budget period: 4 d 2 h.
      [
        'search-budget',
        'budget_threshold',
        'ticket',
        'budget:search-weekly',
        '2026-11-18T22:00:00.000Z',
        '2026-11-23T00:00:00.000Z',
        98 * 60,
      ],
      // Open at the report's build time (08:00 on Monday): 11 h.
      [
        'runaway',
        'burn_rate_anomaly',
        'page',
        'agent:planner',
        '2026-11-22T21:00:00.000Z',
        null,
        11 * 60,
      ],
    ]);
    expect(a.items[1]?.summary).toBe(
      'team search reached 50% of budget search-weekly (54.3% spent)',
    );
    expect(a.occurrences).toBe(3);
    expect(a.bySeverity).toEqual({ page: 2, ticket: 1 });
    expect(a.anomalies.map((i) => i.startsAt)).toEqual([
      '2026-11-18T10:00:00.000Z',
      '2026-11-22T21:00:00.000Z',
    ]);
    expect(a.budgetThresholds).toEqual([
      {
        budgetId: 'search-weekly',
        instance: '',
        threshold: 0.5,
        reachedAt: '2026-11-18T22:00:00.000Z',
        unit: 'usd',
        spent: '1.63',
        limit: '3',
      },
    ]);
  });

  it('counts unpriced calls and days without data', () => {
    expect(report.unpriced).toEqual({ calls: 1, byModel: [{ model: 'mystery', calls: 1 }] });
    expect(report.completeness).toEqual({
      days: 7,
      daysWithData: 5,
      missingDays: ['2026-11-21', '2026-11-22'],
      // Only one of the four weeks before has any data: no hour is usually busy.
      gaps: [],
      rejectedSpans: 0,
      rejectedRequests: 0,
      rejections: [],
    });
    expect(report.daily.map((d) => [d.date, d.costUsd, d.byTeam])).toEqual([
      ['2026-11-16', '0.3', { search: '0.3' }],
      ['2026-11-17', '0.88', { search: '0.88' }],
      ['2026-11-18', '0.45', { search: '0.45' }],
      ['2026-11-19', '0.38', { billing: '0.38' }],
      ['2026-11-20', '0', { billing: '0' }],
      ['2026-11-21', '0', {}],
      ['2026-11-22', '0', {}],
    ]);
    expect(report.daily[1]?.hitRate).toBeCloseTo(400_000 / 580_000, 12);
  });
});
