import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decimal } from '@tokenwatch/pricing';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countColor, decodePng } from '../../test/support/png.ts';
import { pricer, seed, TENANT, TZ } from '../../test/support/report-fixture.ts';
import { buildWeeklyReport } from './build.ts';
import { FOCUS_COLUMNS, getFocusRows, renderFocusCsv } from './focus.ts';
import { ATTRIBUTION_CSV_COLUMNS, renderAttributionCsv, renderJson } from './render-csv.ts';
import { renderHtml } from './render-html.ts';
import { renderMarkdown } from './render-markdown.ts';
import { type WeeklyReport, WeeklyReportSchema } from './schema.ts';
import { PALETTE } from './svg-charts.ts';
import { parseIsoWeek } from './week.ts';

let t: TestStore;
let report: WeeklyReport;
const week = parseIsoWeek('2026-W47', TZ);

beforeAll(async () => {
  t = await openTestStore();
  await seed(t.store);
  report = await buildWeeklyReport(t.store, { tenant: TENANT, ...week, pricer });
}, 60_000);
afterAll(async () => t.cleanup());

/** RFC 4180: quoted fields may hold commas, CRLF and doubled quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  expect(field).toBe('');
  expect(row).toEqual([]);
  return rows;
}

const sum = (values: string[]) =>
  values.reduce((s, v) => s.plus(Decimal.from(v)), Decimal.ZERO).format();
const count = (text: string, needle: RegExp) => (text.match(needle) ?? []).length;

describe('renderers', () => {
  it('JSON round-trips through WeeklyReportSchema', () => {
    expect(WeeklyReportSchema.parse(JSON.parse(renderJson(report)))).toEqual(report);
  });

  it('attribution CSV has one row per attribution line and each table sums to the total', () => {
    const [header, ...rows] = parseCsv(renderAttributionCsv(report));
    expect(header).toEqual([...ATTRIBUTION_CSV_COLUMNS]);
    // team 2 + agent 3 + feature 3 + model 3 + provider 1
    expect(rows).toHaveLength(12);
    const col = (name: string) => header!.indexOf(name);
    for (const dimension of ['team', 'agent', 'feature', 'model', 'provider']) {
      const costs = rows
        .filter((r) => r[col('dimension')] === dimension)
        .map((r) => r[col('cost_usd')]!);
      expect(sum(costs)).toBe('2.01');
    }
    expect(rows.find((r) => r[col('label')] === 'billing')?.[col('delta_ratio')]).toBe('-0.366667');
  });

  it('quotes fields with commas and quotes', () => {
    const odd = structuredClone(report);
    odd.attribution.team![0]!.label = 'a "b", c';
    const rows = parseCsv(renderAttributionCsv(odd));
    expect(rows[1]?.[3]).toBe('a "b", c');
  });

  it('FOCUS rows use FOCUS 1.2 names, one row per component, and sum to the report total', async () => {
    const csv = renderFocusCsv(await getFocusRows(t.store, { tenant: TENANT, range: week }));
    const [header, ...rows] = parseCsv(csv);
    expect(header).toEqual([...FOCUS_COLUMNS]);
    // x_ columns come after every FOCUS column.
    const firstCustom = header!.findIndex((c) => c.startsWith('x_'));
    expect(header!.slice(firstCustom).every((c) => c.startsWith('x_'))).toBe(true);
    const col = (name: string) => header!.indexOf(name);
    // C1: input+output; C2+C3: 4 components; C4+C5+C8: input+output; C6: 3; C7: input+output.
    expect(rows).toHaveLength(13);
    expect(sum(rows.map((r) => r[col('BilledCost')]!))).toBe(report.totals.current.costUsd);
    expect(sum(rows.map((r) => r[col('EffectiveCost')]!))).toBe('2.01');
    const read = rows.find(
      (r) =>
        r[col('SkuPriceId')] === 'acmeai/tw-large/cache_read' && r[col('x_Agent')] === 'planner',
    );
    expect(read).toBeDefined();
    expect(read![col('ConsumedQuantity')]).toBe('400000');
    expect(read![col('PricingQuantity')]).toBe('0.4');
    expect(read![col('BilledCost')]).toBe('0.08');
    expect(read![col('ChargePeriodStart')]).toBe('2026-11-17T00:00:00Z');
    expect(JSON.parse(read![col('Tags')]!)).toEqual({
      team: 'search',
      agent: 'planner',
      feature: 'chat',
    });
    // C1 ran on the UTC day before the Berlin week's first UTC midnight: the charge period is clipped.
    const c1 = rows.find((r) => r[col('ChargePeriodEnd')] === '2026-11-16T00:00:00Z');
    expect(c1?.[col('ChargePeriodStart')]).toBe('2026-11-15T23:00:00Z');
    for (const r of rows) {
      expect(r[col('ServiceCategory')]).toBe('AI and Machine Learning');
      expect(r[col('ChargeCategory')]).toBe('Usage');
      expect(r[col('ConsumedUnit')]).toBe('Tokens');
      expect(r[col('BillingPeriodStart')]).toBe('2026-11-15T23:00:00Z');
      expect(r[col('BillingPeriodEnd')]).toBe('2026-11-22T23:00:00Z');
    }
  });

  it('Markdown carries the totals, movers and concentration', () => {
    const md = renderMarkdown(report);
    expect(md).toContain('**$2.01** over 8 calls');
    expect(md).toContain('+$0.91 (+82.7%) vs last week ($1.10)');
    expect(md).toContain('- agent planner is 58.7% of spend');
    expect(md).toContain('| search | $1.63 | 81.1% | $0.50 | +$1.13 | +226% |');
    expect(md).toContain('5 of 7 days have data (none on 2026-11-21, 2026-11-22)');
  });

  it('says what the alert engine saw, or that it saw nothing', () => {
    expect(renderMarkdown(report)).toContain(
      '## Alerts and anomalies\n\nNo alerts fired and no budget threshold was reached this week.',
    );
    const item = {
      rule: 'runaway',
      kind: 'burn_rate_anomaly',
      severity: 'page',
      entity: 'agent:planner',
      summary: 'agent:planner is burning usd at 4.2x its normal rate (acme)',
      labels: {},
      startsAt: '2026-11-18T10:00:00.000Z',
      endsAt: null,
      minutes: 125,
    };
    const threshold = {
      budgetId: 'search-weekly',
      instance: '',
      threshold: 0.8,
      reachedAt: '2026-11-19T09:00:00.000Z',
      unit: 'usd' as const,
      spent: '2.4',
      limit: '3',
    };
    const withAlerts: WeeklyReport = {
      ...report,
      alerts: {
        occurrences: 1,
        bySeverity: { page: 1 },
        items: [item],
        anomalies: [item],
        budgetThresholds: [threshold],
      },
    };
    const md = renderMarkdown(withAlerts);
    expect(md).toContain(
      '1 alert fired (1 page); 1 burn-rate anomaly: agent:planner; 1 budget threshold reached.',
    );
    expect(md).toContain(
      '| 2026-11-18T10:00:00.000Z | page | agent:planner is burning usd at 4.2x its normal rate (acme) | 2h 5m (still firing) |',
    );
    expect(md).toContain('| 2026-11-19T09:00:00.000Z | search-weekly | 80% | $2.40 | $3.00 |');
    expect(renderHtml(withAlerts)).toContain('<td>2h 5m (still firing)</td>');
  });

  it('HTML is self-contained with the three SVG charts', () => {
    const html = renderHtml(report);
    expect(html).not.toMatch(/<script|<link|src=|href=|url\(/i);
    const chart = (id: string) => {
      const m = new RegExp(`<svg[^>]*data-chart="${id}"[\\s\\S]*?</svg>`).exec(html);
      expect(m).not.toBeNull();
      return m![0];
    };
    // Mon, Tue, Wed search; Thu billing; Fri spent $0; nothing on the weekend.
    const daily = chart('daily-by-team');
    expect(count(daily, /<rect class="seg"/g)).toBe(4);
    expect(count(daily, /data-team="billing"/g)).toBe(1);
    expect(count(chart('top-agents'), /<rect class="bar"/g)).toBe(3);
    // A rate for Monday to Friday; the weekend had no calls, so no point (not a 0% one).
    expect(count(chart('cache-hit-rate'), /<circle class="point"/g)).toBe(5);
    expect(chart('cache-hit-rate')).not.toContain('data-date="2026-11-21"');
    // The tallest segment is the day with the most spend (Tuesday, $0.88): full chart height.
    expect(daily).toMatch(
      /data-date="2026-11-17" data-team="search" x="[\d.]+" y="30" width="[\d.]+" height="160"/,
    );
  });

  it.runIf(existsSync('/usr/bin/chromium'))(
    'renders in headless Chromium with the charts drawn',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-report-'));
      try {
        const html = join(dir, 'report.html');
        const png = join(dir, 'report.png');
        writeFileSync(html, renderHtml(report));
        execFileSync(
          '/usr/bin/chromium',
          [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
            `--user-data-dir=${join(dir, 'profile')}`,
            `--screenshot=${png}`,
            '--window-size=1200,2000',
            `file://${html}`,
          ],
          { timeout: 60_000, stdio: 'ignore' },
        );
        const image = decodePng(readFileSync(png));
        expect(image.width).toBe(1200);
        // Drawn charts, counted in pixels of their colours: the search team's stacked bars plus
        // the top-agents bars (blue), billing's Thursday bar (orange), the cache line (green).
        // The page's text and tables use none of these colours; a legend swatch is 100 pixels.
        const blue = countColor(image, PALETTE[0]!);
        const orange = countColor(image, PALETTE[1]!);
        const green = countColor(image, PALETTE[2]!);
        expect(blue).toBeGreaterThan(20_000);
        expect(orange).toBeGreaterThan(1_000);
        expect(green).toBeGreaterThan(500);
        // Every visible chart title is on the page the charts are.
        const page = readFileSync(html, 'utf8');
        for (const title of [
          'Daily spend by team',
          'Top agents by spend',
          'Cache hit rate per day',
        ])
          expect(page).toContain(`<figcaption>${title}</figcaption>`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
