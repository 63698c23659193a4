/**
 * @module
 * A small, known data set for the panel tests: two tenants, two environments, several teams,
 * agents and models, tasks with every outcome, a session whose prompt grows, cache reads, writes
 * and churn, a retry, failed and unpriced calls, a runaway agent with two days of history and a
 * spike in the last minutes, and raw spans for two traces. Times are relative to when the module
 * loads, so everything is recent (the tables' TTLs drop old rows) and "now"-based panels see it.
 */
import type { LlmCallInput, TaskInput } from '@tokenwatch/schema';
import {
  insertLlmCalls,
  insertOtelSpans,
  nsToDateTime64,
  runCommand,
  type Store,
  upsertTasks,
} from '@tokenwatch/store';

const MINUTE_MS = 60_000;
/** When the data was made; every seeded time is at or before it. */
export const NOW_MS = Date.now();
const minuteStart = Math.floor(NOW_MS / MINUTE_MS) * MINUTE_MS;
const ns = (ms: number) => BigInt(ms) * 1_000_000n;
/** A time `minutes` before now, in nanoseconds. */
const ago = (minutes: number) => ns(NOW_MS - minutes * MINUTE_MS);

let spanSeq = 0;
const spanId = () => (++spanSeq).toString(16).padStart(16, '0');
/** Lower-case hex trace ids, one per name. */
export const TRACE = {
  taskOk: 'a1'.repeat(16),
  session: 'b2'.repeat(16),
  fail: 'c3'.repeat(16),
  coder: 'd4'.repeat(16),
  other: 'e5'.repeat(16),
  globex: 'f6'.repeat(16),
} as const;

type Call = LlmCallInput & { startTime: bigint };

function call(at: bigint, fields: Partial<LlmCallInput> = {}): Call {
  return {
    tenant: 'acme',
    environment: 'prod',
    service: 'agents',
    project: 'storefront',
    team: 'search',
    agent: 'planner',
    provider: 'openai',
    requestModel: 'gpt-4o',
    responseModel: 'gpt-4o',
    traceId: TRACE.other,
    spanId: spanId(),
    inputTokens: 1000,
    outputTokens: 100,
    totalCost: '0.0035',
    ...fields,
    startTime: at,
  };
}

const claude = { provider: 'anthropic', requestModel: 'claude-sonnet-4', responseModel: '' };
const coder = {
  agent: 'coder',
  team: 'support',
  project: 'devtools',
  taskId: 'task-coder-1',
  sessionId: 'sess-coder',
};

