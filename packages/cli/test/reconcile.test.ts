/**
 * Reconciliation end to end: an agent instrumented by @tokenwatch/instrumentation (real openai and
 * Anthropic SDKs) calls the fake provider, its spans go through a real serve into the embedded
 * store; the same SDKs also call it with no span recorded. The fake's own usage and cost exports
 * (both providers' shapes, paginated, hourly and daily buckets) are imported with the CLI, and
 * fetched from its admin endpoints; `tokenwatch reconcile` must find the uninstrumented share.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as AnthropicModule from '@anthropic-ai/sdk';
import { context, createContextKey } from '@opentelemetry/api';
import { hashApiKey, loadConfig } from '@tokenwatch/config';
import { type FakeLlm, startFakeLlm } from '@tokenwatch/fake-llm';
import {
  AnthropicInstrumentation,
  OpenAIInstrumentation,
  type Registration,
  register,
} from '@tokenwatch/instrumentation';
import { PriceOverridesSchema } from '@tokenwatch/schema';
import * as OpenAIModule from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../src/server/start-server.ts';
import { cliArgs, repo } from './serve-process.ts';

const run = promisify(execFile);
const KEY = 'tw_reconcile_0123456789abcdef';
const ADMIN_KEY = 'admin-key-for-the-fake';
const GPT4O = 'gpt-4o-2024-08-06';
const MINI = 'gpt-4o-mini-2024-07-18';
const SONNET = 'claude-sonnet-4-20250514';

/**
 * The key the OpenTelemetry SDK reads to record nothing (@opentelemetry/core's
 * suppressTracing): calls made under it are the same SDK calls with no span, i.e. traffic
 * Tokenwatch never sees, as from an uninstrumented service.
 */
const SUPPRESS_TRACING = createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING');
const unobserved = <T>(fn: () => Promise<T>) =>
  context.with(context.active().setValue(SUPPRESS_TRACING, true), fn);

let dataDir: string;
let fake: FakeLlm;
let server: RunningServer;
let tokenwatch: Registration;
let openai: OpenAIModule.OpenAI;
let anthropic: AnthropicModule.Anthropic;
let configFile: string;

async function cli(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [...cliArgs, '--data-dir', dataDir, ...args], {
    cwd: repo,
    env: {
      ...process.env,
      TOKENWATCH_CONFIG: configFile,
      OPENAI_ADMIN_KEY: ADMIN_KEY,
      ANTHROPIC_ADMIN_KEY: ADMIN_KEY,
    },
  });
  return stdout;
}

async function exportJson(path: string): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = path.startsWith('/v1/organizations/')
    ? { 'x-api-key': ADMIN_KEY }
    : { authorization: `Bearer ${ADMIN_KEY}` };
  const response = await fetch(`${fake.url}${path}`, { headers });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

/** Every page of an export, as a client following `next_page` would save them. */
async function allPages(path: string): Promise<Record<string, unknown>[]> {
  const pages = [await exportJson(path)];
  while (pages.at(-1)!.has_more)
    pages.push(await exportJson(`${path}&page=${String(pages.at(-1)!.next_page)}`));
  return pages;
}

function saveFile(name: string, json: unknown): string {
  const file = join(dataDir, '..', `${name}.json`);
  writeFileSync(file, JSON.stringify(json));
  return file;
}

