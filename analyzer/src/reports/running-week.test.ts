import { BudgetSchema, loadConfig } from '@tokenwatch/config';
import { insertLlmCalls } from '@tokenwatch/store';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  budgets as fixtureBudgets,
  pricer,
  seed,
  TENANT,
  TZ,
} from '../../test/support/report-fixture.ts';
import { makeCall } from '../../test/support/test-calls.ts';
import { evaluateBudgets } from '../budgets/evaluate.ts';
import { buildWeeklyReport } from './build.ts';
import { renderHtml } from './render-html.ts';
import { renderMarkdown } from './render-markdown.ts';
import type { WeeklyReport } from './schema.ts';
import { parseIsoWeek } from './week.ts';
import { renderWeeklyReport } from './weekly.ts';

// The report of a week still running (the fixture's 2026-W47, built on Wednesday 13:00 in
// Berlin), of a tenant whose spend is partly unattributed, and of an empty default week.

let t: TestStore;
const W47 = parseIsoWeek('2026-W47', TZ);
const WEDNESDAY = new Date('2026-11-18T12:00:00Z');

/**
 * The fixture's search-weekly, plus an organization-wide daily budget and per-agent ones (the
 * budgets the issue found missing or at $0.00).
 */
const budgets = [
  ...fixtureBudgets,
  BudgetSchema.parse({ id: 'cx-daily', period: 'daily', limit_usd: 0.4 }),
  BudgetSchema.parse({ id: 'agent-daily', per: 'agent', period: 'daily', limit_usd: 0.4 }),
  BudgetSchema.parse({ id: 'agent-weekly', per: 'agent', period: 'weekly', limit_usd: 1 }),
];

// Tenant `bare`: an agent without team or feature that spent $0.10 in W46 and $0.50 in W47, and
// a fully attributed one that spent $0.0062 in W47. Tenant `fresh`: two calls on W47's Wednesday.
const bare = (iso: string, spec: Record<string, string>, cost: string) =>
  makeCall({
    tenant: 'bare',
    requestModel: 'tw-large',
    at: Date.parse(iso),
    totalCost: cost,
    ...spec,
  });

let running: WeeklyReport;
let unattributed: WeeklyReport;

beforeAll(async () => {
  t = await openTestStore();
  await seed(t.store);
  await insertLlmCalls(t.store, [
    bare('2026-11-10T10:00:00Z', { agent: 'solo' }, '0.1'),
    bare('2026-11-17T10:00:00Z', { agent: 'solo' }, '0.5'),
    bare('2026-11-17T11:00:00Z', { agent: 'helper', team: 'ops', feature: 'triage' }, '0.0062'),
    makeCall({
      tenant: 'fresh',
      agent: 'a',
      at: Date.parse('2026-11-18T09:00:00Z'),
      totalCost: '0.001',
    }),
    makeCall({
      tenant: 'fresh',
      agent: 'a',
      at: Date.parse('2026-11-18T09:01:00Z'),
      totalCost: '0.001',
    }),
  ]);
  running = await buildWeeklyReport(t.store, {
    tenant: TENANT,
    ...W47,
    timezone: TZ,
    pricer,
    budgets,
    now: WEDNESDAY,
  });
  unattributed = await buildWeeklyReport(t.store, {
    tenant: 'bare',
    ...W47,
    timezone: TZ,
    pricer,
    now: new Date('2026-11-23T08:00:00Z'),
  });
}, 60_000);
afterAll(async () => t.cleanup());

const budgetFigures = (lines: WeeklyReport['budgets']) =>
  lines.map((b) => [b.budgetId, b.instance, b.spent, b.fraction, b.thresholdsReached]);

