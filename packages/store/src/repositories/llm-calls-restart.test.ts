import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LlmCallInput } from '@tokenwatch/schema';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openStore, type Store } from '../client.ts';
import { migrate } from '../migrations.ts';
import { queryRows } from '../query.ts';
import { insertLlmCalls } from './llm-calls.ts';

const T0 = BigInt(Date.now() - 3_600_000) * 1_000_000n;
const SECOND = 1_000_000_000n;

/** A batch of calls over three minutes, two models and two agents. */
function batch(tenant: string, size: number): LlmCallInput[] {
  return Array.from({ length: size }, (_, i) => ({
    tenant,
    startTime: T0 + BigInt(i) * SECOND,
    traceId: 'c'.repeat(32),
    spanId: (i + 1).toString(16).padStart(16, '0'),
    agent: i % 2 ? 'planner' : 'coder',
    provider: 'openai',
    requestModel: i % 3 ? 'gpt-4o' : 'gpt-4o-mini',
    inputTokens: 100 + i,
    outputTokens: 10,
    inputCost: '0.00025',
    outputCost: '0.0001',
    totalCost: '0.00035',
  }));
}

const Counts = z.object({
  rows: z.coerce.number(),
  calls: z.coerce.number(),
  input: z.coerce.number(),
  cost: z.string(),
});

async function counts(store: Store, tenant: string) {
  const [row] = await queryRows(store, {
    query: `SELECT
      (SELECT count() FROM llm_calls WHERE tenant = {tenant: String}) AS rows,
      (SELECT sum(calls) FROM llm_usage_1m WHERE tenant = {tenant: String}) AS calls,
      (SELECT sum(input_tokens) FROM llm_usage_1m WHERE tenant = {tenant: String}) AS input,
      (SELECT toString(sum(total_cost)) FROM llm_usage_1m WHERE tenant = {tenant: String}) AS cost`,
    params: { tenant },
    schema: Counts,
  });
  return row!;
}

describe('insertLlmCalls across a restart', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tokenwatch-restart-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('counts a batch replayed by the next process once, in llm_calls and in the rollup', async () => {
    // 180 calls: 100 + … + 279 input tokens, 180 × $0.00035.
    const expected = { rows: 180, calls: 180, input: 180 * 100 + (179 * 180) / 2, cost: '0.063' };
    // The process that migrates the store stores the batch, then dies before its spool commit.
    const first = await openStore({ kind: 'embedded', dataDir });
    await migrate(first);
    await insertLlmCalls(first, batch('replayed', 180), { dedupToken: 'record-1' });
    expect(await counts(first, 'replayed')).toEqual(expected);
    await first.close();
    // The next process replays the same spool record, twice for good measure.
    for (let restart = 0; restart < 2; restart++) {
      const next = await openStore({ kind: 'embedded', dataDir });
      await migrate(next);
      expect(
        await insertLlmCalls(next, batch('replayed', 180), { dedupToken: 'record-1' }),
      ).toEqual({
        inserted: 180,
        duplicates: 0,
      });
      expect(await counts(next, 'replayed')).toEqual(expected);
      await next.close();
    }
  });
});
