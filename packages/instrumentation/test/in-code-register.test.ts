/**
 * `register()` called from application code, in real child processes: the module hooks it
 * installs, SDKs loaded before it (patched, and in ESM reported), and a budget with nothing
 * instrumented to enforce it on. Calls go to the fake provider with the real SDKs; spans go to a
 * real collector over OTLP/HTTP.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Backend, lines, runApp, startBackend } from './child-app.ts';

let backend: Backend;

beforeAll(async () => {
  backend = await startBackend();
});
afterAll(async () => {
  await backend?.close();
});
beforeEach(() => backend.fake.reset());

function env(service: string): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: backend.collectorUrl,
    OTEL_SERVICE_NAME: service,
    OPENAI_API_KEY: 'test',
    OPENAI_BASE_URL: backend.fake.openaiBaseUrl,
    ANTHROPIC_API_KEY: 'test',
    ANTHROPIC_BASE_URL: backend.fake.anthropicBaseUrl,
  };
}

const callsOf = (service: string) =>
  backend.rows(
    `SELECT provider, request_model, input_tokens, cache_read_tokens, cache_write_tokens,
       output_tokens, agent FROM llm_calls FINAL WHERE service = {service: String}
     ORDER BY start_time`,
    { service },
  );

describe('ESM: register() first, then await import() of the SDKs', () => {
  it('records both SDKs with exact tokens and refuses a call over a task budget before sending it', async () => {
    backend.fake.script(
      { usage: { uncachedInput: 1000, cacheRead: 0, output: 100 } },
      { usage: { uncachedInput: 400, cacheRead: 600, cacheWrite: 200, output: 40 } },
    );
    const result = await runApp('undeclared/register-then-import.mjs', env('esm-in-code'));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // Refused by the USD limit, before the request: the fake saw the first two calls only.
    expect(JSON.parse(result.stdout)).toEqual({ refused: 'usd' });
    expect(backend.fake.requests.map((r) => r.path)).toEqual([
      '/v1/chat/completions',
      '/v1/messages',
    ]);
    expect(await callsOf('esm-in-code')).toEqual([
      {
        provider: 'openai',
        request_model: 'gpt-4o',
        input_tokens: 1000,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
        output_tokens: 100,
        // Nothing names an agent: the collector falls back to the service name.
        agent: 'esm-in-code',
      },
      {
        provider: 'anthropic',
        request_model: 'claude-haiku-4-5',
        input_tokens: 400,
        cache_read_tokens: 600,
        cache_write_tokens: 200,
        output_tokens: 40,
        agent: 'esm-in-code',
      },
    ]);
  });
});

describe('an SDK loaded before register()', () => {
  it('ESM static import: one warning naming the fixes, and the SDK patched from then on', async () => {
    backend.fake.script(
      { usage: { uncachedInput: 10, output: 1 } },
      { usage: { uncachedInput: 20, output: 2 } },
    );
    const result = await runApp('register-after-import.mjs', env('esm-too-late'));
    expect(result.code).toBe(0);
    const warnings = lines(result.stderr);
    expect(warnings).toHaveLength(1);
    // openai only: @anthropic-ai/sdk, declared but not imported, was loaded by the check itself.
    expect(warnings[0]).toMatch(/^tokenwatch: openai was imported before register\(\)/);
    expect(warnings[0]).toContain('node --import @tokenwatch/instrumentation/register');
    expect(warnings[0]).toContain('instrument(client)');
    expect(backend.fake.requests).toHaveLength(2);
    // The first call ran in the same tick as register(), before the late patch: not seen. The
    // second, once the patch is in, is recorded.
    expect(await callsOf('esm-too-late')).toEqual([
      expect.objectContaining({ request_model: 'gpt-4o', input_tokens: 20, output_tokens: 2 }),
    ]);
  });

  it('CommonJS require: patched on the spot, every call after register() recorded, no warning', async () => {
    backend.fake.script({ usage: { uncachedInput: 30, output: 3 } });
    const result = await runApp('require-before-register.cjs', env('cjs-too-late'));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(await callsOf('cjs-too-late')).toEqual([
      expect.objectContaining({ request_model: 'gpt-4o', input_tokens: 30, output_tokens: 3 }),
    ]);
  });
});

describe('a budgeted task with no instrumented SDK', () => {
  it('warns once, instead of pretending to enforce, and lets the calls through', async () => {
    const result = await runApp('budget-without-sdk.mjs', env('blind-budget'));
    expect(result.code).toBe(0);
    const warnings = lines(result.stderr);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^tokenwatch: task "first" has a budget, but no OpenAI or Anthropic SDK/,
    );
    expect(warnings[0]).toContain('instrument(client)');
    // Nothing could refuse them: both calls of the two $0.000001 tasks were sent.
    expect(backend.fake.requests).toHaveLength(2);
  });
});