describe('a report of the running week', () => {
  it('states budgets as the budgets verb does now, with every per-agent instance', async () => {
    // Wednesday in Berlin: C4 + C5 + C8 of retriever, $0.45. The week so far: planner C1 + C2 + C3
    // $1.18, retriever $0.45; summarizer has not spent yet. Evaluated at the week's end instead,
    // cx-daily would read Sunday ($0) and agent-daily would have no instance at all.
    expect(budgetFigures(running.budgets)).toEqual([
      ['search-weekly', '', '1.63', 0.543333333, [0.5]],
      ['cx-daily', '', '0.45', 1.125, [0.5, 0.8, 1]],
      ['agent-daily', 'agent=retriever', '0.45', 1.125, [0.5, 0.8, 1]],
      ['agent-weekly', 'agent=planner', '1.18', 1.18, [0.5, 0.8, 1]],
      ['agent-weekly', 'agent=retriever', '0.45', 0.45, []],
    ]);
    expect(running.budgetsAt).toBe(WEDNESDAY.toISOString());
    // One truth: the same evaluation `tokenwatch budgets --at` runs.
    const verb = await evaluateBudgets(t.store, {
      budgets,
      timezone: TZ,
      now: WEDNESDAY,
      tenant: TENANT,
      record: false,
    });
    expect(
      running.budgets.map((b) => [b.budgetId, b.instance, b.spent, b.limit, b.fraction]),
    ).toEqual(verb.map((b) => [b.budgetId, b.instance, b.spent, b.limit, b.fraction]));
    const md = renderMarkdown(running);
    expect(md).toContain('| cx-daily | $0.45 | $0.40 | 112.5% | $0.45 |');
    expect(md).toContain('| agent-daily (agent=retriever) | $0.45 | $0.40 | 112.5% | $0.45 |');
    expect(md).toContain(
      'Period to date as of 2026-11-18T12:00:00.000Z (so far): `tokenwatch budgets --at 2026-11-18T12:00:00.000Z --tenant acme` shows the same.',
    );
    // HTML shows the same amounts by the same rule (it printed raw decimals before).
    expect(renderHtml(running)).toContain(
      '<tr><td>agent-weekly (agent=planner)</td><td>$1.18</td><td>$1.00</td><td>118%</td><td>$1.18</td></tr>',
    );
  });

  it('reads calendar budget periods in the budget zone, not the report zone', async () => {
    // The same week in UTC leaves out C1 (Sunday 23:30 UTC, Monday in Berlin); the configured
    // zone is Berlin, where search-weekly has spent $1.63, as `budgets` says.
    const utc = await buildWeeklyReport(t.store, {
      tenant: TENANT,
      ...parseIsoWeek('2026-W47', 'UTC'),
      timezone: 'UTC',
      budgetTimezone: TZ,
      pricer,
      budgets: fixtureBudgets,
      now: WEDNESDAY,
    });
    expect(utc.totals.current.costUsd).toBe('1.71');
    expect(budgetFigures(utc.budgets)).toEqual([['search-weekly', '', '1.63', 0.543333333, [0.5]]]);
  });

  it('has no figures, points or missing data for days still to come', () => {
    expect(running.daily.map((d) => [d.date, d.elapsed, d.costUsd, d.hitRate])).toEqual([
      ['2026-11-16', true, '0.3', 0], // C1 read nothing from the cache: a real 0%
      ['2026-11-17', true, '0.88', 400_000 / 580_000],
      ['2026-11-18', true, '0.45', 0],
      ['2026-11-19', false, '0', null],
      ['2026-11-20', false, '0', null],
      ['2026-11-21', false, '0', null],
      ['2026-11-22', false, '0', null],
    ]);
    expect(running.completeness).toMatchObject({ days: 3, daysWithData: 3, missingDays: [] });
    const html = renderHtml(running);
    const chart = /<svg[^>]*data-chart="cache-hit-rate"[\s\S]*?<\/svg>/.exec(html)![0];
    expect(
      [...chart.matchAll(/<circle class="point" data-date="([\d-]+)"/g)].map((m) => m[1]),
    ).toEqual(['2026-11-16', '2026-11-17', '2026-11-18']);
    expect(renderMarkdown(running)).toContain(
      '3 of 3 days so far have data, 4 days of the week still to come;',
    );
  });
});

describe('unattributed spend', () => {
  it('is stated apart, and (none) groups lead neither the headlines nor the movers', () => {
    expect(unattributed.concentration.map((c) => c.statement)).toEqual([
      'team ops is 1.2% of spend', // 0.0062 / 0.5062
      'agent solo is 98.8% of spend',
      'feature triage is 1.2% of spend',
      'model tw-large is 100% of spend',
    ]);
    expect(unattributed.unattributed).toEqual([
      {
        dimension: 'team',
        costUsd: '0.5',
        share: 0.987752,
        statement: '$0.50 (98.8%) of spend has no team',
      },
      {
        dimension: 'feature',
        costUsd: '0.5',
        share: 0.987752,
        statement: '$0.50 (98.8%) of spend has no feature',
      },
    ]);
    // (none) rose by $0.40 in team and feature: left out; solo's rise is the same money, named.
    expect(unattributed.topMovers.absolute.map((m) => [m.dimension, m.label, m.deltaUsd])).toEqual([
      ['provider', 'openai', '0.4062'],
      ['model', 'tw-large', '0.4062'],
      ['agent', 'solo', '0.4'],
      ['agent', 'helper', '0.0062'],
      ['team', 'ops', '0.0062'],
    ]);
    const md = renderMarkdown(unattributed);
    expect(md).toContain(
      '- $0.50 (98.8%) of spend has no team\n- $0.50 (98.8%) of spend has no feature',
    );
    expect(md).not.toMatch(/^- .*\(none\)/m);
    // A cost under a cent keeps its digits.
    expect(md).toContain('| ops | $0.0062 | 1.2% | $0.00 | +$0.0062 | new |');
  });
});

describe('an empty week', () => {
  const config = { ...loadConfig({ env: {}, cwd: '/nonexistent', flags: {} }), timezone: TZ };

  it('picked by default says which week it covered and how to pick another', async () => {
    const md = await renderWeeklyReport(t.store, {
      tenant: 'fresh',
      selection: { timezone: TZ },
      format: 'md',
      pricer,
      config,
      now: WEDNESDAY,
    });
    expect(md).toContain(
      '> No calls in 2026-W46 (2026-11-09 to 2026-11-15, Europe/Berlin), the last complete week, which the report covers by default.\n\n' +
        '> The current week has 2 calls so far: `tokenwatch report weekly --week 2026-W47`. ' +
        'Pick any week with `--week YYYY-Www` or a range with `--from` and `--to`.',
    );
    const html = await renderWeeklyReport(t.store, {
      tenant: 'fresh',
      selection: { timezone: TZ },
      format: 'html',
      pricer,
      config,
      now: WEDNESDAY,
    });
    expect(html).toContain('<code>tokenwatch report weekly --week 2026-W47</code>');
  });

  it('asked for explicitly has no notes', async () => {
    const json = await renderWeeklyReport(t.store, {
      tenant: 'fresh',
      selection: { timezone: TZ, week: '2026-W46' },
      format: 'json',
      pricer,
      config,
      now: WEDNESDAY,
    });
    expect((JSON.parse(json) as WeeklyReport).notes).toEqual([]);
  });
});
