import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isoWeekAt, type WeeklyReport } from '@tokenwatch/analyzer';
import { hashApiKey, loadConfig } from '@tokenwatch/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../src/server/start-server.ts';
import { cliArgs, repo } from './serve-process.ts';

// One truth: the weekly report of the running week states exactly what the verbs state for the
// same range (`cost`, `tasks`, `cache`, `failures` with --since/--until the week) and the same
// instant (`budgets --at` the time the report says it read the budgets). Every verb and the
// report run as the real CLI in child processes, through the server on the data directory; the
// dataset goes through the real collector and is priced by the configured overrides.
//
// tw-mini (per million tokens): input $1, cache read $0.10, cache write $1.25, output $4.
//   P1 planner  A1 2000 in, 500 out                        0.002 + 0.002            = 0.004
//   P2 planner  A1 2500 prompt (1500 read), 500 out        0.001 + 0.00015 + 0.002  = 0.00315
//   R1 retriever B1 1000 in, 100 out                       0.001 + 0.0004           = 0.0014
//   R2 retriever B1 failed, no usage                                                 = 0
//   R3 retriever B1 R1 again: a retry                                                = 0.0014
//   L1 loner    C1 3000 prompt (2000 write), 1000 out      0.001 + 0.0025 + 0.004   = 0.0075
// planner and retriever are team search, users alice and bob; loner has no team, feature or user.
// A1 and C1 succeed, B1 fails. Total $0.01745, all of it today in the configured zone.

const KEY = 'tw_onetruth_acme_0123456789';
const ZONE = 'Asia/Tokyo'; // no DST: a day starts at 15:00 UTC
const DAY = 86_400_000;
let server: RunningServer;
let dataDir: string;
let configPath: string;
let week: { label: string; from: Date; to: Date };

const attr = (key: string, value: string | number) => ({
  key,
  value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value },
});

type Call = {
  who: { agent: string; team?: string; feature?: string; user?: string };
  task: string;
  prompt: number;
  cacheRead?: number;
  cacheWrite?: number;
  output: number;
  error?: boolean;
};

const planner = { agent: 'planner', team: 'search', feature: 'chat', user: 'alice' };
const retriever = { agent: 'retriever', team: 'search', feature: 'search', user: 'bob' };
const loner = { agent: 'loner' };
const CALLS: Call[] = [
  { who: planner, task: 'A1', prompt: 2000, output: 500 },
  { who: planner, task: 'A1', prompt: 2500, cacheRead: 1500, output: 500 },
  { who: retriever, task: 'B1', prompt: 1000, output: 100 },
  { who: retriever, task: 'B1', prompt: 0, output: 0, error: true },
  { who: retriever, task: 'B1', prompt: 1000, output: 100 },
  { who: loner, task: 'C1', prompt: 3000, cacheWrite: 2000, output: 1000 },
];
const OUTCOMES = {
  A1: ['planner', 'success'],
  B1: ['retriever', 'failure'],
  C1: ['loner', 'success'],
};