/** Every seeded LLM call. */
export const CALLS: Call[] = [
  // Tasks of the planner: two successes, one failure with a failed call.
  // Prompt sizes differ within a task: identical calls of one task would count as retries.
  ...['0.01', '0.02', '0.03'].map((cost, i) =>
    call(ago(50 - i), {
      taskId: 'task-ok-1',
      traceId: TRACE.taskOk,
      inputTokens: 1000 + 200 * i,
      totalCost: cost,
    }),
  ),
  call(ago(40), { taskId: 'task-ok-2', totalCost: '0.02' }),
  call(ago(30), {
    taskId: 'task-fail-1',
    traceId: TRACE.fail,
    totalCost: '0.05',
    status: 'error',
    errorType: 'RateLimitError',
  }),
  call(ago(29), {
    taskId: 'task-fail-1',
    traceId: TRACE.fail,
    inputTokens: 1500,
    totalCost: '0.05',
  }),
  call(ago(25), { environment: 'staging', taskId: 'task-staging-1', totalCost: '0.007' }),
  // The coder: a cache write read back a minute later, a write never read, and a retry.
  call(ago(35), {
    ...claude,
    ...coder,
    traceId: TRACE.coder,
    inputTokens: 200,
    cacheWriteTokens: 5000,
    prefixHash: 'p1',
    inputCost: '0.0006',
    cacheWriteCost: '0.01875',
    outputCost: '0.0015',
    totalCost: '0.02085',
  }),
  call(ago(34), {
    ...claude,
    ...coder,
    traceId: TRACE.coder,
    inputTokens: 100,
    cacheReadTokens: 5000,
    prefixHash: 'p1',
    inputCost: '0.0003',
    cacheReadCost: '0.0015',
    outputCost: '0.0015',
    totalCost: '0.0033',
  }),
  call(ago(33), {
    ...claude,
    ...coder,
    traceId: TRACE.coder,
    inputTokens: 100,
    cacheWriteTokens: 3000,
    prefixHash: 'p2',
    inputCost: '0.0003',
    cacheWriteCost: '0.01125',
    outputCost: '0.0015',
    totalCost: '0.01305',
  }),
  ...[32, 31].map((m) =>
    call(ago(m), {
      ...claude,
      ...coder,
      traceId: TRACE.coder,
      inputTokens: 700,
      prefixHash: 'p3',
      inputCost: '0.0021',
      outputCost: '0.0015',
      totalCost: '0.0036',
    }),
  ),
  // The reviewer: an abandoned task, a call of a task never reported, an unpriced model.
  call(ago(20), {
    agent: 'reviewer',
    team: 'billing',
    requestModel: 'gpt-4o-mini',
    responseModel: 'gpt-4o-mini',
    taskId: 'task-abandoned-1',
    totalCost: '0.004',
  }),
  call(ago(19), { agent: 'reviewer', team: 'billing', taskId: 'task-unknown', totalCost: '0.001' }),
  call(ago(18), {
    agent: 'reviewer',
    team: 'billing',
    provider: 'acme-llm',
    requestModel: 'mystery-model',
    responseModel: '',
    totalCost: null,
  }),
  // A chat session whose prompt doubles on every call.
  ...['0.003', '0.0055', '0.0105', '0.0205', '0.0405'].map((cost, i) =>
    call(ago(15 - i), {
      agent: 'chatbot',
      team: 'support',
      sessionId: 'sess-growth',
      taskId: 'task-chat-1',
      traceId: TRACE.session,
      inputTokens: 1000 * 2 ** i,
      outputTokens: 50,
      totalCost: cost,
    }),
  ),
  // An agent that writes a new prompt prefix on every call of its session.
  ...['q1', 'q2', 'q3', 'q4'].map((prefix, i) =>
    call(ago(10 - i), {
      ...claude,
      agent: 'cache-breaker',
      // No project: unattributed calls are not listed, and count under All.
      project: '',
      sessionId: 'sess-churn',
      cacheWriteTokens: 1000,
      prefixHash: prefix,
      inputCost: '0.003',
      cacheWriteCost: '0.00375',
      outputCost: '0.0015',
      totalCost: '0.00825',
    }),
  ),
  // Another tenant, with a team of the same name.
  ...[45, 44, 43].map((m, i) =>
    call(ago(m), {
      tenant: 'globex',
      taskId: 'g-task-1',
      traceId: TRACE.globex,
      inputTokens: 1000 + 100 * i,
      totalCost: '0.1',
    }),
  ),
  // The runaway: a call every ten minutes for two days, then five calls a minute.
  ...Array.from({ length: 287 }, (_, i) =>
    call(ago(20 + 10 * i), {
      agent: 'runaway',
      team: 'billing',
      requestModel: 'gpt-4o-mini',
      responseModel: 'gpt-4o-mini',
      totalCost: '0.001',
    }),
  ),
  ...[2, 1, 0].flatMap((m) =>
    Array.from({ length: 5 }, () =>
      call(ns(minuteStart - m * MINUTE_MS), {
        agent: 'runaway',
        team: 'billing',
        requestModel: 'gpt-4o-mini',
        responseModel: 'gpt-4o-mini',
        totalCost: '0.01',
      }),
    ),
  ),
];

function task(id: string, fields: Partial<TaskInput>): TaskInput {
  const first = CALLS.find((c) => c.taskId === id)?.startTime ?? ago(60);
  return {
    tenant: 'acme',
    environment: 'prod',
    team: 'search',
    agent: 'planner',
    taskId: id,
    startTime: first,
    endTime: first + ns(3 * MINUTE_MS),
    updatedAt: ns(NOW_MS),
    ...fields,
  };
}

/** Every seeded task row (task-unknown has calls but no row). */
export const TASKS: TaskInput[] = [
  task('task-ok-1', { name: 'plan', outcome: 'success', traceId: TRACE.taskOk }),
  task('task-ok-2', { name: 'plan', outcome: 'success' }),
  task('task-fail-1', {
    name: 'plan',
    outcome: 'failure',
    traceId: TRACE.fail,
    error: 'tool crashed',
  }),
  task('task-staging-1', { name: 'plan', outcome: 'success', environment: 'staging' }),
  task('task-coder-1', { name: 'code', outcome: 'success', agent: 'coder', team: 'support' }),
  task('task-abandoned-1', { name: 'review', outcome: 'abandoned', agent: 'reviewer' }),
  task('task-chat-1', {
    name: 'chat',
    outcome: 'partial',
    agent: 'chatbot',
    traceId: TRACE.session,
  }),
  task('g-task-1', { tenant: 'globex', name: 'plan', outcome: 'success', traceId: TRACE.globex }),
];

