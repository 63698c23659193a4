import { expect, it } from 'vitest';
import { describeDashboard, rowsWhere } from './support/panel-suite.ts';
import { num } from './support/runner.ts';
import { callsWhere, costOf, rollupInRange } from './support/seed.ts';

// The runaway agent: 0.001 every ten minutes for two days, then 0.05 in each of the last three
// minutes (0.01 × 5 calls), the current one included.
const SPIKE_PER_MINUTE = 0.05;
const NORMAL_MINUTE = 0.001;

const values = (rows: Record<string, unknown>[], key: string) => rows.map((row) => num(row[key]));

describeDashboard(
  'tokenwatch-burn-rate',
  {
    'Burning now': {
      columns: [
        'tenant',
        'agent',
        'usd_per_minute',
        'baseline_usd_per_minute',
        'baseline_minutes',
        'ratio',
        'anomalous',
      ],
      check: (r) => {
        // Only the runaway spent in the last two whole minutes, whichever two they are.
        expect(r.rows).toHaveLength(1);
        const row = r.rows[0]!;
        expect(row).toMatchObject({
          tenant: 'acme',
          agent: 'runaway',
          usd_per_minute: SPIKE_PER_MINUTE,
          baseline_usd_per_minute: NORMAL_MINUTE,
          anomalous: 1,
        });
        // Two days of a call every ten minutes, the last quarter hour left out.
        expect(num(row.baseline_minutes)).toBeGreaterThanOrEqual(285);
        expect(num(row.ratio)).toBeCloseTo(SPIKE_PER_MINUTE / NORMAL_MINUTE, 9);
      },
    },
    'Spend per minute by agent': {
      columns: ['time', 'series', 'usd_per_minute'],
      check: (r) => {
        const runaway = values(rowsWhere(r, 'series', 'runaway'), 'usd_per_minute');
        expect(Math.max(...runaway)).toBeCloseTo(SPIKE_PER_MINUTE, 15);
        expect(Math.min(...runaway)).toBeCloseTo(NORMAL_MINUTE, 15);
      },
    },
    'Burn ratio by agent': {
      columns: ['time', 'series', 'ratio'],
      check: (r) => {
        // Only the runaway has 30 active minutes before the range to compare with.
        expect(new Set(r.rows.map((row) => row.series))).toEqual(new Set(['runaway']));
        const ratios = values(r.rows, 'ratio');
        expect(Math.max(...ratios)).toBeCloseTo(SPIKE_PER_MINUTE / NORMAL_MINUTE, 9);
        expect(Math.min(...ratios)).toBeCloseTo(1, 12);
      },
    },
    'Tokens per minute by agent': {
      columns: ['time', 'series', 'tokens_per_minute'],
      check: (r) => {
        const runaway = values(rowsWhere(r, 'series', 'runaway'), 'tokens_per_minute');
        expect(Math.max(...runaway)).toBe(5 * 1100);
      },
    },
  },
  {},
  (suite) => {
    it('keeps spend per minute comparable across bucket sizes', async () => {
      const fiveMinutes = await suite.run('Spend per minute by agent', { intervalMs: 300_000 });
      // Each bucket's rate × its five minutes adds back up to the spend in range.
      const total = values(fiveMinutes.rows, 'usd_per_minute').reduce((n, v) => n + v * 5, 0);
      expect(total).toBeCloseTo(costOf(callsWhere((c) => rollupInRange(c))), 9);
      const times = fiveMinutes.rows.map((row) => Date.parse(`${row.time}Z`));
      expect(times.every((t) => t % 300_000 === 0)).toBe(true);
    });

    it('compares each tenant and agent with its own baseline', async () => {
      const r = await suite.run('Burning now', { selection: { tenant: ['globex'] } });
      expect(r.rows).toEqual([]);
    });
  },
);
