/**
 * Retries end to end: the OpenAI SDK against the fake provider, `register()` exporting over
 * OTLP/HTTP into a real collector, and the analyzer's failure report over the store it wrote.
 * Retries are found by the request hash the instrumentation records; spans of another emitter,
 * which carry none, are still matched by the prefix-and-size heuristic, and counted as such.
 */
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { type Collector, createCollector } from '@tokenwatch/collector';
import { hashApiKey, loadConfig } from '@tokenwatch/config';
import { type FakeLlm, startFakeLlm } from '@tokenwatch/fake-llm';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import * as OpenAIModule from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The report the `failures` verb, the API and the weekly report print; the analyzer is not a
// dependency of this package, so its source is imported as the CLI's tests do.
import { type AgentFailureCost, getFailureCost } from '../../../analyzer/src/analytics/failures.ts';
import { OpenAIInstrumentation } from '../src/openai-instrumentation.ts';
import { requestHash } from '../src/request-hash.ts';
import { type Registration, register } from '../src/sdk.ts';
import { withTask } from '../src/task.ts';

const KEY = 'tw_test_retries_0123456789abcdef';
const SYSTEM = 'You answer billing questions for the support team.';
// Three different questions of one length: with one system prompt and the same usage reported,
// model, prefix hash and prompt size are all alike.
const QUESTIONS = ['Where is my invoice?', 'Why was I charged 2x', 'Can I pay with card?'];
// gpt-4o: 1000 × 2.50 / 1e6 + 20 × 10 / 1e6 = 0.0027 a call.
const USAGE_REPLY = { model: 'gpt-4o-2024-08-06', usage: { uncachedInput: 1000, output: 20 } };

let store: TestStore;
let collector: Collector;
let server: ReturnType<typeof createAdaptorServer>;
let endpoint: string;
let fake: FakeLlm;
let tokenwatch: Registration;
let byAgent: Record<string, AgentFailureCost>;

type Row = Record<string, unknown>;

async function rows(query: string): Promise<Row[]> {
  const result = await store.store.client.query({ query, format: 'JSONEachRow' });
  return result.json<Row>();
}

/** A call span as another instrumentation sends it: usage and prefix, no request hash. */
function otherEmitterSpan(spanId: string, startMs: number) {
  const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
  const int = (key: string, value: number) => ({ key, value: { intValue: String(value) } });
  return {
    traceId: 'c'.repeat(32),
    spanId,
    name: 'chat gpt-4o',
    kind: 3,
    startTimeUnixNano: `${startMs}000000`,
    endTimeUnixNano: `${startMs + 1}000000`,
    attributes: [
      str('gen_ai.operation.name', 'chat'),
      str('gen_ai.provider.name', 'openai'),
      str('gen_ai.request.model', 'gpt-4o'),
      str('gen_ai.agent.name', 'other-emitter'),
      str('tokenwatch.task.id', 'other-task'),
      str('tokenwatch.prefix_hash', 'p-other'),
      int('gen_ai.usage.input_tokens', 1000),
      int('gen_ai.usage.output_tokens', 20),
    ],
  };
}