/** Raw spans (otel_traces rows) of two traces, for the trace view. */
export const SPANS: Record<string, unknown>[] = [
  span(TRACE.taskOk, 'aa00000000000001', '', 'invoke_agent planner', 50, 180_000),
  span(TRACE.taskOk, 'aa00000000000002', 'aa00000000000001', 'chat gpt-4o', 50, 2_000),
  span(TRACE.taskOk, 'aa00000000000003', 'aa00000000000001', 'chat gpt-4o', 49, 2_500),
  span(TRACE.session, 'bb00000000000001', '', 'chat gpt-4o', 15, 1_000),
];

function span(
  trace: string,
  id: string,
  parent: string,
  name: string,
  minutes: number,
  ms: number,
) {
  return {
    Timestamp: nsToDateTime64(ago(minutes)),
    TraceId: trace,
    SpanId: id,
    ParentSpanId: parent,
    SpanName: name,
    SpanKind: parent ? 'SPAN_KIND_CLIENT' : 'SPAN_KIND_INTERNAL',
    ServiceName: 'agents',
    ResourceAttributes: { 'service.name': 'agents' },
    SpanAttributes: { 'gen_ai.agent.name': 'planner' },
    Duration: String(ms * 1_000_000),
    StatusCode: 'STATUS_CODE_OK',
    TenantId: 'acme',
  };
}

/**
 * Writes the data set into a migrated store. The rollup gets several rows for its keys, as it has
 * between background merges: calls go in two interleaved batches, then every key gets a second,
 * all-zero row. Totals do not change, but a query that reads a measure without sum() (or counts
 * rows) gets a wrong answer.
 */
export async function seed(store: Store): Promise<void> {
  await insertLlmCalls(
    store,
    CALLS.filter((_, i) => i % 2 === 0),
  );
  await insertLlmCalls(
    store,
    CALLS.filter((_, i) => i % 2 === 1),
  );
  await runCommand(
    store,
    `INSERT INTO llm_usage_1m
      SELECT tenant, minute, service, environment, agent, session_id, user_id, team, feature,
        project, provider, model, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
      FROM llm_usage_1m`,
  );
  await upsertTasks(store, TASKS);
  await insertOtelSpans(store, SPANS, 'dashboards-seed');
}

// --- expectations ---------------------------------------------------------------------------------

const SCALE = 10n ** 12n;

/** Sums decimal strings exactly (12 places, as the cost columns) and returns the number. */
export function sumDecimals(values: readonly (string | null | undefined)[]): number {
  let total = 0n;
  for (const v of values) {
    if (v === null || v === undefined) continue;
    const [int = '0', frac = ''] = v.split('.');
    total += BigInt(int) * SCALE + BigInt(frac.padEnd(12, '0'));
  }
  const frac = (total % SCALE).toString().padStart(12, '0').replace(/0+$/, '');
  return Number(`${total / SCALE}${frac ? `.${frac}` : ''}`);
}

/** The panel time range the tests use: it ends at seed time, and no history call sits on its edge. */
export const RANGE = { from: new Date(NOW_MS - 355 * MINUTE_MS), to: new Date(NOW_MS) };

const callMs = (c: Call) => Number(c.startTime / 1_000_000n);

/** Calls a raw `$__timeFilter(start_time)` keeps (whole seconds, as the macro renders). */
export function rawInRange(c: Call, range = RANGE): boolean {
  const from = Math.trunc(range.from.getTime() / 1000) * 1000;
  const to = Math.trunc(range.to.getTime() / 1000) * 1000;
  return callMs(c) >= from && c.startTime <= ns(to);
}

/** Calls whose rollup minute `$__timeFilter(minute)` keeps. */
export function rollupInRange(c: Call, range = RANGE): boolean {
  const minute = Math.floor(callMs(c) / MINUTE_MS) * MINUTE_MS;
  const second = (d: Date) => Math.trunc(d.getTime() / 1000) * 1000;
  return minute >= second(range.from) && minute <= second(range.to);
}

/** The model a call is reported under (`llm_calls.model`). */
export const modelOf = (c: Call) => (c.responseModel ? c.responseModel : (c.requestModel ?? ''));

/** Seeded calls matching a predicate. */
export const callsWhere = (keep: (c: Call) => boolean) => CALLS.filter(keep);

/** Exact total cost of calls (unpriced ones add nothing), as a number. */
export const costOf = (calls: readonly Call[]) => sumDecimals(calls.map((c) => c.totalCost));

/** Sum of a token count over calls. */
export const tokensOf = (
  calls: readonly Call[],
  kind: 'inputTokens' | 'cacheReadTokens' | 'cacheWriteTokens' | 'outputTokens',
) => calls.reduce((n, c) => n + (c[kind] ?? 0), 0);

/** A seeded call (its start time always set). */
export type { Call };
