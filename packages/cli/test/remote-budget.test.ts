import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BudgetSchema, hashApiKey, loadConfig } from '@tokenwatch/config';
import { type FakeLlm, startFakeLlm } from '@tokenwatch/fake-llm';
import {
  BudgetExceededError,
  OpenAIInstrumentation,
  type Registration,
  register,
  withTask,
} from '@tokenwatch/instrumentation';
import * as OpenAIModule from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../src/server/start-server.ts';

// End to end: an agent instrumented by @tokenwatch/instrumentation, its spans into a real serve,
// the analyzer's budget counter fed by the stored calls, and the agent's remote guard asking it.

const KEY = 'tw_remote_budget_0123456789';
let server: RunningServer;
let fake: FakeLlm;
let tokenwatch: Registration;
let openai: OpenAIModule.OpenAI;

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tokenwatch-remote-budget-'));
  const config = loadConfig({ cwd: dataDir, env: {}, flags: { dataDir, port: 0 } });
  config.apiKeys = [{ tenant: 'acme', keySha256: hashApiKey(KEY) }];
  // The planner may spend $0.004 a day (rolling, so the test means the same at any hour).
  config.budgets = [
    BudgetSchema.parse({
      id: 'planner-daily',
      scope: { agent: 'planner' },
      period: 'rolling',
      window: '24h',
      limit_usd: 0.004,
    }),
    BudgetSchema.parse({
      id: 'summarizer-daily',
      scope: { agent: 'summarizer' },
      period: 'rolling',
      window: '24h',
      limit_usd: 0.004,
    }),
  ];
  server = await startServer(config, { log: () => {} });
  await server.ready;
  fake = await startFakeLlm();
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = server.url;
  process.env.OTEL_EXPORTER_OTLP_HEADERS = `x-tokenwatch-key=${KEY}`;
  tokenwatch = register({ serviceName: 'planner-svc' });
  // vitest loads node_modules outside the module hooks: patch through the registered instance.
  for (const instrumentation of tokenwatch.instrumentations) {
    if (instrumentation instanceof OpenAIInstrumentation)
      instrumentation.manuallyInstrument(OpenAIModule);
  }
  openai = new OpenAIModule.OpenAI({ apiKey: 'test', baseURL: fake.openaiBaseUrl, maxRetries: 0 });
});

afterAll(async () => {
  await tokenwatch?.shutdown();
  await fake?.close();
  await server?.close();
});

const remoteCheck = () => ({
  url: server.url,
  headers: { 'x-tokenwatch-key': KEY },
  cacheTtlMs: 0,
});
const ask = (model = 'gpt-4o') =>
  openai.chat.completions.create({
    model,
    messages: [{ role: 'user', content: 'Plan the trip.' }],
  });

describe('remote budget guard against the analyzer', () => {
  it('lets calls through until the agent budget is spent, then refuses before sending', async () => {
    // gpt-4o: 1000 input × $2.50 + 100 output × $10 per million = $0.0035 per call.
    fake.enqueue({ model: 'gpt-4o-2024-08-06', usage: { uncachedInput: 1000, output: 100 } });
    await withTask({ name: 'plan', agent: 'planner', budget: { remoteCheck: remoteCheck() } }, () =>
      ask(),
    );
    expect(fake.requests).toHaveLength(1);

    // Not spent yet: $0.0035 of $0.004.
    fake.enqueue({ model: 'gpt-4o-2024-08-06', usage: { uncachedInput: 1000, output: 100 } });
    await tokenwatch.forceFlush();
    await server.flushed();
    await withTask({ name: 'plan', agent: 'planner', budget: { remoteCheck: remoteCheck() } }, () =>
      ask(),
    );
    expect(fake.requests).toHaveLength(2);

    // $0.007 of $0.004 once stored: the next call is refused and never reaches the provider.
    await tokenwatch.forceFlush();
    await server.flushed();
    const refused = await withTask(
      { name: 'plan', agent: 'planner', budget: { remoteCheck: remoteCheck() } },
      () => ask(),
    ).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(BudgetExceededError);
    expect((refused as BudgetExceededError).message).toMatch(/planner-daily/);
    expect(fake.requests).toHaveLength(2);

    // Another agent is not held by the planner's budget.
    fake.enqueue({ model: 'gpt-4o-2024-08-06', usage: { uncachedInput: 10, output: 1 } });
    await withTask(
      { name: 'plan', agent: 'researcher', budget: { remoteCheck: remoteCheck() } },
      () => ask(),
    );
    expect(fake.requests).toHaveLength(3);
  });

  it('degrades to the cheaper model when only that one still fits, when the policy says so', async () => {
    const budget = () => ({
      remoteCheck: remoteCheck(),
      onExhausted: 'degrade' as const,
      degrade: { model: 'gpt-4o-mini' },
    });
    // $0.0035 of the summarizer's $0.004: $0.0005 left.
    fake.enqueue({ model: 'gpt-4o-2024-08-06', usage: { uncachedInput: 1000, output: 100 } });
    await withTask({ name: 'sum', agent: 'summarizer', budget: budget() }, () => ask());
    await tokenwatch.forceFlush();
    await server.flushed();
    // Capped at 100 output tokens, gpt-4o could cost $0.001 (over what is left); gpt-4o-mini at most $0.00006.
    fake.enqueue({ model: 'gpt-4o-mini', usage: { uncachedInput: 10, output: 5 } });
    await withTask({ name: 'sum', agent: 'summarizer', budget: budget() }, () =>
      openai.chat.completions.create({
        model: 'gpt-4o',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'Sum up.' }],
      }),
    );
    expect(fake.requests.at(-1)?.body).toMatchObject({ model: 'gpt-4o-mini' });
  });
});
