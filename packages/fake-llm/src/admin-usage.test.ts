import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeLlm } from './server.ts';
import type { FakeLlm } from './types.ts';
import { apiKeyId } from './usage-ledger.ts';

const DAY = Date.UTC(2026, 0, 10);
const HOUR = 3_600_000;
let clock = DAY;
let fake: FakeLlm;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  fake = await startFakeLlm({
    now: () => clock,
    adminKey: 'admin-secret',
    usageCapacity: 50,
    prices: {
      'gpt-4o-mini-2024-07-18': { input: '0.15', cachedInput: '0.075', output: '0.6' },
      'claude-sonnet-4-20250514': {
        input: '3',
        cachedInput: '0.3',
        cacheWrite5m: '3.75',
        cacheWrite1h: '6',
        output: '15',
      },
    },
  });
  openai = new OpenAI({
    apiKey: 'sk-agent',
    project: 'proj_a',
    baseURL: fake.openaiBaseUrl,
    maxRetries: 0,
  });
  anthropic = new Anthropic({
    apiKey: 'sk-ant-agent',
    baseURL: fake.anthropicBaseUrl,
    maxRetries: 0,
  });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

async function chat(
  at: number,
  usage: { uncachedInput: number; cacheRead?: number; output: number },
) {
  clock = at;
  fake.enqueue({ model: 'gpt-4o-mini-2024-07-18', usage });
  await openai.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'x' }],
  });
}

async function admin(path: string): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = path.startsWith('/v1/organizations/')
    ? { 'x-api-key': 'admin-secret', 'anthropic-version': '2023-06-01' }
    : { authorization: 'Bearer admin-secret' };
  const res = await fetch(`${fake.url}${path}`, { headers });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

describe('OpenAI usage export', () => {
  it('sums what was answered per UTC hour and model, input including cached, across pages', async () => {
    await chat(DAY + 10 * 60_000, { uncachedInput: 100, cacheRead: 50, output: 20 });
    await chat(DAY + 20 * 60_000, { uncachedInput: 10, output: 5 });
    await chat(DAY + HOUR + 1, { uncachedInput: 7, output: 3 });
    clock = DAY + 3 * HOUR;
    const start = DAY / 1000;
    const first = await admin(
      `/v1/organization/usage/completions?start_time=${start}&bucket_width=1h&limit=2&group_by=model&group_by=project_id&group_by=api_key_id`,
    );
    expect(first.has_more).toBe(true);
    const second = await admin(
      `/v1/organization/usage/completions?start_time=${start}&bucket_width=1h&limit=2&group_by=model&page=${String(first.next_page)}`,
    );
    expect(second.has_more).toBe(false);
    const buckets = [...(first.data as object[]), ...(second.data as object[])];
    expect(buckets).toHaveLength(3);
    expect(buckets[0]).toMatchObject({
      start_time: start,
      end_time: start + 3600,
      results: [
        {
          input_tokens: 160,
          input_cached_tokens: 50,
          output_tokens: 25,
          num_model_requests: 2,
          model: 'gpt-4o-mini-2024-07-18',
          project_id: 'proj_a',
          api_key_id: apiKeyId('openai', 'sk-agent'),
        },
      ],
    });
    expect(buckets[1]).toMatchObject({ results: [{ input_tokens: 7, num_model_requests: 1 }] });
    expect(buckets[2]).toMatchObject({ results: [] });
  });

  it('prices the day in dollars, by line item', async () => {
    await chat(DAY + 1000, { uncachedInput: 1000, cacheRead: 2000, output: 500 });
    clock = DAY + 2 * HOUR;
    const page = await admin(`/v1/organization/costs?start_time=${DAY / 1000}&group_by=line_item`);
    const [bucket] = page.data as { results: { amount: { value: number }; line_item: string }[] }[];
    // 1000 × 0.15 + 2000 × 0.075 + 500 × 0.6, per million tokens.
    expect(bucket!.results.map((r) => [r.line_item, r.amount.value])).toEqual([
      ['gpt-4o-mini-2024-07-18, input', 0.00015],
      ['gpt-4o-mini-2024-07-18, cached input', 0.00015],
      ['gpt-4o-mini-2024-07-18, output', 0.0003],
    ]);
  });

  it('refuses an export without the admin key', async () => {
    const res = await fetch(`${fake.url}/v1/organization/usage/completions?start_time=0`, {
      headers: { authorization: 'Bearer sk-agent' },
    });
    expect(res.status).toBe(401);
  });
});

describe('Anthropic usage and cost reports', () => {
  it('splits cache writes by TTL and prices in cents, buckets snapped to the UTC day', async () => {
    clock = DAY + 5 * HOUR;
    fake.enqueue({
      model: 'claude-sonnet-4-20250514',
      usage: {
        uncachedInput: 100,
        cacheRead: 1000,
        cacheWrite: 300,
        cacheWrite1h: 100,
        output: 50,
      },
    });
    await anthropic.messages.create({
      model: 'claude-sonnet-4-0',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'x' }],
    });
    clock = DAY + 6 * HOUR;
    const start = new Date(DAY + 2 * HOUR).toISOString();
    const usage = await admin(
      `/v1/organizations/usage_report/messages?starting_at=${start}&group_by[]=model&group_by[]=api_key_id`,
    );
    expect(usage.data).toEqual([
      {
        starting_at: '2026-01-10T00:00:00Z',
        ending_at: '2026-01-11T00:00:00Z',
        results: [
          expect.objectContaining({
            uncached_input_tokens: 100,
            cache_read_input_tokens: 1000,
            cache_creation: { ephemeral_5m_input_tokens: 200, ephemeral_1h_input_tokens: 100 },
            output_tokens: 50,
            model: 'claude-sonnet-4-20250514',
            api_key_id: apiKeyId('anthropic', 'sk-ant-agent'),
          }),
        ],
      },
    ]);
    const cost = await admin(`/v1/organizations/cost_report?starting_at=${start}`);
    // 100 × 3 + 1000 × 0.3 + 200 × 3.75 + 100 × 6 + 50 × 15 = 2700 per million = $0.0027 = 0.27 cents.
    expect((cost.data as { results: { amount: string }[] }[])[0]!.results).toEqual([
      expect.objectContaining({ amount: '0.27', currency: 'USD' }),
    ]);
  });

  it('keeps a bounded number of calls', async () => {
    for (let i = 0; i < 60; i++) await chat(DAY + i, { uncachedInput: 1, output: 1 });
    expect(fake.billedCalls.length).toBeLessThanOrEqual(50);
    expect(fake.billedCalls.at(-1)!.time).toBe(DAY + 59);
  });
});
