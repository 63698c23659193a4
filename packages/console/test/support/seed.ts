/**
 * @module
 * The console tests' data (not used by production code): calls and tasks of two tenants stored
 * through the store's writers, with costs chosen so every sum can be checked by hand. Times are
 * relative to the moment of seeding, well inside the ranges the pages ask for.
 */
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { BudgetSchema, type Config, loadConfig } from '@tokenwatch/config';
import { type LlmCallInput, LlmCallSchema } from '@tokenwatch/schema';
import { insertLlmCalls, insertRows, type Store, upsertTasks } from '@tokenwatch/store';

const HOUR = 3_600_000;
let sequence = 0;

type CallSpec = Partial<Omit<LlmCallInput, 'startTime'>> & { agoMs: number };

function call(now: number, spec: CallSpec) {
  sequence++;
  const { agoMs, ...rest } = spec;
  return LlmCallSchema.parse({
    tenant: 'default',
    traceId: sequence.toString(16).padStart(32, '0'),
    spanId: sequence.toString(16).padStart(16, '0'),
    provider: 'openai',
    requestModel: 'gpt-4o',
    durationNs: 800_000_000n,
    ...rest,
    startTime: BigInt(now - agoMs) * 1_000_000n,
  });
}

/** What the seed holds, by hand. */
export const SEEDED = {
  /** The open tenant's spend in the last 7 days, and by agent. */
  week: { costUsd: '6.625', calls: 8 },
  byAgent: { support: '3.5', research: '3', coder: '0.125' },
  /** support's calls in the last 7 days. */
  support: { costUsd: '3.5', calls: 5 },
  /**
   * support's last hour ($0.25) against its hourly average over the week before it
   * ($3.25 / 167 h): 12.85×.
   */
  supportBurn: '12.8',
  /** The task of three support calls, in order of their context. */
  task: { id: 'task-support-1', costUsd: '1.75', contexts: [1000, 2500, 4100] },
  failedTask: 'task-research-1',
  /** An alert that fired and resolved in the last hours, and the other tenant's. */
  alertRule: 'support-spend-fast',
  otherAlertRule: 'intruder-alert',
  /** The other tenant's only agent: never on the open tenant's pages. */
  otherAgent: 'intruder-agent',
} as const;

/** API keys of the two tenants, for tests that configure keys. */
export const KEYS = { default: 'tw_test_default_key', other: 'tw_test_other_key' } as const;

/** A configuration at its defaults in UTC, with the test keys when `withKeys`. */
export function testConfig(withKeys: boolean): Config {
  const config = loadConfig({ cwd: tmpdir(), env: {} });
  const sha = (key: string) => createHash('sha256').update(key).digest('hex');
  return {
    ...config,
    timezone: 'UTC',
    // Support's daily budget: today's support spend against $5.
    budgets: [
      BudgetSchema.parse({
        id: 'support-daily',
        scope: { agent: 'support' },
        period: 'daily',
        limit_usd: 5,
      }),
    ],
    apiKeys: withKeys
      ? [
          { tenant: 'default', keySha256: sha(KEYS.default) },
          { tenant: 'other', keySha256: sha(KEYS.other) },
        ]
      : [],
  };
}

/** The raw span stored for the task's first call (in `otel_traces`, with its attributes). */
export type SeededSpan = { trace: string; span: string; attributes: Record<string, string> };