function spansAt(start: number): unknown[] {
  let n = 0;
  const span = (name: string, attributes: unknown[], error = false) => {
    const ns = BigInt(start + n * 1000) * 1_000_000n;
    n++;
    return {
      traceId: 'a'.repeat(32),
      spanId: (0x100 + n).toString(16).padStart(16, '0'),
      name,
      kind: 3,
      startTimeUnixNano: ns.toString(),
      endTimeUnixNano: (ns + 500_000_000n).toString(),
      attributes,
      status: error ? { code: 2, message: 'upstream 500' } : { code: 0 },
    };
  };
  const calls = CALLS.map((c) => {
    const attributes = [
      attr('gen_ai.operation.name', 'chat'),
      attr('gen_ai.provider.name', 'openai'),
      attr('gen_ai.request.model', 'tw-mini'),
      attr('gen_ai.agent.name', c.who.agent),
      attr('tokenwatch.task.id', c.task),
      attr('tokenwatch.prefix_hash', `p-${c.task}`),
      ...(c.who.team ? [attr('tokenwatch.team', c.who.team)] : []),
      ...(c.who.feature ? [attr('tokenwatch.feature', c.who.feature)] : []),
      ...(c.who.user ? [attr('user.id', c.who.user)] : []),
    ];
    if (!c.error) {
      attributes.push(
        attr('gen_ai.usage.input_tokens', c.prompt),
        attr('gen_ai.usage.output_tokens', c.output),
      );
      if (c.cacheRead) attributes.push(attr('gen_ai.usage.cache_read.input_tokens', c.cacheRead));
      if (c.cacheWrite)
        attributes.push(attr('gen_ai.usage.cache_write.input_tokens', c.cacheWrite));
    }
    return span('chat tw-mini', attributes, c.error);
  });
  const tasks = Object.entries(OUTCOMES).map(([task, [agent, outcome]]) =>
    span(task, [
      attr('tokenwatch.task.id', task),
      attr('tokenwatch.task.outcome', outcome!),
      attr('gen_ai.agent.name', agent!),
    ]),
  );
  return [...calls, ...tasks];
}

