import type { LlmCallInput } from '@tokenwatch/schema';
import { insertLlmCalls } from '@tokenwatch/store';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentFailureCost, getFailureCost } from './failures.ts';

const NOW = new Date();
const base = BigInt(NOW.getTime() - 3_600_000) * 1_000_000n;
let n = 0;

/** One gpt-4o call with the same prefix; each later call starts a second after the one before. */
function call(overrides: Partial<LlmCallInput>): LlmCallInput {
  n++;
  return {
    tenant: 'acme',
    startTime: base + BigInt(n) * 1_000_000_000n,
    traceId: 'f'.repeat(32),
    spanId: n.toString(16).padStart(16, '0'),
    requestModel: 'gpt-4o',
    responseModel: 'gpt-4o-2024-08-06',
    prefixHash: 'prefix-a',
    inputTokens: 1000,
    outputTokens: 10,
    totalCost: '0.001',
    ...overrides,
  };
}

let t: TestStore;
let byAgent: Record<string, AgentFailureCost>;

beforeAll(async () => {
  t = await openTestStore();
  await insertLlmCalls(t.store, [
    // Tokenwatch's instrumentation: three different questions of one prompt size and prefix. The
    // size-based guess took the second and third for retries of the first.
    ...['q1', 'q2', 'q3'].map((hash) =>
      call({ agent: 'hashed', taskId: 'h-questions', requestHash: hash }),
    ),
    // One request sent three times: the first attempt failed before any usage (size 0), so the
    // size-based guess would see one retry; the request hash sees both resends.
    call({
      agent: 'hashed',
      taskId: 'h-resend',
      requestHash: 'r1',
      status: 'error',
      inputTokens: 0,
      outputTokens: 0,
      totalCost: '0',
    }),
    call({ agent: 'hashed', taskId: 'h-resend', requestHash: 'r1' }),
    call({ agent: 'hashed', taskId: 'h-resend', requestHash: 'r1', totalCost: '0.0012' }),

    // Another emitter, no request hash: the heuristic, labelled as such. Prompt 300 + 500 cached
    // = 800 twice (a retry), then 900 (not one).
    call({
      agent: 'other',
      taskId: 'o-1',
      inputTokens: 300,
      cacheReadTokens: 500,
      totalCost: '0.0007',
    }),
    call({
      agent: 'other',
      taskId: 'o-1',
      inputTokens: 200,
      cacheReadTokens: 600,
      totalCost: '0.0006',
    }),
    call({ agent: 'other', taskId: 'o-1', inputTokens: 900, totalCost: '0.0009' }),
    // Outside any task, alike as they are: no task to repeat a call of.
    call({ agent: 'other', taskId: '', totalCost: '0.0005' }),
    call({ agent: 'other', taskId: '', totalCost: '0.0005' }),

    // One task, both kinds of call, all alike but for the hash: the hashed call is no heuristic
    // repeat of the others, and they are none of it.
    call({ agent: 'mixed', taskId: 'm-1', requestHash: 'x1' }),
    call({ agent: 'mixed', taskId: 'm-1' }),
    call({ agent: 'mixed', taskId: 'm-1', totalCost: '0.0011' }),
  ]);
  const agents = await getFailureCost(t.store, {
    tenant: 'acme',
    range: { from: new Date(NOW.getTime() - 7_200_000), to: new Date(NOW.getTime() + 60_000) },
  });
  byAgent = Object.fromEntries(agents.map((a) => [a.agent, a]));
});
afterAll(() => t.cleanup());

const retryFigures = (a: AgentFailureCost | undefined) => ({
  retries: a?.retries,
  retryCostUsd: a?.retryCostUsd,
  retriesExact: a?.retriesExact,
  retryCostExactUsd: a?.retryCostExactUsd,
  retriesHeuristic: a?.retriesHeuristic,
  retryCostHeuristicUsd: a?.retryCostHeuristicUsd,
});

describe('retries', () => {
  it('finds retries by request hash: different questions of one size are none, resends are', () => {
    // Resends: the second (0.001) and the third (0.0012) attempt of r1.
    expect(retryFigures(byAgent.hashed)).toEqual({
      retries: 2,
      retryCostUsd: '0.0022',
      retriesExact: 2,
      retryCostExactUsd: '0.0022',
      retriesHeuristic: 0,
      retryCostHeuristicUsd: '0',
    });
    // 3 × 0.001 + 0 + 0.001 + 0.0012 = 0.0052; waste: the two resends (the failure cost 0).
    expect(byAgent.hashed).toMatchObject({
      totalCostUsd: '0.0052',
      failedCalls: 1,
      failedCallCostUsd: '0',
    });
    expect(byAgent.hashed!.wasteShare).toBeCloseTo(0.0022 / 0.0052, 12);
  });

  it('falls back to the heuristic for calls without a request hash, and says so', () => {
    expect(retryFigures(byAgent.other)).toEqual({
      retries: 1,
      retryCostUsd: '0.0006',
      retriesExact: 0,
      retryCostExactUsd: '0',
      retriesHeuristic: 1,
      retryCostHeuristicUsd: '0.0006',
    });
    // 0.0007 + 0.0006 + 0.0009 + 2 × 0.0005 = 0.0032
    expect(byAgent.other!.totalCostUsd).toBe('0.0032');
    expect(byAgent.other!.wasteShare).toBeCloseTo(0.0006 / 0.0032, 12);
  });

  it('keeps hashed calls out of the heuristic groups of unhashed ones', () => {
    expect(retryFigures(byAgent.mixed)).toEqual({
      retries: 1,
      retryCostUsd: '0.0011',
      retriesExact: 0,
      retryCostExactUsd: '0',
      retriesHeuristic: 1,
      retryCostHeuristicUsd: '0.0011',
    });
  });
});
