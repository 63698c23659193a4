import { expect, it } from 'vitest';
import { describeDashboard, rowsWhere } from './support/panel-suite.ts';
import { num } from './support/runner.ts';
import { CALLS, type Call, costOf } from './support/seed.ts';

const DAY = 86_400_000;

/** Period starts (epoch ms) in a zone with a fixed offset from UTC, as ClickHouse computes them. */
function periodStarts(offsetMs: number, now = Date.now()) {
  const local = new Date(now + offsetMs);
  const day = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
  const monday = day - ((local.getUTCDay() + 6) % 7) * DAY;
  const month = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), 1);
  const nextMonth = Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 1);
  return {
    day: day - offsetMs,
    week: monday - offsetMs,
    month: month - offsetMs,
    nextMonth: nextMonth - offsetMs,
  };
}

const since = (ms: number, calls: readonly Call[] = CALLS) =>
  costOf(calls.filter((c) => c.startTime >= BigInt(ms) * 1_000_000n));

function expectPeriods(row: Record<string, unknown>, calls: readonly Call[], offsetMs = 0) {
  const p = periodStarts(offsetMs);
  expect(row.today).toBe(since(p.day, calls));
  expect(row.week_to_date).toBe(since(p.week, calls));
  expect(row.month_to_date).toBe(since(p.month, calls));
  const projected = (since(p.month, calls) * (p.nextMonth - p.month)) / (Date.now() - p.month);
  // The query's now() is a moment earlier than this one.
  expect(num(row.projected_month) / projected).toBeCloseTo(1, 3);
}

describeDashboard(
  'tokenwatch-budgets',
  {
    'Spend in the current periods': {
      columns: ['today', 'week_to_date', 'month_to_date', 'projected_month'],
      check: (r) => expectPeriods(r.rows[0]!, CALLS),
    },
    'Period to date by team': {
      columns: ['team', 'today', 'week_to_date', 'month_to_date', 'projected_month'],
      minRows: 3,
      check: (r) => {
        for (const team of ['search', 'support', 'billing']) {
          expectPeriods(
            rowsWhere(r, 'team', team)[0]!,
            CALLS.filter((c) => c.team === team),
          );
        }
      },
    },
    'Period to date by agent': {
      columns: ['agent', 'today', 'week_to_date', 'month_to_date', 'projected_month'],
      minRows: 6,
      check: (r) =>
        expectPeriods(
          rowsWhere(r, 'agent', 'runaway')[0]!,
          CALLS.filter((c) => c.agent === 'runaway'),
        ),
    },
    'Month to date by team': {
      columns: ['time', 'series', 'month_to_date'],
      check: (r) => {
        const month = periodStarts(0).month;
        for (const team of ['search', 'support', 'billing']) {
          const running = rowsWhere(r, 'series', team).map((row) => num(row.month_to_date));
          expect(running).toEqual([...running].sort((a, b) => a - b));
          expect(running.at(-1)).toBe(
            since(
              month,
              CALLS.filter((c) => c.team === team),
            ),
          );
        }
      },
    },
  },
  {},
  (suite) => {
    it('measures periods in the budget time zone', async () => {
      // UTC+14 (no daylight saving): its day starts at 10:00 UTC the day before.
      const r = await suite.run('Spend in the current periods', {
        selection: { timezone: 'Etc/GMT-14' },
      });
      expectPeriods(r.rows[0]!, CALLS, 14 * 3_600_000);
    });
  },
);
