import type { LlmCallInput } from '@tokenwatch/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { queryRows } from './query.ts';
import { insertLlmCalls } from './repositories/llm-calls.ts';
import { rollupRows, rollupSelectSql } from './rollup-rows.ts';
import { openTestStore, type TestStore } from './testing/test-store.ts';

const T0 = BigInt(Math.floor(Date.now() / 60_000) * 60_000 - 7_200_000) * 1_000_000n;
const SECOND = 1_000_000_000n;

const KEYS = `tenant, toString(minute) AS minute, service, environment, agent, session_id, user_id,
  team, feature, project, provider, model`;
const SUMS = `calls, failed_calls, unpriced_calls, usage_missing_calls, input_tokens,
  cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
  toString(input_cost) AS input_cost, toString(cache_read_cost) AS cache_read_cost,
  toString(cache_write_cost) AS cache_write_cost, toString(output_cost) AS output_cost,
  toString(total_cost) AS total_cost`;

describe('rollupRows', () => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore();
  });
  afterAll(() => t.cleanup());

  it('sums what ClickHouse sums when it groups the stored calls', async () => {
    let n = 0;
    const call = (overrides: Partial<LlmCallInput>): LlmCallInput => ({
      tenant: 'parity',
      startTime: T0 + BigInt(n) * SECOND,
      traceId: 'd'.repeat(32),
      spanId: (++n).toString(16).padStart(16, '0'),
      agent: 'coder',
      provider: 'anthropic',
      requestModel: 'claude-sonnet-4',
      inputTokens: 1000 + n,
      cacheReadTokens: 400,
      cacheWriteTokens: 50,
      outputTokens: 20,
      reasoningTokens: 5,
      inputCost: '0.003',
      cacheReadCost: '0.00012',
      cacheWriteCost: '0.0001875',
      outputCost: '0.0003',
      totalCost: '0.0036075',
      ...overrides,
    });
    const calls = [
      call({}),
      call({ responseModel: 'claude-sonnet-4-20250514' }),
      call({ status: 'error', agent: 'planner', project: 'p1' }),
      call({ totalCost: undefined, inputCost: undefined, outputCost: undefined }),
      call({ usageMissing: true, inputTokens: 0, totalCost: undefined }),
      call({ startTime: T0 + 90n * SECOND, team: 'search', totalCost: '0.000000000001' }),
      call({ startTime: T0 + 90n * SECOND, team: 'search', totalCost: '12.999999999999' }),
      call({ tenant: 'other', sessionId: 's-1', userId: 'u-1', feature: 'chat' }),
    ];
    await insertLlmCalls(t.store, calls, { dedupToken: 'parity-1' });

    // ClickHouse grouping the stored calls (what the view this replaced ran): the oracle.
    const Row = z.record(z.string(), z.union([z.string(), z.number()]));
    const oracle = await queryRows(t.store, {
      query: `SELECT ${KEYS}, ${SUMS} FROM (${rollupSelectSql("tenant IN ('parity', 'other')")})
        ORDER BY tenant, minute, agent, model, team, project`,
      schema: Row,
    });
    const rollup = await queryRows(t.store, {
      query: `SELECT ${KEYS}, ${SUMS} FROM llm_usage_1m WHERE tenant IN ('parity', 'other')
        ORDER BY tenant, minute, agent, model, team, project`,
      schema: Row,
    });
    // Calls 1, 4 and 5 share a key; so do 6 and 7 (one minute later, team search).
    expect(oracle).toHaveLength(5);
    expect(rollup).toEqual(oracle);
    expect(
      rollup.find(
        (r) =>
          r.tenant === 'parity' &&
          r.agent === 'coder' &&
          r.team === '' &&
          r.model === 'claude-sonnet-4',
      ),
    ).toMatchObject({
      calls: 3,
      unpriced_calls: 1,
      usage_missing_calls: 1,
      total_cost: '0.0036075',
    });
  });

  it('cuts cost digits past the twelfth place and skips repriced versions', () => {
    const base = {
      tenant: 't',
      start_time: '2026-12-01 10:15:42.123456789',
      request_model: 'm',
      response_model: '',
      status: 'ok',
      usage_missing: false,
      input_tokens: 3,
    };
    const rows = rollupRows([
      { ...base, total_cost: '0.0000000000019' },
      { ...base, total_cost: '1.5' },
      { ...base, total_cost: '9', revision: 1 },
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      minute: '2026-12-01 10:15:00',
      model: 'm',
      calls: 2,
      input_tokens: 6,
      total_cost: '1.500000000001',
      input_cost: '0.000000000000',
    });
  });

  it('adds many costs of twelve places exactly, and negative ones', () => {
    const base = {
      tenant: 't',
      start_time: '2026-12-01 10:15:42.000000000',
      request_model: 'm',
      status: 'ok',
      usage_missing: false,
    };
    const many = Array.from({ length: 10_000 }, () => ({ ...base, total_cost: '0.999999999999' }));
    // 10,000 × 0.999999999999 = 9999.99999999, which floating point would not give.
    expect(rollupRows(many)[0]!.total_cost).toBe('9999.999999990000');
    const mixed = rollupRows([
      { ...base, total_cost: '-1.5' },
      { ...base, total_cost: '0.25' },
      { ...base, total_cost: '-0.000000000001' },
    ]);
    expect(mixed[0]!.total_cost).toBe('-1.250000000001');
    for (const bad of ['1.', '.5', 'abc', '1.2.3', '-', ''])
      expect(() => rollupRows([{ ...base, total_cost: bad }]), bad).toThrow(RangeError);
  });
});
