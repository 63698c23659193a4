import type { LlmCallInput } from '@tokenwatch/schema';
import { insertLlmCalls } from '@tokenwatch/store';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAgentContext, getContextGrowth } from './context.ts';
import { getTaskCostRegressions } from './regression.ts';

const NOW = new Date();
const MINUTE = 60_000_000_000n;
const base = BigInt(NOW.getTime() - 3_600_000) * 1_000_000n;
let n = 0;

function call(overrides: Partial<LlmCallInput>): LlmCallInput {
  n++;
  return {
    tenant: 'acme',
    startTime: base + (BigInt(n) * MINUTE) / 10n,
    traceId: 'e'.repeat(32),
    spanId: n.toString(16).padStart(16, '0'),
    contextWindow: 128_000,
    ...overrides,
  };
}

let t: TestStore;
beforeAll(async () => {
  t = await openTestStore();
  await insertLlmCalls(t.store, [
    // Session s-grow: the prompt only grows, to 115000 of a 128000 window (0.898), never compacted.
    ...[1000, 50_000, 100_000, 115_000].map((prompt) =>
      call({
        agent: 'grower',
        sessionId: 's-grow',
        inputTokens: prompt - 500,
        cacheReadTokens: 500,
        outputTokens: 100,
      }),
    ),
    // Session s-compact: grows, is compacted (90000 -> 20000), grows again to 110000 (0.859).
    ...[1000, 90_000, 20_000, 110_000].map((prompt) =>
      call({ agent: 'compactor', sessionId: 's-compact', inputTokens: prompt, outputTokens: 50 }),
    ),
  ]);
});
afterAll(() => t.cleanup());

const range = () => ({
  from: new Date(NOW.getTime() - 7_200_000),
  to: new Date(NOW.getTime() + 60_000),
});

describe('context growth', () => {
  it('flags the session near its window that never compacted, not the one that did', async () => {
    const sessions = await getContextGrowth(t.store, { tenant: 'acme', range: range() });
    expect(
      sessions.map((s) => [
        s.session,
        s.firstPromptTokens,
        s.lastPromptTokens,
        s.compactions,
        s.nearWindowWithoutCompaction,
      ]),
    ).toEqual([
      ['s-grow', 1000, 115_000, 0, true],
      ['s-compact', 1000, 110_000, 1, false],
    ]);
    expect(sessions[0]!.maxUtilization).toBeCloseTo(115_000 / 128_000, 12);
    expect(sessions[1]!.maxUtilization).toBeCloseTo(110_000 / 128_000, 12);
  });

  it('reports output/input ratio and utilization per agent', async () => {
    const agents = await getAgentContext(t.store, { tenant: 'acme', range: range() });
    const grower = agents.find((a) => a.agent === 'grower')!;
    // 4 calls × 100 output over 266000 prompt tokens.
    expect(grower.outputInputRatio).toBeCloseTo(400 / 266_000, 12);
    expect(grower.meanUtilization).toBeCloseTo(266_000 / 4 / 128_000, 12);
    expect(grower.maxUtilization).toBeCloseTo(115_000 / 128_000, 12);
  });
});

describe('cost per task week over week', () => {
  it('flags a doubled median with enough tasks, not a steady agent or a small sample', async () => {
    const tasks: LlmCallInput[] = [];
    const task = (agent: string, daysAgo: number, cost: string, i: number) =>
      tasks.push(
        call({
          agent,
          taskId: `${agent}-${daysAgo}-${i}`,
          startTime: BigInt(NOW.getTime() - daysAgo * 86_400_000 - i * 1000) * 1_000_000n,
          totalCost: cost,
        }),
      );
    for (let i = 0; i < 40; i++) {
      // Baseline weeks: 0.0100 to 0.0139; this week: twice that.
      const price = (0.01 + (i % 40) * 0.0001).toFixed(4);
      task('slower', 10 + (i % 20), price, i);
      task('slower', 1 + (i % 5), (Number(price) * 2).toFixed(4), i);
      task('steady', 10 + (i % 20), price, i);
      task('steady', 1 + (i % 5), price, i);
    }
    for (let i = 0; i < 5; i++) {
      task('small', 10 + i, '0.01', i);
      task('small', 1 + i, '0.05', i);
    }
    await insertLlmCalls(t.store, tasks);
    const result = await getTaskCostRegressions(t.store, { tenant: 'acme', now: NOW });
    const byAgent = Object.fromEntries(result.map((r) => [r.agent, r]));
    expect(byAgent.slower).toMatchObject({ tasks: 40, baselineTasks: 40, regressed: true });
    expect(byAgent.slower!.ratio).toBeCloseTo(2, 1);
    expect(byAgent.slower!.pValue!).toBeLessThan(0.01);
    expect(byAgent.steady).toMatchObject({ regressed: false });
    expect(byAgent.steady!.ratio).toBeCloseTo(1, 6);
    expect(byAgent.small).toMatchObject({ tasks: 5, regressed: false });
    expect(result.filter((r) => r.regressed).map((r) => r.agent)).toEqual(['slower']);
  });
});
