import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BudgetSchema, hashApiKey, loadConfig } from '@tokenwatch/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../src/server/start-server.ts';
import { cliArgs, repo } from './serve-process.ts';

// A deterministic dataset sent through the real collector, read back through the analyzer API.
// Prices (per million tokens): gpt-4o $2.50 input, $1.25 cached input, $10 output;
// claude-haiku-4-5 $1 input, $0.10 cache read, $1.25 cache write, $5 output.

const KEY = 'tw_analytics_acme_0123456789';
const OTHER_KEY = 'tw_analytics_beta_0123456789';
const T0 = BigInt(Date.now() - 10 * 60_000) * 1_000_000n;
const TRACE = '7'.repeat(32);
let next = 0;

type Call = {
  agent: string;
  task: string;
  session: string;
  model: string;
  provider: string;
  prefix: string;
  prompt: number; // inclusive of cache, as the convention says
  cacheRead?: number;
  cacheWrite?: number;
  output: number;
  error?: boolean;
};

function attr(key: string, value: string | number) {
  return {
    key,
    value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value },
  };
}

function callSpan(c: Call) {
  const start = T0 + BigInt(next++) * 1_000_000_000n;
  const attributes = [
    attr('gen_ai.operation.name', 'chat'),
    attr('gen_ai.provider.name', c.provider),
    attr('gen_ai.request.model', c.model),
    attr('gen_ai.agent.name', c.agent),
    attr('tokenwatch.task.id', c.task),
    attr('session.id', c.session),
    attr('tokenwatch.prefix_hash', c.prefix),
  ];
  if (!c.error) {
    attributes.push(
      attr('gen_ai.usage.input_tokens', c.prompt),
      attr('gen_ai.usage.output_tokens', c.output),
    );
    if (c.cacheRead) attributes.push(attr('gen_ai.usage.cache_read.input_tokens', c.cacheRead));
    if (c.cacheWrite) attributes.push(attr('gen_ai.usage.cache_write.input_tokens', c.cacheWrite));
  }
  return {
    traceId: TRACE,
    spanId: (next + 0x1000).toString(16).padStart(16, '0'),
    name: `chat ${c.model}`,
    kind: 3,
    startTimeUnixNano: start.toString(),
    endTimeUnixNano: (start + 500_000_000n).toString(),
    attributes,
    status: c.error ? { code: 2, message: 'upstream 500' } : { code: 0 },
  };
}

function taskSpan(task: string, agent: string, outcome: string) {
  const start = T0 + BigInt(next++) * 1_000_000_000n;
  return {
    traceId: TRACE,
    spanId: (next + 0x1000).toString(16).padStart(16, '0'),
    name: task,
    kind: 1,
    startTimeUnixNano: start.toString(),
    endTimeUnixNano: (start + 1_000_000_000n).toString(),
    attributes: [
      attr('tokenwatch.task.id', task),
      attr('tokenwatch.task.outcome', outcome),
      attr('gen_ai.agent.name', agent),
    ],
  };
}

const gpt = { model: 'gpt-4o', provider: 'openai' };
const haiku = { model: 'claude-haiku-4-5', provider: 'anthropic' };
const researcher = { agent: 'researcher', session: 's-r', prefix: 'p-research', ...gpt };
const writer = { agent: 'writer', session: 's-w', task: 'W1', ...haiku };
const fixer = { agent: 'fixer', session: 's-f', task: 'F1', prefix: 'p-fix', ...gpt };