type Row = Record<string, string | number | null>;
async function report(by = 'model'): Promise<Row[]> {
  return JSON.parse(
    await cli('reconcile', '--since', '2d', '--by', by, '--format', 'json'),
  ) as Row[];
}

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'tokenwatch-reconcile-'));
  dataDir = join(root, 'data');
  // A non-UTC zone: the provider buckets (and so the report's days) must stay UTC.
  configFile = join(root, 'tokenwatch.yaml');
  writeFileSync(configFile, 'timezone: Pacific/Kiritimati\n');
  fake = await startFakeLlm({
    adminKey: ADMIN_KEY,
    prices: {
      [GPT4O]: { input: '2.5', cachedInput: '1.25', output: '10' },
      [MINI]: { input: '0.15', cachedInput: '0.075', output: '0.6' },
      [SONNET]: { input: '3', cachedInput: '0.3', cacheWrite5m: '3.75', output: '15' },
    },
  });
  const config = loadConfig({ cwd: root, env: {}, flags: { dataDir, port: 0 } });
  config.apiKeys = [{ tenant: 'default', keySha256: hashApiKey(KEY) }];
  // Tokenwatch prices gpt-4o-mini input at twice the provider's: the price drift to find.
  config.prices = PriceOverridesSchema.parse([
    { model: 'gpt-4o-mini*', input: 0.3, cache_read: 0.3, output: 0.6 },
  ]);
  server = await startServer(config, { log: () => {} });
  await server.ready;
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = server.url;
  process.env.OTEL_EXPORTER_OTLP_HEADERS = `x-tokenwatch-key=${KEY}`;
  tokenwatch = register({ serviceName: 'reconciled-agent' });
  // vitest loads node_modules outside the module hooks: patch through the registered instances.
  for (const instrumentation of tokenwatch.instrumentations) {
    if (instrumentation instanceof OpenAIInstrumentation)
      instrumentation.manuallyInstrument(OpenAIModule);
    if (instrumentation instanceof AnthropicInstrumentation)
      instrumentation.manuallyInstrument(AnthropicModule);
  }
  openai = new OpenAIModule.OpenAI({
    apiKey: 'sk-app',
    baseURL: fake.openaiBaseUrl,
    maxRetries: 0,
  });
  anthropic = new AnthropicModule.Anthropic({
    apiKey: 'sk-ant-app',
    baseURL: fake.anthropicBaseUrl,
    maxRetries: 0,
  });

  const chat = (model: string, usage: object) => {
    fake.enqueue({ model: model === 'gpt-4o' ? GPT4O : MINI, usage });
    return openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hi' }] });
  };
  const message = (usage: object) => {
    fake.enqueue({ model: SONNET, usage });
    return anthropic.messages.create({
      model: 'claude-sonnet-4-0',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Hi' }],
    });
  };
  // Observed: 2 × gpt-4o (1000 + 2000 cached in, 100 out), 1 × mini, 1 × sonnet.
  await chat('gpt-4o', { uncachedInput: 1000, cacheRead: 2000, output: 100 });
  await chat('gpt-4o', { uncachedInput: 1000, cacheRead: 2000, output: 100 });
  await chat('gpt-4o-mini', { uncachedInput: 1000, output: 100 });
  await message({ uncachedInput: 1000, cacheRead: 1000, output: 100 });
  // Never observed: 2 × gpt-4o (400 in, 50 out), 1 × sonnet (500 in, 20 out).
  await unobserved(() => chat('gpt-4o', { uncachedInput: 400, output: 50 }));
  await unobserved(() => chat('gpt-4o', { uncachedInput: 400, output: 50 }));
  await unobserved(() => message({ uncachedInput: 500, output: 20 }));
  await tokenwatch.forceFlush();
  await server.flushed();
  // The CLI works on the store itself: the serve that ingested the spans lets go of it.
  await server.close();
}, 60_000);

afterAll(async () => {
  await tokenwatch?.shutdown();
  await fake?.close();
});

const start = () => Math.floor((Date.now() - 2 * 86_400_000) / 1000);

