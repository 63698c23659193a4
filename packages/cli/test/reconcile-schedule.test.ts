/**
 * `serve` fetching the providers' usage exports on a schedule (tokenwatch.yaml
 * `reconcile.fetch_every`), with the admin key from the environment, never logged.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@tokenwatch/config';
import { type FakeLlm, startFakeLlm } from '@tokenwatch/fake-llm';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../src/server/start-server.ts';

const ADMIN_KEY = 'sk-admin-scheduled-fetch-0123';
let fake: FakeLlm;
let server: RunningServer;
const logged: string[] = [];

beforeAll(async () => {
  fake = await startFakeLlm({
    adminKey: ADMIN_KEY,
    prices: { 'gpt-4o-2024-08-06': { input: '2.5', cachedInput: '1.25', output: '10' } },
  });
  const openai = new OpenAI({ apiKey: 'sk-app', baseURL: fake.openaiBaseUrl, maxRetries: 0 });
  fake.enqueue({ model: 'gpt-4o-2024-08-06', usage: { uncachedInput: 1000, output: 100 } });
  await openai.chat.completions.create({
    model: 'gpt-4o',
    messages: [{ role: 'user', content: 'Hi' }],
  });
  process.env.OPENAI_ADMIN_KEY = ADMIN_KEY;
  process.env.TOKENWATCH_OPENAI_ADMIN_URL = fake.url;
  const dataDir = mkdtempSync(join(tmpdir(), 'tokenwatch-reconcile-schedule-'));
  const config = loadConfig({ cwd: dataDir, env: {}, flags: { dataDir, port: 0 } });
  config.reconcile.fetch = { every: '1h', since: '1d', tenant: 'default' };
  server = await startServer(config, { log: (m) => logged.push(m) });
  await server.ready;
});

afterAll(async () => {
  delete process.env.OPENAI_ADMIN_KEY;
  delete process.env.TOKENWATCH_OPENAI_ADMIN_URL;
  await server?.close();
  await fake?.close();
});

async function sql(query: string): Promise<string[][]> {
  const response = await fetch(`${server.url}/api/v1/admin/sql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { rows: string[][] }).rows;
}

describe('serve with reconcile.fetch_every', () => {
  it('fetches the usage and costs of each provider with an admin key once ready', async () => {
    await expect
      .poll(() => logged.some((m) => m.includes('fetched openai usage')), { timeout: 20_000 })
      .toBe(true);
    // 1000 × 2.5 + 100 × 10 per million tokens.
    expect(
      await sql(
        "SELECT line_kind, sum(uncached_input_tokens), sum(output_tokens), sum(requests), toString(sum(cost_usd)) FROM provider_usage FINAL WHERE line_kind != 'bucket' GROUP BY line_kind ORDER BY line_kind",
      ),
    ).toEqual([
      ['cost', '0', '0', '0', '0.0035'],
      ['usage', '1000', '100', '1', '0'],
    ]);
    // Anthropic has no key here, so it is not asked; the key is never logged.
    expect(fake.requests.some((r) => r.path.startsWith('/v1/organizations/'))).toBe(false);
    expect(logged.join('\n')).not.toContain(ADMIN_KEY);
  });
});
