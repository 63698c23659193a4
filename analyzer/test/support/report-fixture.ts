/**
 * @module
 * The two-week dataset of the report tests (not used by production code). Prices are flat
 * overrides per million tokens so every cost below can be checked by hand:
 * tw-large input $2, cache read $0.20, cache write $2.50, output $10;
 * tw-small input $1, output $5; `mystery` has no price.
 */
import { BudgetSchema } from '@tokenwatch/config';
import { createPricer } from '@tokenwatch/pricing';
import type { LlmCallInput } from '@tokenwatch/schema';
import { insertLlmCalls, type Store, upsertTasks } from '@tokenwatch/store';
import { makeCall } from './test-calls.ts';

export const TENANT = 'acme';
export const TZ = 'Europe/Berlin';

/** Pricer whose tw-large / tw-small prices match the costs stored below. */
export const pricer = createPricer({
  overrides: [
    { model: 'tw-large', input: 2, cache_read: 0.2, cache_write: 2.5, output: 10 },
    { model: 'tw-small', input: 1, cache_read: 0.1, cache_write: 1.25, output: 5 },
  ],
});

/** A weekly budget on team search: $3 per ISO week in Berlin. */
export const budgets = [
  BudgetSchema.parse({
    id: 'search-weekly',
    scope: { team: 'search' },
    period: 'weekly',
    limit_usd: 3,
  }),
];

const planner = { team: 'search', agent: 'planner', feature: 'chat', requestModel: 'tw-large' };
const retriever = {
  team: 'search',
  agent: 'retriever',
  feature: 'search',
  requestModel: 'tw-small',
};
const summarizer = {
  team: 'billing',
  agent: 'summarizer',
  feature: 'reports',
  requestModel: 'tw-large',
};

type Spec = Omit<LlmCallInput, 'startTime' | 'traceId' | 'spanId'>;
const at = (iso: string, spec: Spec) =>
  makeCall({ provider: 'acmeai', ...spec, at: Date.parse(iso) });
const cost = (input: string, read: string, write: string, output: string, total: string) => ({
  inputCost: input,
  cacheReadCost: read,
  cacheWriteCost: write,
  outputCost: output,
  totalCost: total,
});

// The cached call of planner: 50k input $0.10, 200k read $0.04, 40k write $0.10, 20k output $0.20.
const cached = {
  ...planner,
  taskId: 'T2',
  prefixHash: 'p1',
  inputTokens: 50_000,
  cacheReadTokens: 200_000,
  cacheWriteTokens: 40_000,
  outputTokens: 20_000,
  ...cost('0.10', '0.04', '0.10', '0.20', '0.44'),
};

/** Week 2026-W47 in Berlin is 2026-11-15T23:00Z – 2026-11-22T23:00Z. */
export const CURRENT_CALLS = [
  // C1: Monday 00:30 in Berlin, still Sunday in UTC: in W47 only with the zone applied. $0.30
  at('2026-11-15T23:30:00Z', {
    ...planner,
    taskId: 'T1',
    inputTokens: 100_000,
    outputTokens: 10_000,
    ...cost('0.20', '0', '0', '0.10', '0.30'),
  }),
  // C2 and C3: the same request twice in task T2: C3 is a retry, and its cache write is never
  // read back. $0.44 each.
  at('2026-11-17T10:00:00Z', cached),
  at('2026-11-17T10:01:00Z', cached),
  // C4, C5, C8: failed task T3; C5 failed; three prefixes in one task = churn 2/3. $0.30 + $0.10 + $0.05
  at('2026-11-18T10:00:00Z', {
    ...retriever,
    taskId: 'T3',
    prefixHash: 'r1',
    inputTokens: 200_000,
    outputTokens: 20_000,
    ...cost('0.20', '0', '0', '0.10', '0.30'),
  }),
  at('2026-11-18T10:01:00Z', {
    ...retriever,
    taskId: 'T3',
    prefixHash: 'r2',
    status: 'error',
    inputTokens: 100_000,
    ...cost('0.10', '0', '0', '0', '0.10'),
  }),
  at('2026-11-18T10:02:00Z', {
    ...retriever,
    taskId: 'T3',
    prefixHash: 'r3',
    outputTokens: 10_000,
    ...cost('0', '0', '0', '0.05', '0.05'),
  }),
  // C6: 100k input $0.20, 400k read $0.08, 10k output $0.10 = $0.38
  at('2026-11-19T10:00:00Z', {
    ...summarizer,
    taskId: 'T4',
    inputTokens: 100_000,
    cacheReadTokens: 400_000,
    outputTokens: 10_000,
    ...cost('0.20', '0.08', '0', '0.10', '0.38'),
  }),
  // C7: an unpriced model, NULL cost.
  at('2026-11-20T10:00:00Z', {
    ...summarizer,
    requestModel: 'mystery',
    taskId: 'T4',
    inputTokens: 1_000,
    outputTokens: 100,
  }),
];

/** Week 2026-W46: $0.30 + $0.20 + $0.60 = $1.10. */
export const PREVIOUS_CALLS = [
  at('2026-11-09T10:00:00Z', {
    ...planner,
    taskId: 'T5',
    inputTokens: 100_000,
    outputTokens: 10_000,
    ...cost('0.20', '0', '0', '0.10', '0.30'),
  }),
  at('2026-11-11T10:00:00Z', {
    ...retriever,
    taskId: 'T6',
    inputTokens: 100_000,
    outputTokens: 20_000,
    ...cost('0.10', '0', '0', '0.10', '0.20'),
  }),
  at('2026-11-12T10:00:00Z', {
    ...summarizer,
    taskId: 'T7',
    inputTokens: 200_000,
    outputTokens: 20_000,
    ...cost('0.40', '0', '0', '0.20', '0.60'),
  }),
];

/** Outcome of each task of the fixture. */
export const OUTCOMES: Record<string, 'success' | 'failure'> = {
  T1: 'success',
  T2: 'success',
  T3: 'failure',
  T4: 'success',
  T5: 'success',
  T6: 'success',
  T7: 'success',
};

/** Stores both weeks' calls and their tasks. */
export async function seed(store: Store): Promise<void> {
  await insertLlmCalls(store, [...PREVIOUS_CALLS, ...CURRENT_CALLS]);
  await upsertTasks(
    store,
    Object.entries(OUTCOMES).map(([taskId, outcome]) => {
      const calls = [...PREVIOUS_CALLS, ...CURRENT_CALLS].filter((c) => c.taskId === taskId);
      return {
        tenant: TENANT,
        taskId,
        agent: calls[0]!.agent,
        team: calls[0]!.team,
        startTime: calls[0]!.startTime,
        endTime: calls.at(-1)!.startTime + 1_000_000_000n,
        outcome,
        updatedAt: 1n,
      };
    }),
  );
}