beforeAll(async () => {
  // All calls fall on today in Tokyo, before now: wait out the last two minutes of a Tokyo day,
  // and the first minute of the next, and start no earlier than its midnight.
  const intoDay = (Date.now() + 9 * 3_600_000) % DAY;
  if (intoDay > DAY - 120_000 || intoDay < 60_000)
    await new Promise((r) => setTimeout(r, (DAY - intoDay + 61_000) % DAY));
  const now = Date.now();
  const start = Math.max(now - 20 * 60_000, now - ((now + 9 * 3_600_000) % DAY));
  week = isoWeekAt(new Date(now), ZONE);

  const root = mkdtempSync(join(tmpdir(), 'tokenwatch-one-truth-'));
  dataDir = join(root, 'data');
  configPath = join(root, 'tokenwatch.yaml');
  writeFileSync(
    configPath,
    [
      `timezone: ${ZONE}`,
      'prices:',
      '  - { model: tw-mini, input: 1, cache_read: 0.1, cache_write: 1.25, output: 4 }',
      'budgets:',
      '  - { id: cx-daily, period: daily, limit_usd: 0.05 }',
      '  - { id: agent-daily, per: agent, period: daily, limit_usd: 0.005 }',
      '  - { id: user-weekly, per: user, period: weekly, limit_usd: 0.005 }',
      '  - { id: search-weekly, scope: { team: search }, period: weekly, limit_usd: 0.1 }',
    ].join('\n'),
  );
  const config = loadConfig({
    cwd: root,
    env: {},
    flags: { config: configPath, dataDir, port: 0 },
  });
  config.apiKeys = [{ tenant: 'acme', keySha256: hashApiKey(KEY) }];
  server = await startServer(config, { log: () => {} });
  await server.ready;
  const response = await fetch(`${server.url}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-tokenwatch-key': KEY },
    body: JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [attr('service.name', 'agents')] },
          scopeSpans: [{ scope: { name: 'hand-built' }, spans: spansAt(start) }],
        },
      ],
    }),
  });
  expect(response.status).toBe(200);
  await server.flushed();
}, 240_000);

afterAll(() => server?.close());

const run = promisify(execFile);

/** The real CLI in a child process, finding the server through the data directory. */
async function tokenwatch(...args: string[]): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [...cliArgs, '--config', configPath, '--data-dir', dataDir, ...args],
    { cwd: repo, env: process.env, maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout;
}

const range = () => [
  '--since',
  week.from.toISOString(),
  '--until',
  week.to.toISOString(),
  '--tenant',
  'acme',
  '--format',
  'json',
];

type Json = Record<string, unknown>;
type CostJson = {
  total: { costUsd: string; calls: number };
  rows: { key: Json; costUsd: string; calls: number }[];
};
type BudgetJson = {
  budgetId: string;
  instance: string;
  spent: string;
  limit: string;
  fraction: number;
  thresholds: { reached: number[] };
  period: { start: string };
};

describe('the weekly report and the verbs', () => {
  let report: WeeklyReport;
  let markdown: string;
  beforeAll(async () => {
    [report, markdown] = await Promise.all([
      tokenwatch(
        'report',
        'weekly',
        '--week',
        week.label,
        '--tenant',
        'acme',
        '--format',
        'json',
      ).then((s) => JSON.parse(s) as WeeklyReport),
      tokenwatch('report', 'weekly', '--week', week.label, '--tenant', 'acme'),
    ]);
  }, 120_000);

  it('give the same totals by team, agent, feature and model', async () => {
    const dimensions = ['team', 'agent', 'feature', 'model'] as const;
    const verbs = await Promise.all(
      dimensions.map(
        async (d) => JSON.parse(await tokenwatch('cost', '--by', d, ...range())) as CostJson,
      ),
    );
    const hand = {
      team: { search: '0.00995', '': '0.0075' },
      agent: { planner: '0.00715', retriever: '0.0028', loner: '0.0075' },
      feature: { chat: '0.00715', search: '0.0028', '': '0.0075' },
      model: { 'tw-mini': '0.01745' },
    };
    dimensions.forEach((d, i) => {
      const verb = verbs[i]!;
      const fromVerb = Object.fromEntries(verb.rows.map((r) => [r.key[d], [r.costUsd, r.calls]]));
      const lines = report.attribution[d]!.filter((l) => l.calls > 0);
      expect(Object.fromEntries(lines.map((l) => [l.key[d], [l.costUsd, l.calls]]))).toEqual(
        fromVerb,
      );
      expect(Object.fromEntries(lines.map((l) => [l.key[d], l.costUsd]))).toEqual(hand[d]);
      expect(report.totals.current).toMatchObject({
        costUsd: verb.total.costUsd,
        calls: verb.total.calls,
      });
    });
    expect(report.totals.current).toMatchObject({ costUsd: '0.01745', calls: 6 });
  });

  it('give every budget instance, per agent and per user too, with the same spend', async () => {
    const verb = JSON.parse(
      await tokenwatch('budgets', '--at', report.budgetsAt, '--tenant', 'acme', '--format', 'json'),
    ) as { budgets: BudgetJson[] };
    const figures = (
      lines: {
        budgetId: string;
        instance: string;
        spent: string;
        limit: string;
        fraction: number;
      }[],
    ) => lines.map((b) => [b.budgetId, b.instance, b.spent, b.limit, b.fraction]);
    expect(figures(report.budgets)).toEqual(figures(verb.budgets));
    expect(report.budgets.map((b) => b.thresholdsReached)).toEqual(
      verb.budgets.map((b) => b.thresholds.reached),
    );
    expect(report.budgets.map((b) => b.periodStart)).toEqual(
      verb.budgets.map((b) => b.period.start),
    );
    // By hand: loner has no user, so user-weekly has no instance for it.
    expect(figures(report.budgets).sort()).toEqual(
      [
        ['cx-daily', '', '0.01745', '0.05', 0.349],
        ['agent-daily', 'agent=loner', '0.0075', '0.005', 1.5],
        ['agent-daily', 'agent=planner', '0.00715', '0.005', 1.43],
        ['agent-daily', 'agent=retriever', '0.0028', '0.005', 0.56],
        ['user-weekly', 'user=alice', '0.00715', '0.005', 1.43],
        ['user-weekly', 'user=bob', '0.0028', '0.005', 0.56],
        ['search-weekly', '', '0.00995', '0.1', 0.0995],
      ].sort(),
    );
    // The Markdown shows what `budgets` shows, sub-cent amounts included.
    expect(markdown).toContain('| cx-daily | $0.02 | $0.05 | 34.9% |');
    expect(markdown).toContain('| agent-daily (agent=loner) | $0.0075 | $0.005 | 150% |');
    expect(markdown).toContain('| user-weekly (user=bob) | $0.0028 | $0.005 | 56% |');
    // (The Markdown is a second build, a moment later: its own instant.)
    expect(markdown).toMatch(/`tokenwatch budgets --at \S+ --tenant acme` shows the same\./);
  });

  it('give the same cache hit rate, tasks and failure cost', async () => {
    const [cache, tasks, failures] = await Promise.all([
      tokenwatch('cache', ...range()).then(
        (s) => JSON.parse(s) as { hitRate: number; savingsUsd: string },
      ),
      tokenwatch('tasks', ...range()).then(
        (s) =>
          JSON.parse(s) as {
            agents: {
              agent: string;
              tasks: number;
              successes: number;
              failures: number;
              totalCostUsd: string;
              costPerSuccessfulTaskUsd: string | null;
            }[];
          },
      ),
      tokenwatch('failures', ...range()).then(
        (s) =>
          JSON.parse(s) as {
            agents: {
              agent: string;
              failedTaskCostUsd: string;
              failedCallCostUsd: string;
              retries: number;
              retryCostUsd: string;
            }[];
          },
      ),
    ]);
    // Prompt tokens 2000 + 2500 + 1000 + 1000 + 3000, 1500 of them read from the cache.
    expect(report.cache.hitRate).toBe(cache.hitRate);
    expect(report.cache.hitRate).toBeCloseTo(1500 / 9500, 12);
    expect(report.cache.savingsUsd).toBe(cache.savingsUsd);

    const taskFigures = (
      a: {
        agent: string;
        tasks: number;
        successes: number;
        failures: number;
        costPerSuccessfulTaskUsd: string | null;
      },
      cost: string,
    ) => [a.agent, a.tasks, a.successes, a.failures, cost, a.costPerSuccessfulTaskUsd];
    expect(report.tasks.map((a) => taskFigures(a, a.costUsd))).toEqual(
      tasks.agents.map((a) => taskFigures(a, a.totalCostUsd)),
    );
    expect(report.tasks.map((a) => taskFigures(a, a.costUsd)).sort()).toEqual(
      [
        ['loner', 1, 1, 0, '0.0075', '0.0075'],
        ['planner', 1, 1, 0, '0.00715', '0.00715'],
        ['retriever', 1, 0, 1, '0.0028', null],
      ].sort(),
    );

    const failureFigures = (a: (typeof failures.agents)[number]) => [
      a.agent,
      a.failedTaskCostUsd,
      a.failedCallCostUsd,
      a.retries,
      a.retryCostUsd,
    ];
    expect(report.failures.agents.map(failureFigures)).toEqual(failures.agents.map(failureFigures));
    // B1 failed (R1 + R2 + R3); R2 failed at no cost; R3 retried R1.
    expect(report.failures).toMatchObject({
      failedTaskCostUsd: '0.0028',
      failedCallCostUsd: '0',
      retries: 1,
      retryCostUsd: '0.0014',
    });
  });

  it('states unattributed spend instead of leading with (none)', () => {
    expect(markdown).toContain('- $0.0075 (43%) of spend has no team');
    expect(markdown).toContain('- $0.0075 (43%) of spend has no feature');
    expect(markdown).not.toMatch(/^- (team|feature) \(none\)/m);
    expect(report.topMovers.absolute.some((m) => m.label.includes('(none)'))).toBe(false);
  });
});

it('an empty default week names the week it covered and the week to ask for', async () => {
  const text = await tokenwatch('report', 'weekly', '--tenant', 'acme');
  const last = isoWeekAt(new Date(week.from.getTime() - 1), ZONE).label;
  expect(text).toContain(`> No calls in ${last} (`);
  expect(text).toContain(
    `> The current week has 6 calls so far: \`tokenwatch report weekly --week ${week.label}\`.`,
  );
}, 120_000);