const spans = [
  // researcher R1 (success): 1000 in + 100 out = 0.0025 + 0.001 = 0.0035;
  //   then 1200 prompt, 800 cached: 400 × 2.5 + 800 × 1.25 + 100 × 10 (per 1e6) = 0.001 + 0.001 + 0.001 = 0.003
  callSpan({ ...researcher, task: 'R1', prompt: 1000, output: 100 }),
  callSpan({ ...researcher, task: 'R1', prompt: 1200, cacheRead: 800, output: 100 }),
  taskSpan('R1', 'researcher', 'success'),
  // R2 (failure): 0.0035
  callSpan({ ...researcher, task: 'R2', prompt: 1000, output: 100 }),
  taskSpan('R2', 'researcher', 'failure'),
  // R3 (success): 2000 prompt, 1600 cached: 0.001 + 0.002 + 200 out 0.002 = 0.005
  callSpan({ ...researcher, task: 'R3', prompt: 2000, cacheRead: 1600, output: 200 }),
  taskSpan('R3', 'researcher', 'success'),
  // writer W1 (success), a timestamp in its system prompt: a new prefix on every call.
  //   1500 prompt with 1000 written: 500 × 1 + 1000 × 1.25 + 50 × 5 = 0.0005 + 0.00125 + 0.00025 = 0.002
  //   then 500 in + 50 out twice: 0.00075 each. Nothing ever reads the write back: wasted.
  callSpan({ ...writer, prefix: 'p-w-1', prompt: 1500, cacheWrite: 1000, output: 50 }),
  callSpan({ ...writer, prefix: 'p-w-2', prompt: 500, output: 50 }),
  callSpan({ ...writer, prefix: 'p-w-3', prompt: 500, output: 50 }),
  taskSpan('W1', 'writer', 'success'),
  // fixer F1 (abandoned): a request, its identical retry (300 in + 30 out = 0.00075 + 0.0003 = 0.00105 each),
  //   and a failed call that reported no usage (cost 0).
  callSpan({ ...fixer, prompt: 300, output: 30 }),
  callSpan({ ...fixer, prompt: 300, output: 30 }),
  callSpan({ ...fixer, prompt: 300, output: 30, error: true }),
  taskSpan('F1', 'fixer', 'abandoned'),
];

