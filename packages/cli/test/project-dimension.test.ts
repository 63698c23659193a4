/**
 * The `project` dimension end to end, through a real serve (collector, analyzer, embedded store):
 * spans that name their project with `tokenwatch.project`, or only through the resource's
 * `service.namespace`, or through a configured attribution rule, are stored with it, costed by it,
 * counted by budgets scoped and split by it, in memory and from the store, and by the CLI.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BudgetSchema, hashApiKey, loadConfig } from '@tokenwatch/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../src/server/start-server.ts';
import { cliArgs, repo } from './serve-process.ts';

// gpt-4o: $2.50 per million input tokens, $10 per million output tokens.
const KEY = 'tw_project_acme_0123456789ab';
const T0 = BigInt(Date.now() - 10 * 60_000) * 1_000_000n;
const TRACE = '5'.repeat(32);
let next = 0;

function attr(key: string, value: string | number) {
  return {
    key,
    value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value },
  };
}

function span(name: string, attributes: ReturnType<typeof attr>[], parentSpanId = '') {
  const start = T0 + BigInt(next++) * 1_000_000_000n;
  return {
    traceId: TRACE,
    spanId: (next + 0x2000).toString(16).padStart(16, '0'),
    parentSpanId,
    name,
    kind: 1,
    startTimeUnixNano: start.toString(),
    endTimeUnixNano: (start + 500_000_000n).toString(),
    attributes,
    status: { code: 0 },
  };
}

const call = (input: number, output: number, extra: ReturnType<typeof attr>[] = []) =>
  span('chat gpt-4o', [
    attr('gen_ai.operation.name', 'chat'),
    attr('gen_ai.provider.name', 'openai'),
    attr('gen_ai.request.model', 'gpt-4o'),
    attr('gen_ai.usage.input_tokens', input),
    attr('gen_ai.usage.output_tokens', output),
    ...extra,
  ]);

const task = span('checkout-flow', [
  attr('tokenwatch.task.id', 'T1'),
  attr('tokenwatch.task.outcome', 'success'),
  attr('tokenwatch.project', 'checkout'),
]);

const resourceSpans = [
  {
    // A service in the storefront namespace; one call names its own project.
    resource: {
      attributes: [attr('service.name', 'shop'), attr('service.namespace', 'storefront')],
    },
    scopeSpans: [
      {
        scope: { name: 'hand-built' },
        spans: [
          task,
          // 1000 × 2.50 / 1e6 + 100 × 10 / 1e6 = 0.0025 + 0.001 = 0.0035
          call(1000, 100, [
            attr('tokenwatch.project', 'checkout'),
            attr('tokenwatch.task.id', 'T1'),
          ]),
          // Only the namespace names it: 2000 × 2.50 / 1e6 + 200 × 10 / 1e6 = 0.005 + 0.002 = 0.007
          call(2000, 200),
        ],
      },
    ],
  },
  {
    // Nothing names a project: 400 × 2.50 / 1e6 + 40 × 10 / 1e6 = 0.001 + 0.0004 = 0.0014
    resource: { attributes: [attr('service.name', 'ops')] },
    scopeSpans: [{ scope: { name: 'hand-built' }, spans: [call(400, 40)] }],
  },
  {
    // The configured rule (project from k8s.namespace.name) wins over the namespace fallback:
    // 600 × 2.50 / 1e6 + 60 × 10 / 1e6 = 0.0015 + 0.0006 = 0.0021
    resource: {
      attributes: [
        attr('service.name', 'pay'),
        attr('service.namespace', 'legacy'),
        attr('k8s.namespace.name', 'payments'),
      ],
    },
    scopeSpans: [{ scope: { name: 'hand-built' }, spans: [call(600, 60)] }],
  },
];

let server: RunningServer;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tokenwatch-project-'));
  const config = loadConfig({ cwd: dataDir, env: {}, flags: { dataDir, port: 0 } });
  config.apiKeys = [{ tenant: 'acme', keySha256: hashApiKey(KEY) }];
  config.attributionRules = [{ field: 'project', from: 'k8s.namespace.name' }];
  // Rolling windows, so the test means the same at any time of day.
  config.budgets = [
    BudgetSchema.parse({
      id: 'checkout-24h',
      scope: { project: 'checkout' },
      period: 'rolling',
      window: '24h',
      limit_usd: 0.01,
    }),
    BudgetSchema.parse({
      id: 'per-project-24h',
      per: 'project',
      period: 'rolling',
      window: '24h',
      limit_usd: 0.005,
    }),
  ];
  server = await startServer(config, { log: () => {} });
  await server.ready;
  const response = await fetch(`${server.url}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-tokenwatch-key': KEY },
    body: JSON.stringify({ resourceSpans }),
  });
  expect(response.status).toBe(200);
  await server.flushed();
});

afterAll(() => server?.close());

async function api<T>(path: string): Promise<T> {
  const response = await fetch(`${server.url}/api/v1${path}`, {
    headers: { authorization: `Bearer ${KEY}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

async function sql(query: string): Promise<string[][]> {
  const response = await fetch(`${server.url}/api/v1/admin/sql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { rows: string[][] }).rows;
}

describe('the project dimension', () => {
  it('stores each call and task with its project, and rolls the calls up by it', async () => {
    expect(
      await sql(
        'SELECT service, project, toString(total_cost) FROM llm_calls FINAL ORDER BY start_time',
      ),
    ).toEqual([
      ['shop', 'checkout', '0.0035'],
      ['shop', 'storefront', '0.007'],
      ['ops', '', '0.0014'],
      ['pay', 'payments', '0.0021'],
    ]);
    expect(await sql('SELECT task_id, project FROM tasks FINAL')).toEqual([['T1', 'checkout']]);
    expect(
      await sql(
        'SELECT project, toString(sum(calls)), toString(sum(total_cost)) FROM llm_usage_1m GROUP BY project ORDER BY project',
      ),
    ).toEqual([
      ['', '1', '0.0014'],
      ['checkout', '1', '0.0035'],
      ['payments', '1', '0.0021'],
      ['storefront', '1', '0.007'],
    ]);
  });

  it('groups cost by project', async () => {
    const report = await api<{
      total: { costUsd: string; calls: number };
      rows: { key: { project: string }; costUsd: string; calls: number }[];
    }>('/cost?since=1h&by=project');
    expect(report.rows.map((r) => [r.key.project, r.costUsd, r.calls])).toEqual([
      ['storefront', '0.007', 1],
      ['checkout', '0.0035', 1],
      ['payments', '0.0021', 1],
      ['', '0.0014', 1],
    ]);
    // 0.007 + 0.0035 + 0.0021 + 0.0014
    expect(report.total).toMatchObject({ costUsd: '0.014', calls: 4 });
  });

  it('counts budgets scoped to a project and split per project, from the store', async () => {
    const body = await api<{
      budgets: { budgetId: string; instance: string; spent: string; exhausted?: boolean }[];
    }>('/budgets');
    expect(body.budgets.map((b) => [b.budgetId, b.instance, b.spent]).sort()).toEqual([
      ['checkout-24h', '', '0.0035'],
      // Calls without a project belong to no instance.
      ['per-project-24h', 'project=checkout', '0.0035'],
      ['per-project-24h', 'project=payments', '0.0021'],
      ['per-project-24h', 'project=storefront', '0.007'],
    ]);
  });

  it('answers budget checks for a project from memory', async () => {
    type Check = { allowed: boolean; budgets: { id: string; spent: string; remaining: string }[] };
    const checkout = await api<Check>('/budgets/check?scope=project:checkout');
    expect(checkout.allowed).toBe(true);
    expect(checkout.budgets.map((b) => [b.id, b.spent, b.remaining])).toEqual([
      ['checkout-24h', '0.0035', '0.0065'],
      ['per-project-24h', '0.0035', '0.0015'],
    ]);
    // 0.007 spent of 0.005.
    const storefront = await api<Check>('/budgets/check?project=storefront');
    expect(storefront.allowed).toBe(false);
    expect(storefront.budgets.map((b) => [b.id, b.spent, b.remaining])).toEqual([
      ['per-project-24h', '0.007', '0'],
    ]);
  });

  it('costs by project from the command line, through the running server', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        ...cliArgs,
        '--data-dir',
        dataDir,
        'cost',
        '--since',
        '1h',
        '--by',
        'project',
        '--tenant',
        'acme',
        '--format',
        'json',
      ],
      { cwd: repo, env: process.env },
    );
    const cost = JSON.parse(stdout) as {
      total: { costUsd: string };
      rows: { key: { project: string }; costUsd: string }[];
    };
    expect(cost.rows.map((r) => [r.key.project, r.costUsd])).toEqual([
      ['storefront', '0.007'],
      ['checkout', '0.0035'],
      ['payments', '0.0021'],
      ['', '0.0014'],
    ]);
    expect(cost.total.costUsd).toBe('0.014');
  }, 60_000);
});
