/**
 * End to end: the real SDKs against the fake provider, `register()` exporting over OTLP/HTTP with
 * the standard OTEL_* variables, into a real collector whose store is then queried.
 */
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as AnthropicV1Module from '@anthropic-ai/sdk';
import * as AnthropicV0Module from '@anthropic-ai/sdk-v0';
import { createAdaptorServer } from '@hono/node-server';
import { type Collector, createCollector } from '@tokenwatch/collector';
import { hashApiKey, loadConfig } from '@tokenwatch/config';
import { type FakeLlm, startFakeLlm } from '@tokenwatch/fake-llm';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import * as OpenAIV6Module from 'openai';
import * as OpenAIV5Module from 'openai-v5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnthropicInstrumentation } from '../src/anthropic-instrumentation.ts';
import { OpenAIInstrumentation } from '../src/openai-instrumentation.ts';
import { type Registration, register } from '../src/sdk.ts';
import { withTask } from '../src/task.ts';

const KEY = 'tw_test_e2e_0123456789abcdef';

let store: TestStore;
let collector: Collector;
let server: ReturnType<typeof createAdaptorServer>;
let fake: FakeLlm;
let tokenwatch: Registration;

beforeAll(async () => {
  store = await openTestStore();
  const dataDir = mkdtempSync(join(tmpdir(), 'tokenwatch-instrumentation-e2e-'));
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
  fake = await startFakeLlm();

  // What a deployment sets; register() reads them through the SDK and the OTLP exporter.
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.OTEL_EXPORTER_OTLP_HEADERS = `x-tokenwatch-key=${KEY}`;
  process.env.OTEL_SERVICE_NAME = 'support-bot';
  process.env.OTEL_RESOURCE_ATTRIBUTES = 'deployment.environment.name=staging';
  tokenwatch = register({ team: 'platform', project: 'storefront' });
  // vitest loads node_modules outside the module hooks: patch through the registered instances.
  for (const instrumentation of tokenwatch.instrumentations) {
    if (instrumentation instanceof OpenAIInstrumentation) {
      instrumentation.manuallyInstrument(OpenAIV6Module);
      instrumentation.manuallyInstrument(OpenAIV5Module);
    } else if (instrumentation instanceof AnthropicInstrumentation) {
      instrumentation.manuallyInstrument(AnthropicV1Module);
      instrumentation.manuallyInstrument(AnthropicV0Module);
    }
  }
});

afterAll(async () => {
  await tokenwatch?.shutdown();
  await fake?.close();
  await new Promise((resolve) => server.close(resolve));
  await collector.stop();
  await store.cleanup();
});

type Row = Record<string, unknown>;

async function rows(query: string): Promise<Row[]> {
  await tokenwatch.forceFlush();
  await collector.flushed();
  const result = await store.store.client.query({ query, format: 'JSONEachRow' });
  return result.json<Row>();
}