beforeAll(async () => {
  store = await openTestStore();
  const dataDir = mkdtempSync(join(tmpdir(), 'tokenwatch-retries-e2e-'));
  collector = createCollector({
    store: store.store,
    config: {
      ...loadConfig({ cwd: dataDir, env: {}, flags: { dataDir } }),
      apiKeys: [{ tenant: 'acme', keySha256: hashApiKey(KEY) }],
    },
  });
  collector.start();
  server = createAdaptorServer({ fetch: collector.app.fetch });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake = await startFakeLlm();

  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = endpoint;
  process.env.OTEL_EXPORTER_OTLP_HEADERS = `x-tokenwatch-key=${KEY}`;
  process.env.OTEL_SERVICE_NAME = 'billing-bot';
  tokenwatch = register();
  // vitest loads node_modules outside the module hooks: patch through the registered instance.
  for (const instrumentation of tokenwatch.instrumentations) {
    if (instrumentation instanceof OpenAIInstrumentation) {
      instrumentation.manuallyInstrument(OpenAIModule);
    }
  }

  const openai = new OpenAIModule.default({
    apiKey: 'test',
    baseURL: fake.openaiBaseUrl,
    maxRetries: 0,
  });
  const ask = (question: string) =>
    openai.chat.completions.create({
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: question },
      ],
    });

  fake.script(USAGE_REPLY, USAGE_REPLY, USAGE_REPLY);
  await withTask({ id: 'questions', name: 'answer', agent: 'asker' }, async () => {
    for (const question of QUESTIONS) await ask(question);
  });

  // The same request three times: the first attempt fails (no usage, so a prompt size of 0), the
  // agent sends it again, then once more.
  fake.script({ error: { status: 500 } }, USAGE_REPLY, USAGE_REPLY);
  await withTask({ id: 'resends', name: 'answer', agent: 'resender' }, async () => {
    await expect(ask(QUESTIONS[0]!)).rejects.toThrow();
    await ask(QUESTIONS[0]!);
    await ask(QUESTIONS[0]!);
  });
  await tokenwatch.forceFlush();

  // Another emitter: two alike calls of one task, the second a second after the first.
  const start = Date.now() - 60_000;
  const response = await fetch(`${endpoint}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-tokenwatch-key': KEY },
    body: JSON.stringify({
      resourceSpans: [
        {
          scopeSpans: [
            {
              scope: { name: 'another-instrumentation' },
              spans: [
                otherEmitterSpan('0000000000000001', start),
                otherEmitterSpan('0000000000000002', start + 1000),
              ],
            },
          ],
        },
      ],
    }),
  });
  expect(response.status).toBe(200);
  await collector.flushed();

  const now = Date.now();
  const agents = await getFailureCost(store.store, {
    tenant: 'acme',
    range: { from: new Date(now - 3_600_000), to: new Date(now + 60_000) },
  });
  byAgent = Object.fromEntries(agents.map((a) => [a.agent, a]));
});

afterAll(async () => {
  await tokenwatch?.shutdown();
  await fake?.close();
  await new Promise((resolve) => server.close(resolve));
  await collector.stop();
  await store.cleanup();
});

describe('retries through the real instrumentation, collector and store', () => {
  it('stores the hash of each request sent: one per question, one for the resent request', async () => {
    const stored = await rows(`
      SELECT task_id, request_hash, input_tokens + cache_read_tokens + cache_write_tokens AS prompt,
        status
      FROM llm_calls FINAL WHERE agent IN ('asker', 'resender') ORDER BY start_time`);
    const sent = fake.requests.map((r) => requestHash(r.body!));
    expect(stored).toEqual([
      ...sent.slice(0, 3).map((hash) => ({
        task_id: 'questions',
        request_hash: hash,
        prompt: 1000,
        status: 'ok',
      })),
      { task_id: 'resends', request_hash: sent[3], prompt: 0, status: 'error' },
      { task_id: 'resends', request_hash: sent[3], prompt: 1000, status: 'ok' },
      { task_id: 'resends', request_hash: sent[3], prompt: 1000, status: 'ok' },
    ]);
    expect(new Set(sent.slice(0, 3)).size).toBe(3);
    expect(sent.slice(3)).toEqual([sent[3], sent[3], sent[3]]);
  });

  it('counts no retry for three different questions of the same prompt size', () => {
    expect(byAgent.asker).toMatchObject({
      totalCostUsd: '0.0081',
      retries: 0,
      retriesExact: 0,
      retriesHeuristic: 0,
      retryCostUsd: '0',
      wasteShare: 0,
    });
  });

  it('counts two retries, by request hash, for the same request sent three times', () => {
    // The second and third attempts, 0.0027 each; the failed first one cost nothing.
    expect(byAgent.resender).toMatchObject({
      totalCostUsd: '0.0054',
      failedCalls: 1,
      failedCallCostUsd: '0',
      retries: 2,
      retriesExact: 2,
      retryCostExactUsd: '0.0054',
      retriesHeuristic: 0,
      retryCostHeuristicUsd: '0',
      retryCostUsd: '0.0054',
      wasteShare: 1,
    });
  });

  it('still matches calls of another emitter, without a request hash, by the heuristic', async () => {
    expect(
      await rows(`SELECT request_hash FROM llm_calls FINAL WHERE agent = 'other-emitter'`),
    ).toEqual([{ request_hash: '' }, { request_hash: '' }]);
    expect(byAgent['other-emitter']).toMatchObject({
      totalCostUsd: '0.0054',
      retries: 1,
      retriesExact: 0,
      retriesHeuristic: 1,
      retryCostHeuristicUsd: '0.0027',
      retryCostUsd: '0.0027',
    });
  });
});