/** Stores the calls and tasks of {@link SEEDED}, relative to `now`. */
export async function seedConsoleData(store: Store, now = Date.now()): Promise<SeededSpan> {
  const task = SEEDED.task.id;
  const calls = [
    // the support task: contexts 1000, 1500+1000, 100+4000
    call(now, {
      agoMs: 3 * HOUR,
      agent: 'support',
      taskId: task,
      inputTokens: 1000,
      outputTokens: 50,
      totalCost: '0.5',
    }),
    call(now, {
      agoMs: 3 * HOUR - 60_000,
      agent: 'support',
      taskId: task,
      inputTokens: 1500,
      cacheWriteTokens: 1000,
      outputTokens: 80,
      totalCost: '0.75',
    }),
    call(now, {
      agoMs: 3 * HOUR - 120_000,
      agent: 'support',
      taskId: task,
      inputTokens: 100,
      cacheReadTokens: 4000,
      outputTokens: 90,
      totalCost: '0.5',
    }),
    call(now, {
      agoMs: 2 * 24 * HOUR,
      agent: 'support',
      requestModel: 'gpt-4o-mini',
      totalCost: '1.5',
    }),
    call(now, {
      agoMs: 10 * 60_000,
      agent: 'support',
      requestModel: 'gpt-4o-mini',
      totalCost: '0.25',
    }),
    call(now, {
      agoMs: 5 * HOUR,
      agent: 'research',
      taskId: SEEDED.failedTask,
      totalCost: '2',
      status: 'error',
      errorType: 'timeout',
    }),
    call(now, { agoMs: 4 * 24 * HOUR, agent: 'research', totalCost: '1' }),
    call(now, {
      agoMs: 6 * HOUR,
      agent: 'coder',
      requestModel: 'claude-sonnet-4',
      provider: 'anthropic',
      totalCost: '0.125',
    }),
    // older than 7 days: in 30 days only
    call(now, { agoMs: 10 * 24 * HOUR, agent: 'support', totalCost: '4' }),
    call(now, { agoMs: 2 * HOUR, tenant: 'other', agent: SEEDED.otherAgent, totalCost: '999' }),
  ];
  await insertLlmCalls(store, calls);
  const at = (ago: number) => BigInt(now - ago) * 1_000_000n;
  await upsertTasks(store, [
    {
      tenant: 'default',
      taskId: task,
      name: 'answer-ticket',
      agent: 'support',
      outcome: 'success',
      startTime: at(3 * HOUR),
      endTime: at(3 * HOUR - 150_000),
      updatedAt: at(0),
    },
    {
      tenant: 'default',
      taskId: SEEDED.failedTask,
      name: 'dig',
      agent: 'research',
      outcome: 'failure',
      startTime: at(5 * HOUR),
      endTime: at(5 * HOUR - 1000),
      updatedAt: at(0),
    },
  ]);
  // What the alert engine appends when an alert fires and resolves (alerts/history-repository.ts).
  const ms = (ago: number) => new Date(now - ago).toISOString().replace('T', ' ').slice(0, 23);
  const occurrence = (tenant: string, rule: string, event: string) => ({
    tenant,
    fingerprint: `fp-${rule}`,
    rule,
    kind: 'budget',
    severity: 'page',
    event,
    labels: { alertname: rule, agent: 'support' },
    annotations: {},
    starts_at: ms(2 * HOUR),
    ends_at: event === 'resolved' ? ms(HOUR) : '1970-01-01 00:00:00.000',
  });
  await insertRows(store, 'alert_history', [
    occurrence('default', SEEDED.alertRule, 'firing'),
    occurrence('default', SEEDED.alertRule, 'resolved'),
    occurrence('other', SEEDED.otherAlertRule, 'firing'),
  ]);
  // The raw span of the task's first call, as the collector writes it beside the call.
  const first = calls[0]!;
  const attributes = { 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': '1000' };
  await insertRows(store, 'otel_traces', [
    {
      Timestamp: ms(3 * HOUR),
      TraceId: first.traceId,
      SpanId: first.spanId,
      ParentSpanId: '',
      SpanName: 'chat gpt-4o',
      SpanKind: 'Client',
      ServiceName: 'support',
      SpanAttributes: attributes,
      ResourceAttributes: { 'service.name': 'support' },
      Duration: 800_000_000,
      StatusCode: 'Ok',
      StatusMessage: '',
      TenantId: 'default',
    },
  ]);
  return { trace: first.traceId, span: first.spanId, attributes };
}