describe('into a real collector', () => {
  it('stores exact tokens, costs and attribution for both SDKs, both majors', async () => {
    const openai6 = new OpenAIV6Module.default({
      apiKey: 'test',
      baseURL: fake.openaiBaseUrl,
      maxRetries: 0,
    });
    const openai5 = new OpenAIV5Module.default({
      apiKey: 'test',
      baseURL: fake.openaiBaseUrl,
      maxRetries: 0,
    });
    const anthropic1 = new AnthropicV1Module.default({
      apiKey: 'test',
      baseURL: fake.anthropicBaseUrl,
      maxRetries: 0,
    });
    const anthropic0 = new AnthropicV0Module.default({
      apiKey: 'test',
      baseURL: fake.anthropicBaseUrl,
      maxRetries: 0,
    });
    fake.script(
      { model: 'gpt-4o-2024-08-06', usage: { uncachedInput: 1200, cacheRead: 800, output: 150 } },
      {
        model: 'claude-haiku-4-5-20251001',
        usage: { uncachedInput: 100, cacheRead: 2000, cacheWrite: 400, output: 50 },
      },
      { usage: { uncachedInput: 500, output: 300, reasoning: 200 } },
      { usage: { uncachedInput: 10, output: 20 } },
      { usage: { uncachedInput: 1000 } },
      { error: { status: 500 } },
    );
    const system = 'You answer support tickets.';
    await withTask(
      {
        id: 'e2e-task',
        name: 'support-reply',
        agent: 'support-bot',
        user: 'u-1',
        session: 's-1',
        feature: 'reply',
      },
      async () => {
        await openai6.chat.completions.create({
          model: 'gpt-4o',
          messages: [
            { role: 'system', content: system },
            { role: 'user', content: 'My invoice is wrong' },
          ],
        });
        await anthropic1.messages.create({
          model: 'claude-haiku-4-5',
          max_tokens: 200,
          system,
          messages: [{ role: 'user', content: 'My invoice is wrong' }],
        });
        const stream = await openai5.chat.completions.create({
          model: 'o4-mini',
          messages: [{ role: 'user', content: 'Think it through' }],
          stream: true,
          stream_options: { include_usage: true },
        });
        for await (const _ of stream) {
          // drain
        }
        await anthropic0.messages
          .stream({
            model: 'claude-haiku-4-5',
            max_tokens: 50,
            messages: [{ role: 'user', content: 'Summarize' }],
          })
          .finalMessage();
        await openai6.embeddings.create({ model: 'text-embedding-3-small', input: 'invoice' });
        await expect(
          openai6.chat.completions.create({
            model: 'gpt-4o',
            messages: [{ role: 'user', content: 'again' }],
          }),
        ).rejects.toThrow();
      },
    );

    const calls = await rows(`
      SELECT tenant, service, environment, provider, operation, request_model, response_model,
        input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
        toString(input_cost) AS input_cost, toString(cache_read_cost) AS cache_read_cost,
        toString(cache_write_cost) AS cache_write_cost, toString(output_cost) AS output_cost,
        toString(total_cost) AS total_cost, status, error_type, finish_reason, agent, user_id,
        team, feature, project, session_id, task_id, prefix_hash != '' AS has_prefix_hash
      FROM llm_calls FINAL ORDER BY start_time`);
    const common = {
      tenant: 'acme',
      service: 'support-bot',
      environment: 'staging',
      agent: 'support-bot',
      user_id: 'u-1',
      team: 'platform',
      feature: 'reply',
      // From register(): a resource attribute, as team.
      project: 'storefront',
      session_id: 's-1',
      task_id: 'e2e-task',
      status: 'ok',
      error_type: '',
    };
    expect(calls).toEqual([
      {
        ...common,
        // gpt-4o: $2.50 / M input, $1.25 / M cached input, $10 / M output.
        // 1200 × 2.50 / 1e6 = 0.003; 800 × 1.25 / 1e6 = 0.001; 150 × 10 / 1e6 = 0.0015
        provider: 'openai',
        operation: 'chat',
        request_model: 'gpt-4o',
        response_model: 'gpt-4o-2024-08-06',
        input_tokens: 1200,
        cache_read_tokens: 800,
        cache_write_tokens: 0,
        output_tokens: 150,
        reasoning_tokens: 0,
        input_cost: '0.003',
        cache_read_cost: '0.001',
        cache_write_cost: '0',
        output_cost: '0.0015',
        total_cost: '0.0055',
        finish_reason: 'stop',
        has_prefix_hash: 1,
      },
      {
        ...common,
        // claude-haiku-4-5: $1 / M input, $0.10 / M cache read, $1.25 / M cache write, $5 / M output.
        // 100 × 1 / 1e6 = 0.0001; 2000 × 0.10 / 1e6 = 0.0002; 400 × 1.25 / 1e6 = 0.0005;
        // 50 × 5 / 1e6 = 0.00025; total 0.00105
        provider: 'anthropic',
        operation: 'chat',
        request_model: 'claude-haiku-4-5',
        response_model: 'claude-haiku-4-5-20251001',
        input_tokens: 100,
        cache_read_tokens: 2000,
        cache_write_tokens: 400,
        output_tokens: 50,
        reasoning_tokens: 0,
        input_cost: '0.0001',
        cache_read_cost: '0.0002',
        cache_write_cost: '0.0005',
        output_cost: '0.00025',
        total_cost: '0.00105',
        finish_reason: 'end_turn',
        has_prefix_hash: 1,
      },
      {
        ...common,
        // o4-mini: $1.10 / M input, $4.40 / M output (reasoning billed as output).
        // 500 × 1.10 / 1e6 = 0.00055; 300 × 4.40 / 1e6 = 0.00132; total 0.00187
        provider: 'openai',
        operation: 'chat',
        request_model: 'o4-mini',
        response_model: 'o4-mini',
        input_tokens: 500,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
        output_tokens: 300,
        reasoning_tokens: 200,
        input_cost: '0.00055',
        cache_read_cost: '0',
        cache_write_cost: '0',
        output_cost: '0.00132',
        total_cost: '0.00187',
        finish_reason: 'stop',
        has_prefix_hash: 0,
      },
      {
        ...common,
        // 10 × 1 / 1e6 = 0.00001; 20 × 5 / 1e6 = 0.0001; total 0.00011
        provider: 'anthropic',
        operation: 'chat',
        request_model: 'claude-haiku-4-5',
        response_model: 'claude-haiku-4-5',
        input_tokens: 10,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
        output_tokens: 20,
        reasoning_tokens: 0,
        input_cost: '0.00001',
        cache_read_cost: '0',
        cache_write_cost: '0',
        output_cost: '0.0001',
        total_cost: '0.00011',
        finish_reason: 'end_turn',
        has_prefix_hash: 0,
      },
      {
        ...common,
        // text-embedding-3-small: $0.02 / M input. 1000 × 0.02 / 1e6 = 0.00002
        provider: 'openai',
        operation: 'embeddings',
        request_model: 'text-embedding-3-small',
        response_model: 'text-embedding-3-small',
        input_tokens: 1000,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
        output_tokens: 0,
        reasoning_tokens: 0,
        input_cost: '0.00002',
        cache_read_cost: '0',
        cache_write_cost: '0',
        output_cost: '0',
        total_cost: '0.00002',
        finish_reason: '',
        has_prefix_hash: 0,
      },
      {
        ...common,
        // A failed request reports no usage and was not billed.
        provider: 'openai',
        operation: 'chat',
        request_model: 'gpt-4o',
        response_model: '',
        input_tokens: 0,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
        output_tokens: 0,
        reasoning_tokens: 0,
        input_cost: '0',
        cache_read_cost: '0',
        cache_write_cost: '0',
        output_cost: '0',
        total_cost: '0',
        status: 'error',
        error_type: 'InternalServerError',
        finish_reason: '',
        has_prefix_hash: 0,
      },
    ]);

    const tasks = await rows(`
      SELECT task_id, name, outcome, agent, user_id, team, feature, project, session_id, service
      FROM tasks FINAL`);
    expect(tasks).toEqual([
      {
        task_id: 'e2e-task',
        name: 'support-reply',
        outcome: 'success',
        agent: 'support-bot',
        user_id: 'u-1',
        team: 'platform',
        feature: 'reply',
        project: 'storefront',
        session_id: 's-1',
        service: 'support-bot',
      },
    ]);
  });

  it('records and prices 1-hour cache writes apart from 5-minute ones, streamed or not', async () => {
    const anthropic1 = new AnthropicV1Module.default({
      apiKey: 'test',
      baseURL: fake.anthropicBaseUrl,
      maxRetries: 0,
    });
    const anthropic0 = new AnthropicV0Module.default({
      apiKey: 'test',
      baseURL: fake.anthropicBaseUrl,
      maxRetries: 0,
    });
    // 1000 cache writes each, 400 of them to the 1-hour cache (usage.cache_creation splits them).
    const usage = { uncachedInput: 100, cacheWrite: 1000, cacheWrite1h: 400, output: 50 };
    fake.script(
      { model: 'claude-haiku-4-5-20251001', usage },
      { model: 'claude-haiku-4-5-20251001', usage },
    );
    await withTask({ id: 'e2e-cache-1h', name: 'cache-1h' }, async () => {
      await anthropic1.messages.create({
        model: 'claude-haiku-4-5',
        max_tokens: 200,
        system: [
          { type: 'text', text: 'Long policy', cache_control: { type: 'ephemeral', ttl: '1h' } },
        ],
        messages: [{ role: 'user', content: 'My invoice is wrong' }],
      });
      await anthropic0.messages
        .stream({
          model: 'claude-haiku-4-5',
          max_tokens: 50,
          messages: [{ role: 'user', content: 'Summarize' }],
        })
        .finalMessage();
    });
    const calls = await rows(`
      SELECT input_tokens, cache_write_tokens, cache_write_1h_tokens, output_tokens,
        toString(cache_write_cost) AS cache_write_cost, toString(total_cost) AS total_cost
      FROM llm_calls FINAL WHERE task_id = 'e2e-cache-1h' ORDER BY start_time`);
    // claude-haiku-4-5 (genai-prices 0.1.8): $1 / M input, $1.25 / M 5-minute cache write,
    // $2 / M 1-hour cache write, $5 / M output.
    //   input 100 × 1 / 1e6 = 0.0001
    //   cache write 600 × 1.25 / 1e6 = 0.00075 + 400 × 2 / 1e6 = 0.0008 → 0.00155
    //     (all 1000 at the 5-minute price would be 0.00125)
    //   output 50 × 5 / 1e6 = 0.00025
    //   total 0.0001 + 0.00155 + 0.00025 = 0.0019
    const expected = {
      input_tokens: 100,
      cache_write_tokens: 1000,
      cache_write_1h_tokens: 400,
      output_tokens: 50,
      cache_write_cost: '0.00155',
      total_cost: '0.0019',
    };
    expect(calls).toEqual([expected, expected]);
  });
});
