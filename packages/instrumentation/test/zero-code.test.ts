/**
 * The zero-code path in real child processes: `node --import @tokenwatch/instrumentation/register`
 * in front of applications that contain no Tokenwatch code, configured by the environment alone.
 * This is where the module hooks (import-in-the-middle for ESM, require-in-the-middle for CJS) are
 * proven; the other tests patch modules explicitly.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createAdaptorServer } from '@hono/node-server';
import { type Collector, createCollector } from '@tokenwatch/collector';
import { loadConfig } from '@tokenwatch/config';
import { type FakeLlm, startFakeLlm } from '@tokenwatch/fake-llm';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const packageDir = resolve(import.meta.dirname, '..');

let store: TestStore;
let collector: Collector;
let server: ReturnType<typeof createAdaptorServer>;
let collectorUrl: string;
let fake: FakeLlm;

beforeAll(async () => {
  store = await openTestStore();
  const dataDir = mkdtempSync(join(tmpdir(), 'tokenwatch-zero-code-'));
  collector = createCollector({
    store: store.store,
    config: loadConfig({ cwd: dataDir, env: {}, flags: { dataDir } }),
  });
  collector.start();
  server = createAdaptorServer({ fetch: collector.app.fetch });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  collectorUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake = await startFakeLlm();
});

afterAll(async () => {
  await fake?.close();
  await new Promise((done) => server.close(done));
  await collector.stop();
  await store.cleanup();
});

beforeEach(() => fake.reset());

/** Runs a fixture app under the zero-code entry point, from TypeScript source. */
async function runApp(app: string, service: string): Promise<void> {
  const { stderr } = await run(
    process.execPath,
    [
      '--conditions=@tokenwatch/source',
      '--import',
      'tsx',
      '--import',
      '@tokenwatch/instrumentation/register',
      join('test/fixtures', app),
    ],
    {
      cwd: packageDir,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl,
        OTEL_SERVICE_NAME: service,
        // The application samples nothing; LLM calls are recorded anyway.
        OTEL_TRACES_SAMPLER: 'always_off',
        TOKENWATCH_AGENT: 'zero-code-agent',
        TOKENWATCH_TEAM: 'ops',
        OPENAI_API_KEY: 'test',
        OPENAI_BASE_URL: fake.openaiBaseUrl,
        ANTHROPIC_API_KEY: 'test',
        ANTHROPIC_BASE_URL: fake.anthropicBaseUrl,
      },
      timeout: 30_000,
    },
  );
  expect(stderr).toBe('');
}

async function rows(query: string, service: string): Promise<Record<string, unknown>[]> {
  await collector.flushed();
  const result = await store.store.client.query({
    query,
    query_params: { service },
    format: 'JSONEachRow',
  });
  return result.json();
}

describe.each([
  ['an unmodified ESM app', 'esm-app.mjs', 'esm-app'],
  ['an unmodified CommonJS app', 'cjs-app.cjs', 'cjs-app'],
])('%s under --import @tokenwatch/instrumentation/register', (_label, app, service) => {
  it('exports priced, attributed calls, each reported once', async () => {
    fake.script(
      { usage: { uncachedInput: 1000, cacheRead: 0, output: 100 } },
      { usage: { uncachedInput: 400, cacheRead: 600, cacheWrite: 200, output: 40 } },
    );
    await runApp(app, service);
    // The fake saw both calls: the instrumentation did not get in the way.
    expect(fake.requests.map((r) => r.path)).toEqual(['/v1/chat/completions', '/v1/messages']);

    const calls = await rows(
      `SELECT provider, request_model, input_tokens, cache_read_tokens, cache_write_tokens,
         output_tokens, toString(total_cost) AS total_cost, agent, team
       FROM llm_calls FINAL WHERE service = {service: String} ORDER BY start_time`,
      service,
    );
    expect(calls).toEqual([
      {
        // gpt-4o: 1000 × 2.50 / 1e6 + 100 × 10 / 1e6 = 0.0025 + 0.001
        provider: 'openai',
        request_model: 'gpt-4o',
        input_tokens: 1000,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
        output_tokens: 100,
        total_cost: '0.0035',
        agent: 'zero-code-agent',
        team: 'ops',
      },
      {
        // claude-haiku-4-5: 400 × 1 / 1e6 + 600 × 0.10 / 1e6 + 200 × 1.25 / 1e6 + 40 × 5 / 1e6
        //   = 0.0004 + 0.00006 + 0.00025 + 0.0002
        provider: 'anthropic',
        request_model: 'claude-haiku-4-5',
        input_tokens: 400,
        cache_read_tokens: 600,
        cache_write_tokens: 200,
        output_tokens: 40,
        total_cost: '0.00091',
        agent: 'zero-code-agent',
        team: 'ops',
      },
    ]);
    // Raw spans: only Tokenwatch's, so the Anthropic SDK's own span was not emitted at all.
    const spans = await rows(
      `SELECT ScopeName AS scope, SpanName AS name FROM otel_traces
       WHERE ServiceName = {service: String} ORDER BY Timestamp`,
      service,
    );
    expect(spans).toEqual([
      { scope: '@tokenwatch/instrumentation/openai', name: 'chat gpt-4o' },
      { scope: '@tokenwatch/instrumentation/anthropic', name: 'chat claude-haiku-4-5' },
    ]);
  });
});
