import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BudgetSchema, loadConfig } from '@tokenwatch/config';
import { createPricer } from '@tokenwatch/pricing';
import { insertLlmCalls } from '@tokenwatch/store';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCall } from '../../test/support/test-calls.ts';
import { type Analyzer, createAnalyzer } from '../analyzer.ts';
import {
  costRead,
  httpReadClient,
  inProcessReadClient,
  type RawParams,
  READS,
  ReadRequestError,
} from '../reads/index.ts';

// The routes derived from the read contract, asked through the analyzer's own Hono app: the HTTP
// client answers what the in-process client answers, for every read.

const HOUR = 3_600_000;
const T0 = Math.floor((Date.now() - 3 * HOUR) / HOUR) * HOUR;
const NOW = new Date(T0 + 2 * HOUR);
const FROM = new Date(T0 - HOUR).toISOString();
const TO = new Date(T0 + HOUR).toISOString();

let t: TestStore;
let analyzer: Analyzer;
let config: ReturnType<typeof loadConfig>;

beforeAll(async () => {
  t = await openTestStore();
  const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-read-routes-'));
  config = loadConfig({ cwd: dir, env: {}, flags: { dataDir: dir } });
  config.budgets = [
    BudgetSchema.parse({ id: 'day', period: 'rolling', window: '24h', limit_usd: 0.01 }),
  ];
  // 0.004 + 0.002 by planner, 0.001 by critic; another tenant's call never shows.
  await insertLlmCalls(t.store, [
    makeCall({
      at: T0 + 60_000,
      agent: 'planner',
      taskId: 'p1',
      inputTokens: 100,
      totalCost: '0.004',
    }),
    makeCall({
      at: T0 + 120_000,
      agent: 'planner',
      taskId: 'p2',
      inputTokens: 50,
      totalCost: '0.002',
    }),
    makeCall({
      at: T0 + 180_000,
      agent: 'critic',
      taskId: 'c1',
      inputTokens: 10,
      totalCost: '0.001',
    }),
    makeCall({ at: T0 + 240_000, tenant: 'other', agent: 'x', totalCost: '1' }),
  ]);
  analyzer = createAnalyzer({ store: t.store, config, adminToken: 'admin' });
});

afterAll(() => t.cleanup());

/** What each read is asked with: explicit times, so the two clients mean the same instants. */
const ASKED: Record<string, RawParams> = {
  cost: { since: FROM, until: TO, by: 'agent,task' },
  'cost-series': { since: FROM, until: TO, by: 'agent,model' },
  tasks: { since: FROM, until: TO, limit: '2' },
  task: { id: 'task-1' },
  span: { trace: '0'.repeat(32), span: 'a'.repeat(16) },
  cache: { since: FROM, until: TO },
  failures: { since: FROM, until: TO },
  context: { since: FROM, until: TO },
  anomalies: { at: TO },
  budgets: { at: TO, limit: '1' },
  alerts: {},
  'alert-history': { since: FROM, until: TO },
  freshness: {},
  'weekly-report': { from: FROM, to: TO, at: TO, focus: 'true' },
};

function clients() {
  const settings = { config, pricer: createPricer({ overrides: config.prices }) };
  const now = () => NOW;
  return {
    local: inProcessReadClient({ store: t.store, settings, tenant: 'acme', now }),
    remote: httpReadClient({
      url: 'http://analyzer.test',
      key: 'admin',
      tenant: 'acme',
      timezone: config.timezone,
      now,
      fetch: async (input, init) => analyzer.app.request(input, init),
    }),
  };
}

describe('routes derived from the read contract', () => {
  it('asks every read the same through HTTP as in process', async () => {
    const { local, remote } = clients();
    expect(Object.keys(ASKED).sort()).toEqual(READS.map((r) => r.name).sort());
    for (const read of READS) {
      const params = ASKED[read.name]!;
      expect(await remote.read(read, params), read.name).toEqual(await local.read(read, params));
    }
  });

  it('answers the tenant of the key, with the values stored', async () => {
    const cost = await clients().remote.read(costRead, { since: FROM, until: TO });
    expect(cost.rows.map((r) => [r.key.agent, r.costUsd])).toEqual([
      ['planner', '0.006'],
      ['critic', '0.001'],
    ]);
    expect(cost.total.costUsd).toBe('0.007');
    const cut = await clients().remote.read(costRead, {
      since: FROM,
      until: TO,
      by: 'task',
      limit: '1',
    });
    expect(cut.rows.map((r) => r.key.task)).toEqual(['p1']);
    expect(cut.truncated).toEqual({ rows: { shown: 1, total: 3 } });
  });

  it('refuses a bad parameter with a 400 naming it', async () => {
    const response = await analyzer.app.request('/api/v1/cost?tenant=acme&since=soon', {
      headers: { authorization: 'Bearer admin' },
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(
      /^since: not a time: "soon" \(use /,
    );
    const tasks = await analyzer.app.request('/api/v1/tasks?outcome=won', {
      headers: { authorization: 'Bearer admin' },
    });
    expect(tasks.status).toBe(400);
    expect(((await tasks.json()) as { error: string }).error).toMatch(/^outcome: /);
  });

  it('refuses an answer outside the contract instead of passing it on', async () => {
    const foreign = httpReadClient({
      url: 'http://old.test',
      key: 'k',
      timezone: 'UTC',
      fetch: async () => Response.json({ range: {}, rows: 'none' }),
    });
    const refused = await foreign.read(costRead, {}).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ReadRequestError);
    expect(refused).toMatchObject({ code: 'invalid_response' });
    expect((refused as Error).message).toMatch(
      /^http:\/\/old\.test answered cost outside the contract/,
    );
  });
});
