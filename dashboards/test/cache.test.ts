import { expect, it } from 'vitest';
import { describeDashboard, rowsWhere } from './support/panel-suite.ts';
import { num } from './support/runner.ts';
import { callsWhere, NOW_MS, rollupInRange, tokensOf } from './support/seed.ts';

const inRange = callsWhere((c) => rollupInRange(c));
const uncached = tokensOf(inRange, 'inputTokens');
// The seed's cache traffic: the coder writes p1 (5,000), reads it back (5,000) and writes p2
// (3,000) that nobody reads; the cache breaker writes four prefixes of 1,000 in one session.
const READ = 5000;
const WRITTEN = 5000 + 3000 + 4 * 1000;

describeDashboard(
  'tokenwatch-cache',
  {
    'Cache hit rate': {
      columns: ['hit_rate'],
      check: (r) => expect(r.rows[0]!.hit_rate).toBeCloseTo(READ / (uncached + READ + WRITTEN), 15),
    },
    'Prompt tokens': {
      columns: ['uncached_input', 'cache_read', 'cache_write'],
      check: (r) =>
        expect(r.rows[0]).toEqual({
          uncached_input: uncached,
          cache_read: READ,
          cache_write: WRITTEN,
        }),
    },
    'Wasted cache writes': {
      columns: ['wasted_tokens', 'wasted_cost'],
      check: (r) => {
        expect(r.rows[0]!.wasted_tokens).toBe(3000 + 4000);
        expect(r.rows[0]!.wasted_cost).toBeCloseTo(0.01125 + 4 * 0.00375, 15);
      },
    },
    'Hit rate by agent': {
      columns: ['time', 'series', 'hit_rate'],
      check: (r) => {
        const coder = rowsWhere(r, 'series', 'coder').map((row) => num(row.hit_rate));
        // The minute of the read: 5,000 cached of a 5,100-token prompt.
        expect(Math.max(...coder)).toBeCloseTo(5000 / 5100, 15);
        expect(rowsWhere(r, 'series', 'planner').every((row) => row.hit_rate === 0)).toBe(true);
      },
    },
    'Prompt tokens by kind': {
      columns: ['time', 'uncached_input', 'cache_read', 'cache_write'],
      check: (r) => {
        const total = (k: string) => r.rows.reduce((n, row) => n + num(row[k]), 0);
        expect([total('uncached_input'), total('cache_read'), total('cache_write')]).toEqual([
          uncached,
          READ,
          WRITTEN,
        ]);
      },
    },
    'Cache by agent and model': {
      columns: [
        'agent',
        'model',
        'calls',
        'uncached_input',
        'cache_read',
        'cache_write',
        'hit_rate',
        'cache_read_cost',
        'cache_write_cost',
        'estimated_savings',
      ],
      minRows: 2,
      check: (r) => {
        expect(r.rows.map((row) => [row.agent, row.model])).toEqual([
          ['coder', 'claude-sonnet-4'],
          ['cache-breaker', 'claude-sonnet-4'],
        ]);
        const [coder, breaker] = r.rows;
        expect(coder).toMatchObject({ calls: 5, uncached_input: 1800, cache_read: 5000 });
        // 13,000 cached tokens at $3/M uncached = 0.039, minus 0.0015 read + 0.03 written.
        expect(coder!.estimated_savings).toBeCloseTo(0.0075, 12);
        // Writes that are never read cost more than they save.
        expect(breaker!.estimated_savings).toBeCloseTo(4000 * 0.000003 - 0.015, 12);
      },
    },
    'Wasted cache writes by agent': {
      columns: ['agent', 'wasted_writes', 'wasted_tokens', 'wasted_cost'],
      minRows: 2,
      check: (r) =>
        expect(r.rows).toEqual([
          { agent: 'cache-breaker', wasted_writes: 4, wasted_tokens: 4000, wasted_cost: 0.015 },
          { agent: 'coder', wasted_writes: 1, wasted_tokens: 3000, wasted_cost: 0.01125 },
        ]),
    },
    'Prefix churn by agent': {
      columns: ['agent', 'conversations', 'churn', 'breaks_cache'],
      minRows: 2,
      check: (r) =>
        expect(r.rows).toEqual([
          // Four calls, four prefixes: three changes in four calls.
          { agent: 'cache-breaker', conversations: 1, churn: 0.75, breaks_cache: 1 },
          // p1, p1, p2, p3, p3: two changes in five calls.
          { agent: 'coder', conversations: 1, churn: 0.4, breaks_cache: 0 },
        ]),
    },
  },
  {},
  (suite) => {
    it('counts a write as wasted only when no read of its prefix follows in time', async () => {
      // A range ending between the coder's first write and its read: the read, a minute later,
      // is still within the cache lifetime after the range, so the write is not wasted.
      const cut = new Date(NOW_MS - 34.5 * 60_000);
      const r = await suite.run('Wasted cache writes by agent', {
        to: cut,
        selection: { agent: ['coder'] },
      });
      expect(r.rows).toEqual([]);
    });
  },
);
