import { expect, it } from 'vitest';
import { describeDashboard, rowsWhere } from './support/panel-suite.ts';
import type { QueryResult } from './support/runner.ts';
import { num } from './support/runner.ts';
import {
  CALLS,
  type Call,
  callsWhere,
  costOf,
  modelOf,
  rollupInRange,
  tokensOf,
} from './support/seed.ts';

const inRange = callsWhere((c) => rollupInRange(c));
const allTokens = (calls: readonly Call[]) =>
  tokensOf(calls, 'inputTokens') +
  tokensOf(calls, 'cacheReadTokens') +
  tokensOf(calls, 'cacheWriteTokens') +
  tokensOf(calls, 'outputTokens');

/** Sums a value column over the rows of one series of a long-format time series. */
const seriesTotal = (r: QueryResult, series: string, value: string) =>
  rowsWhere(r, 'series', series).reduce((n, row) => n + num(row[value]), 0);

describeDashboard(
  'tokenwatch-overview',
  {
    "Today's spend (UTC)": {
      columns: ['spend'],
      check: (r) => {
        const dayStart = Math.floor(Date.now() / 86_400_000) * 86_400_000;
        const today = CALLS.filter((c) => c.startTime >= BigInt(dayStart) * 1_000_000n);
        expect(num(r.rows[0]!.spend)).toBe(costOf(today));
      },
    },
    'Spend in range': {
      columns: ['spend'],
      check: (r) => expect(num(r.rows[0]!.spend)).toBe(costOf(inRange)),
    },
    'Tokens in range': {
      columns: ['tokens'],
      check: (r) => expect(num(r.rows[0]!.tokens)).toBe(allTokens(inRange)),
    },
    'Calls in range': {
      columns: ['calls', 'failed', 'unpriced'],
      check: (r) =>
        expect(r.rows[0]).toEqual({
          calls: inRange.length,
          failed: inRange.filter((c) => c.status === 'error').length,
          unpriced: 1,
        }),
    },
    'Spend by model': {
      columns: ['time', 'series', 'spend'],
      check: (r) => {
        for (const model of ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4']) {
          const expected = costOf(inRange.filter((c) => modelOf(c) === model));
          expect(seriesTotal(r, model, 'spend')).toBeCloseTo(expected, 12);
        }
        // Unpriced calls still show, at no cost.
        expect(rowsWhere(r, 'series', 'mystery-model').map((row) => row.spend)).toEqual([0]);
      },
    },
    'Spend by team': {
      columns: ['time', 'series', 'spend'],
      check: (r) => {
        // Both tenants have a team named search.
        const search = costOf(inRange.filter((c) => c.team === 'search'));
        expect(seriesTotal(r, 'search', 'spend')).toBeCloseTo(search, 12);
        expect(new Set(r.rows.map((row) => row.series))).toEqual(
          new Set(['search', 'support', 'billing']),
        );
      },
    },
    'Spend by agent': {
      columns: ['time', 'series', 'spend'],
      check: (r) => {
        const runaway = costOf(inRange.filter((c) => c.agent === 'runaway'));
        expect(seriesTotal(r, 'runaway', 'spend')).toBeCloseTo(runaway, 12);
      },
    },
    'Tokens by model': {
      columns: ['time', 'series', 'tokens'],
      check: (r) => {
        const claude = inRange.filter((c) => modelOf(c) === 'claude-sonnet-4');
        expect(seriesTotal(r, 'claude-sonnet-4', 'tokens')).toBe(allTokens(claude));
      },
    },
    'Calls by model': {
      columns: ['time', 'series', 'calls'],
      check: (r) => {
        const mini = inRange.filter((c) => modelOf(c) === 'gpt-4o-mini');
        expect(seriesTotal(r, 'gpt-4o-mini', 'calls')).toBe(mini.length);
      },
    },
    'Tokens by kind': {
      columns: ['time', 'uncached_input', 'cache_read', 'cache_write', 'output'],
      check: (r) => {
        const total = (k: string) => r.rows.reduce((n, row) => n + num(row[k]), 0);
        expect(total('uncached_input')).toBe(tokensOf(inRange, 'inputTokens'));
        expect(total('cache_read')).toBe(5000);
        expect(total('cache_write')).toBe(12_000);
        expect(total('output')).toBe(tokensOf(inRange, 'outputTokens'));
      },
    },
    'Top agents': {
      columns: ['agent', 'spend', 'share', 'calls', 'failed_calls', 'tokens', 'cache_hit_rate'],
      minRows: 6,
      check: (r) => {
        const spends = r.rows.map((row) => num(row.spend));
        expect(spends).toEqual([...spends].sort((a, b) => b - a));
        const [coder] = rowsWhere(r, 'agent', 'coder');
        const coderCalls = inRange.filter((c) => c.agent === 'coder');
        expect(num(coder!.spend)).toBe(costOf(coderCalls));
        expect(num(coder!.share)).toBeCloseTo(costOf(coderCalls) / costOf(inRange), 12);
        expect(num(coder!.cache_hit_rate)).toBeCloseTo(5000 / (1800 + 5000 + 8000), 12);
        const shares = r.rows.reduce((n, row) => n + num(row.share), 0);
        expect(shares).toBeCloseTo(1, 12);
      },
    },
  },
  {},
  (suite) => {
    const spend = async (selection: Record<string, string[]>) =>
      num((await suite.run('Spend in range', { selection })).rows[0]!.spend);

    it('filters by each variable, alone and together', async () => {
      expect(await spend({ tenant: ['globex'] })).toBe(0.3);
      expect(await spend({ environment: ['staging'] })).toBe(0.007);
      expect(await spend({ team: ['support'] })).toBe(
        costOf(inRange.filter((c) => c.team === 'support')),
      );
      expect(await spend({ agent: ['coder', 'cache-breaker'] })).toBe(
        costOf(inRange.filter((c) => c.agent === 'coder' || c.agent === 'cache-breaker')),
      );
      expect(await spend({ model: ['gpt-4o-mini'] })).toBe(
        costOf(inRange.filter((c) => modelOf(c) === 'gpt-4o-mini')),
      );
      // The same team in another tenant is not mixed in.
      expect(await spend({ tenant: ['acme'], team: ['search'] })).toBe(
        costOf(inRange.filter((c) => c.tenant === 'acme' && c.team === 'search')),
      );
    });

    it('treats an empty pick like All', async () => {
      expect(await spend({ team: [], agent: [] })).toBe(costOf(inRange));
    });
  },
);