let server: RunningServer;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tokenwatch-analytics-'));
  const config = loadConfig({ cwd: dataDir, env: {}, flags: { dataDir, port: 0 } });
  config.apiKeys = [
    { tenant: 'acme', keySha256: hashApiKey(KEY) },
    { tenant: 'beta', keySha256: hashApiKey(OTHER_KEY) },
  ];
  // Rolling windows, so the test means the same at any time of day.
  config.budgets = [
    BudgetSchema.parse({
      id: 'researcher-24h',
      scope: { agent: 'researcher' },
      period: 'rolling',
      window: '24h',
      limit_usd: 0.01,
    }),
    BudgetSchema.parse({ id: 'org-24h', period: 'rolling', window: '24h', limit_usd: 1 }),
  ];
  server = await startServer(config, { log: () => {} });
  await server.ready;
  const response = await fetch(`${server.url}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-tokenwatch-key': KEY },
    body: JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [attr('service.name', 'agents')] },
          scopeSpans: [{ scope: { name: 'hand-built' }, spans }],
        },
      ],
    }),
  });
  expect(response.status).toBe(200);
  await server.flushed();
});

afterAll(() => server.close());

async function api<T>(path: string, key = KEY): Promise<T> {
  const response = await fetch(`${server.url}/api/v1${path}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

describe('analytics over a hand-computed dataset', () => {
  it('costs by agent, with the total', async () => {
    const report = await api<{
      total: { costUsd: string; calls: number };
      rows: { key: { agent: string }; costUsd: string }[];
    }>('/cost?since=1h&by=agent');
    expect(report.rows.map((r) => [r.key.agent, r.costUsd])).toEqual([
      ['researcher', '0.015'],
      ['writer', '0.0035'],
      ['fixer', '0.0021'],
    ]);
    expect(report.total).toMatchObject({ costUsd: '0.0206', calls: 10 });
  });

  it('per-task costs and cost per successful task', async () => {
    const body = await api<{
      tasks: { taskId: string; costUsd: string; outcome: string; calls: number }[];
      agents: {
        agent: string;
        tasks: number;
        successes: number;
        totalCostUsd: string;
        costPerSuccessfulTaskUsd: string | null;
      }[];
    }>('/tasks?since=1h&top=10');
    expect(body.tasks.map((t) => [t.taskId, t.costUsd, t.outcome, t.calls])).toEqual([
      ['R1', '0.0065', 'success', 2],
      ['R3', '0.005', 'success', 1],
      ['R2', '0.0035', 'failure', 1],
      ['W1', '0.0035', 'success', 3],
      ['F1', '0.0021', 'abandoned', 3],
    ]);
    // researcher: (0.0065 + 0.0035 + 0.005) / 2 successes = 0.0075; the failure is paid for by the successes.
    expect(body.agents.find((a) => a.agent === 'researcher')).toMatchObject({
      tasks: 3,
      successes: 2,
      totalCostUsd: '0.015',
      costPerSuccessfulTaskUsd: '0.0075',
    });
    expect(body.agents.find((a) => a.agent === 'fixer')?.costPerSuccessfulTaskUsd).toBeNull();
  });

  it('cache hit rate, savings, wasted writes and the agent that breaks its cache', async () => {
    const report = await api<{
      hitRate: number;
      savingsUsd: string;
      agents: {
        agent: string;
        hitRate: number;
        savingsUsd: string;
        wastedWrites: { writes: number; tokens: number; costUsd: string };
        breaksCache: boolean;
      }[];
    }>('/cache?since=1h');
    // Prompt tokens 5200 (researcher) + 2500 (writer) + 600 (fixer) = 8300, of which 2400 read from cache.
    expect(report.hitRate).toBeCloseTo(2400 / 8300, 12);
    // researcher: 2400 cached × (2.50 − 1.25) / 1e6 = 0.003; writer: the write premium 1000 × (1.25 − 1) / 1e6 = −0.00025.
    expect(report.savingsUsd).toBe('0.00275');
    const byAgent = Object.fromEntries(report.agents.map((a) => [a.agent, a]));
    expect(byAgent.researcher).toMatchObject({ savingsUsd: '0.003', breaksCache: false });
    expect(byAgent.researcher!.hitRate).toBeCloseTo(2400 / 5200, 12);
    expect(byAgent.writer).toMatchObject({
      savingsUsd: '-0.00025',
      breaksCache: true,
      wastedWrites: { writes: 1, tokens: 1000, costUsd: '0.00125' },
    });
    expect(report.agents.filter((a) => a.breaksCache).map((a) => a.agent)).toEqual(['writer']);
  });

  it('failure cost and retry waste', async () => {
    const body = await api<{ agents: Record<string, unknown>[] }>('/failures?since=1h');
    const byAgent = Object.fromEntries(body.agents.map((a) => [a.agent as string, a]));
    expect(byAgent.fixer).toMatchObject({
      failedTasks: 1,
      failedTaskCostUsd: '0.0021',
      failedCalls: 1,
      failedCallCostUsd: '0',
      retries: 1,
      retryCostUsd: '0.00105',
      // These spans carry no request hash: the retry is the heuristic's, and says so.
      retriesExact: 0,
      retryCostExactUsd: '0',
      retriesHeuristic: 1,
      retryCostHeuristicUsd: '0.00105',
      wasteShare: 1,
    });
    expect(byAgent.researcher).toMatchObject({
      failedTasks: 1,
      failedTaskCostUsd: '0.0035',
      retries: 0,
      totalCostUsd: '0.015',
    });
    expect(byAgent.researcher!.wasteShare as number).toBeCloseTo(0.0035 / 0.015, 12);
    expect(byAgent.writer).toMatchObject({
      failedTasks: 0,
      failedCalls: 0,
      retries: 0,
      wasteShare: 0,
    });
  });

  it('answers budget checks from memory: the researcher is over its budget, the writer is not', async () => {
    type Check = { allowed: boolean; budgets: { id: string; spent: string; remaining: string }[] };
    const researcher = await api<Check>('/budgets/check?agent=researcher');
    expect(researcher.allowed).toBe(false);
    expect(researcher.budgets.map((b) => [b.id, b.spent, b.remaining])).toEqual([
      ['researcher-24h', '0.015', '0'],
      ['org-24h', '0.0206', '0.9794'],
    ]);
    const writer = await api<Check>('/budgets/check?agent=writer');
    expect(writer).toMatchObject({ allowed: true, budgets: [{ id: 'org-24h', spent: '0.0206' }] });
    // The other tenant has spent nothing against the same budgets.
    const beta = await api<Check>('/budgets/check?agent=researcher', OTHER_KEY);
    expect(beta.allowed).toBe(true);
  });

  it('reports budget status with the thresholds reached', async () => {
    const body = await api<{
      budgets: {
        budgetId: string;
        spent: string;
        thresholds: { reached: number[]; newlyReached: number[] };
      }[];
    }>('/budgets');
    const researcher = body.budgets.find((b) => b.budgetId === 'researcher-24h')!;
    expect(researcher.spent).toBe('0.015');
    expect(researcher.thresholds.reached).toEqual([0.5, 0.8, 1]);
    // Looking does not consume the alert: newly reached thresholds are the alert engine's.
    expect(researcher.thresholds.newlyReached).toEqual([]);
  });

  // Many CLI processes in a row, each starting Node and tsx: minutes on a loaded machine.
  it('answers the CLI verbs through the running server, for the tenant asked', async () => {
    const run = promisify(execFile);
    const cli = (...args: string[]) =>
      run(process.execPath, [...cliArgs, '--data-dir', dataDir, ...args], {
        cwd: repo,
        env: process.env,
      });
    const cost = JSON.parse(
      (await cli('cost', '--since', '1h', '--by', 'agent', '--tenant', 'acme', '--format', 'json'))
        .stdout,
    );
    expect(cost.total.costUsd).toBe('0.0206');
    const tasks = JSON.parse(
      (
        await cli(
          'tasks',
          '--since',
          '1h',
          '--tenant',
          'acme',
          '--outcome',
          'failure',
          '--format',
          'json',
        )
      ).stdout,
    );
    expect(tasks.tasks.map((t: { taskId: string }) => t.taskId)).toEqual(['R2']);
    const table = (await cli('cache', '--since', '1h', '--tenant', 'acme')).stdout;
    expect(table).toMatch(/^writer .* YES$/m);
    // The failures table names how each retry was found; these spans carry no request hash.
    const failures = (await cli('failures', '--since', '1h', '--tenant', 'acme')).stdout;
    expect(failures).toMatch(/\bretries\s+retries_exact\s+retries_heuristic\s+retry_usd\b/);
    expect(failures).toMatch(
      /^fixer\s+0\.0021\s+1\s+0\.0021\s+1\s+1\s+0\s+1\s+0\.00105\s+1\.000\s*$/m,
    );
    // A failed call that reported no usage counts with a zero prompt (the provider billed nothing).
    const context = JSON.parse(
      (await cli('context', '--since', '1h', '--tenant', 'acme', '--format', 'json')).stdout,
    );
    expect(
      context.sessions.map((x: { session: string; calls: number }) => [x.session, x.calls]).sort(),
    ).toEqual([
      ['s-f', 3],
      ['s-r', 4],
      ['s-w', 3],
    ]);
    const budgets = JSON.parse(
      (await cli('budgets', '--tenant', 'acme', '--format', 'json')).stdout,
    );
    expect(
      budgets.budgets.map((b: { budgetId: string; spent: string }) => [b.budgetId, b.spent]),
    ).toEqual([
      ['researcher-24h', '0.015'],
      ['org-24h', '0.0206'],
    ]);
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const report = JSON.parse(
      (
        await cli(
          'report',
          'weekly',
          '--from',
          from,
          '--to',
          to,
          '--tenant',
          'acme',
          '--format',
          'json',
        )
      ).stdout,
    );
    expect(report.totals.current.costUsd).toBe('0.0206');
    const focus = (
      await cli(
        'report',
        'weekly',
        '--from',
        from,
        '--to',
        to,
        '--tenant',
        'acme',
        '--format',
        'focus',
      )
    ).stdout;
    expect(focus.split('\n')[0]).toMatch(/BilledCost/);
    const alerts = JSON.parse(
      (await cli('alerts', 'list', '--tenant', 'acme', '--format', 'json')).stdout,
    );
    expect(Array.isArray(alerts)).toBe(true);
    const anomalies = JSON.parse(
      (await cli('anomalies', '--tenant', 'acme', '--format', 'json')).stdout,
    );
    expect(anomalies.anomalies).toEqual([]);
    const other = JSON.parse(
      (await cli('failures', '--since', '1h', '--tenant', 'beta', '--format', 'json')).stdout,
    );
    expect(other.agents).toEqual([]);
  }, 180_000);

  it('keeps each tenant to its own data, and refuses requests without a key', async () => {
    const other = await api<{ total: { calls: number }; rows: unknown[] }>(
      '/cost?since=1h&by=agent',
      OTHER_KEY,
    );
    expect(other).toMatchObject({ total: { calls: 0 }, rows: [] });
    expect((await fetch(`${server.url}/api/v1/cost?since=1h`)).status).toBe(401);
    const bad = await fetch(`${server.url}/api/v1/cost?since=1h&by=colour`, {
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/unknown dimension "colour"/);
  });
});