describe('tokenwatch reconcile', () => {
  it('finds the uninstrumented calls as unexplained spend, and the price override as drift', async () => {
    // Daily usage and costs of OpenAI in one file: a page of each.
    const daily = [
      await exportJson(
        `/v1/organization/usage/completions?start_time=${start()}&bucket_width=1d&group_by=model`,
      ),
      await exportJson(`/v1/organization/costs?start_time=${start()}&group_by=line_item`),
    ];
    const imported = JSON.parse(
      await cli(
        'reconcile',
        'import',
        '--provider',
        'openai',
        '--from',
        saveFile('openai-1d', daily),
        '--format',
        'json',
      ),
    ) as Row[];
    expect(imported[0]).toMatchObject({ provider: 'openai', usage_lines: 2, cost_lines: 6 });

    const rows = await report();
    const gpt4o = rows.find((r) => r.model === GPT4O)!;
    // Billed: 2 × (1000 × 2.5 + 2000 × 1.25 + 100 × 10) + 2 × (400 × 2.5 + 50 × 10), per million
    // = 2 × 0.006 + 2 × 0.0015 = 0.015; observed 0.012; unexplained 0.003.
    expect(gpt4o).toMatchObject({
      provider: 'openai',
      tier: 'live',
      billed_input: 2800,
      billed_cache_read: 4000,
      billed_output: 300,
      billed_requests: 4,
      billed_usd: '0.015',
      observed_input: 2000,
      observed_cache_read: 4000,
      observed_output: 200,
      observed_calls: 2,
      usage_missing_calls: 0,
      observed_usd: '0.012',
      unexplained_usd: '0.003',
      price_drift_usd: '0',
      coverage_requests: 0.5,
    });
    expect(gpt4o.coverage_cost).toBeCloseTo(0.8, 12);
    expect(gpt4o.coverage_tokens).toBeCloseTo(6200 / 7100, 12);
    // mini: the provider bills 1000 × 0.15 + 100 × 0.6 = 0.00021, Tokenwatch computed
    // 1000 × 0.3 + 100 × 0.6 = 0.00036: all of it observed, 0.00015 of drift.
    expect(rows.find((r) => r.model === MINI)).toMatchObject({
      billed_usd: '0.00021',
      observed_usd: '0.00036',
      unexplained_usd: '0',
      price_drift_usd: '0.00015',
      coverage_tokens: 1,
      coverage_cost: 1,
      coverage_requests: 1,
    });
  });

  it('compares each day once whatever widths and pages were imported, and re-imports change nothing', async () => {
    const before = await report('day');
    const hourly = await allPages(
      `/v1/organization/usage/completions?start_time=${start()}&bucket_width=1h&limit=5&group_by=model`,
    );
    expect(hourly.length).toBeGreaterThan(1);
    const file = saveFile('openai-1h', hourly);
    await cli('reconcile', 'import', '--provider', 'openai', '--from', file);
    await cli('reconcile', 'import', '--provider', 'openai', '--from', file);
    const after = await report('day');
    expect(after).toEqual(before);
    // Days are UTC dates whatever the configured zone.
    const today = new Date().toISOString().slice(0, 10);
    const openaiToday = after.find((r) => r.provider === 'openai' && r.day === today)!;
    // 0.015 + 0.00021 billed; observed at the provider's prices 0.012 + 0.00021.
    expect(openaiToday).toMatchObject({ billed_usd: '0.01521', unexplained_usd: '0.003' });
  });

  it('reads the Anthropic report shapes, cents and all', async () => {
    const pages = [
      ...(await allPages(
        `/v1/organizations/usage_report/messages?starting_at=${new Date(start() * 1000).toISOString()}&bucket_width=1h&limit=24&group_by[]=model`,
      )),
      await exportJson(
        `/v1/organizations/cost_report?starting_at=${new Date(start() * 1000).toISOString()}&group_by[]=description`,
      ),
    ];
    await cli(
      'reconcile',
      'import',
      '--provider',
      'anthropic',
      '--from',
      saveFile('anthropic', pages),
    );
    const sonnet = (await report()).find((r) => r.model === SONNET)!;
    // Observed 1000 × 3 + 1000 × 0.3 + 100 × 15 = 0.0048; never observed 500 × 3 + 20 × 15 = 0.0018.
    expect(sonnet).toMatchObject({
      provider: 'anthropic',
      billed_input: 1500,
      billed_cache_read: 1000,
      billed_output: 120,
      billed_usd: '0.0066',
      observed_usd: '0.0048',
      unexplained_usd: '0.0018',
      price_drift_usd: '0',
      observed_calls: 1,
      // The usage report has no request count.
      coverage_requests: null,
    });
  });

  it('fetches both providers from their admin endpoints, following pages, idempotently', async () => {
    const before = await report();
    const usagePath = {
      openai: '/v1/organization/usage/completions',
      anthropic: '/v1/organizations/usage_report/messages',
    };
    for (const provider of ['openai', 'anthropic'] as const) {
      const asked = () => fake.requests.filter((r) => r.path === usagePath[provider]).length;
      const askedBefore = asked();
      // Eight days of hourly buckets are more than one page (at most 168 buckets) holds.
      const out = JSON.parse(
        await cli(
          'reconcile',
          'fetch',
          '--provider',
          provider,
          '--since',
          '8d',
          '--base-url',
          fake.url,
          '--format',
          'json',
        ),
      ) as Row[];
      expect(out[0]).toMatchObject({ provider });
      expect(asked() - askedBefore).toBe(2);
    }
    const after = await report();
    for (const model of [GPT4O, MINI, SONNET]) {
      const pick = (rows: Row[]) => rows.find((r) => r.model === model);
      expect(pick(after)?.unexplained_usd).toBe(pick(before)?.unexplained_usd);
      expect(pick(after)?.billed_usd).toBe(pick(before)?.billed_usd);
    }
  });

  it('refuses to fetch without the admin key', async () => {
    const attempt = run(
      process.execPath,
      [
        ...cliArgs,
        '--data-dir',
        dataDir,
        'reconcile',
        'fetch',
        '--provider',
        'openai',
        '--base-url',
        fake.url,
      ],
      { cwd: repo, env: { ...process.env, OPENAI_ADMIN_KEY: '' } },
    );
    await expect(attempt).rejects.toMatchObject({
      stderr: expect.stringContaining('set OPENAI_ADMIN_KEY'),
    });
  });
});
