import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminSql,
  cliArgs,
  repo,
  type ServeProcess,
  startServe,
  stopServe,
} from './serve-process.ts';

// Acceptance of the read contract: every read verb prints the same JSON (and the same tables)
// whether it reads the store in process or goes through a running `serve` on the same data
// directory. One store is seeded through serve's collector with hand-priced calls three hours
// ago; every verb is asked with explicit times, so both runs mean the same instants.
//
// Prices (per million tokens): gpt-4o $2.50 input, $1.25 cached input, $10 output;
// claude-haiku-4-5 $1 input, $5 output. Input tokens include the cached ones (the convention).

const run = promisify(execFile);
const HOUR = 3_600_000;
/** The seeded calls start here: a whole hour, three hours ago (in the past, so `now` never matters). */
const T0 = Math.floor((Date.now() - 3 * HOUR) / HOUR) * HOUR;
const SINCE = new Date(T0 - HOUR).toISOString();
const UNTIL = new Date(T0 + HOUR).toISOString();
const TRACE = 'a'.repeat(32);

let next = 0;
function attr(key: string, value: string | number) {
  return {
    key,
    value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value },
  };
}

function span(name: string, kind: number, attributes: ReturnType<typeof attr>[], error = false) {
  const start = BigInt(T0 + 60_000 * ++next) * 1_000_000n;
  return {
    traceId: TRACE,
    spanId: (0x2000 + next).toString(16).padStart(16, '0'),
    name,
    kind,
    startTimeUnixNano: start.toString(),
    endTimeUnixNano: (start + 500_000_000n).toString(),
    attributes,
    status: error ? { code: 2, message: 'upstream 500' } : { code: 0 },
  };
}

function call(c: {
  agent: string;
  task: string;
  model: string;
  provider: string;
  input: number;
  cacheRead?: number;
  output: number;
}) {
  return span(`chat ${c.model}`, 3, [
    attr('gen_ai.operation.name', 'chat'),
    attr('gen_ai.provider.name', c.provider),
    attr('gen_ai.request.model', c.model),
    attr('gen_ai.agent.name', c.agent),
    attr('tokenwatch.task.id', c.task),
    attr('session.id', `s-${c.agent}`),
    attr('tokenwatch.prefix_hash', `p-${c.agent}`),
    attr('gen_ai.usage.input_tokens', c.input),
    attr('gen_ai.usage.output_tokens', c.output),
    ...(c.cacheRead ? [attr('gen_ai.usage.cache_read.input_tokens', c.cacheRead)] : []),
  ]);
}

function task(id: string, agent: string, outcome: string) {
  return span(id, 1, [
    attr('tokenwatch.task.id', id),
    attr('tokenwatch.task.outcome', outcome),
    attr('gen_ai.agent.name', agent),
  ]);
}

const gpt = { model: 'gpt-4o', provider: 'openai' };
const haiku = { model: 'claude-haiku-4-5', provider: 'anthropic' };
const spans = [
  // researcher R1 (success): 1000 × 2.5 + 100 × 10 (per 1e6) = 0.0035,
  //   then 1200 in, 800 of them cached: 400 × 2.5 + 800 × 1.25 + 100 × 10 = 0.003
  call({ agent: 'researcher', task: 'R1', input: 1000, output: 100, ...gpt }),
  call({ agent: 'researcher', task: 'R1', input: 1200, cacheRead: 800, output: 100, ...gpt }),
  task('R1', 'researcher', 'success'),
  // writer W1 (failure): 1500 × 1 + 50 × 5 = 0.00175
  call({ agent: 'writer', task: 'W1', input: 1500, output: 50, ...haiku }),
  task('W1', 'writer', 'failure'),
  // fixer F1 (abandoned): the same request twice, 300 × 2.5 + 30 × 10 = 0.00105 each
  call({ agent: 'fixer', task: 'F1', input: 300, output: 30, ...gpt }),
  call({ agent: 'fixer', task: 'F1', input: 300, output: 30, ...gpt }),
  task('F1', 'fixer', 'abandoned'),
];

let dataDir: string;
let configFile: string;
let serve: ServeProcess | undefined;
let markdownFromApi: string;
let evaluation: { alerts: { fingerprint: string; muted: boolean }[] };

/** The CLI in a child process; `through` sends it to the running serve. */
async function tokenwatch(through: string | undefined, args: string[]) {
  const server = through ? ['--server', through] : [];
  const { stdout, stderr } = await run(
    process.execPath,
    [...cliArgs, '--config', configFile, '--data-dir', dataDir, ...server, ...args],
    { cwd: repo, env: process.env, maxBuffer: 16 * 1024 * 1024 },
  );
  return { stdout, stderr };
}

const range = ['--since', SINCE, '--until', UNTIL];
/** Past the alert engine's evaluation (now), the same instant for both runs. */
const LATER = new Date(Date.now() + 86_400_000).toISOString();
const week = ['report', 'weekly', '--from', SINCE, '--to', UNTIL, '--at', UNTIL];

/** Each verb as the test asks it, by a name for the assertions. */
const VERBS: Record<string, string[]> = {
  cost: ['cost', ...range, '--by', 'agent', '--format', 'json'],
  'cost by model and task, cut': [
    'cost',
    ...range,
    '--by',
    'model,task',
    '--limit',
    '2',
    '--format',
    'json',
  ],
  'cost table, cut': ['cost', ...range, '--limit', '1'],
  tasks: ['tasks', ...range, '--format', 'json'],
  'tasks, cut': ['tasks', ...range, '--limit', '2', '--format', 'json'],
  'tasks table, one outcome': ['tasks', ...range, '--top', '1', '--outcome', 'failure'],
  cache: ['cache', ...range, '--format', 'json'],
  'cache, cut': ['cache', ...range, '--limit', '1', '--format', 'json'],
  'cache table': ['cache', ...range],
  failures: ['failures', ...range, '--format', 'json'],
  'failures table': ['failures', ...range],
  context: ['context', ...range, '--format', 'json'],
  'context, cut': ['context', ...range, '--limit', '1', '--format', 'json'],
  'context table, cut': ['context', ...range, '--limit', '1'],
  budgets: ['budgets', '--at', UNTIL, '--format', 'json'],
  'budgets, cut': ['budgets', '--at', UNTIL, '--limit', '2', '--format', 'json'],
  'budgets table': ['budgets', '--at', UNTIL],
  anomalies: ['anomalies', '--at', UNTIL, '--format', 'json'],
  'anomalies table': ['anomalies', '--at', UNTIL],
  'anomalies recorded': ['anomalies', ...range, '--format', 'json'],
  'anomalies recorded table': ['anomalies', ...range],
  alerts: ['alerts', 'list', '--format', 'json'],
  'alerts, cut': ['alerts', 'list', '--limit', '1', '--format', 'json'],
  'alerts table': ['alerts', 'list'],
  'alerts history': ['alerts', 'history', '--since', SINCE, '--until', LATER, '--format', 'json'],
  series: ['series', ...range, '--by', 'agent', '--agent', 'researcher', '--format', 'json'],
  'series table': ['series', ...range, '--by', 'agent,model'],
  task: ['task', '--id', 'R1', '--format', 'json'],
  span: ['span', '--trace', TRACE, '--span', '0000000000002004', '--format', 'json'],
  freshness: ['freshness', '--format', 'json'],
  report: [...week, '--format', 'json'],
  'report markdown': week,
  'report focus': [...week, '--format', 'focus'],
  'report csv by team and model': [...week, '--by', 'team,model', '--format', 'csv'],
};

/** Every verb's output through serve, then straight from the store. */
const outputs: Record<'serve' | 'store', Record<string, { stdout: string; stderr: string }>> = {
  serve: {},
  store: {},
};

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tokenwatch-reads-parity-'));
  configFile = join(dataDir, 'tokenwatch.yaml');
  writeFileSync(
    configFile,
    [
      'timezone: Europe/Berlin',
      'alerts:',
      '  evaluate_every: 1h',
      'budgets:',
      '  - { id: researcher-day, scope: { agent: researcher }, period: rolling, window: 24h, limit_usd: 0.005 }',
      '  - { id: per-agent, per: agent, period: rolling, window: 24h, limit_usd: 0.002 }',
      '',
    ].join('\n'),
  );
  serve = await startServe(dataDir, [], { TOKENWATCH_CONFIG: configFile });
  const response = await fetch(`${serve.url}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
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
  // Acknowledged spans reach the store from the spool shortly after.
  for (let i = 0; i < 100; i++) {
    const [[calls]] = (await adminSql(dataDir, 'SELECT count() FROM llm_calls')) as [[string]];
    const [[tasks]] = (await adminSql(dataDir, 'SELECT count() FROM tasks FINAL')) as [[string]];
    if (calls === '5' && tasks === '3') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // The engine evaluated at start, before the calls came: it evaluates again now, with its
  // state, so both runs below see the alerts it opened and the thresholds it recorded.
  evaluation = JSON.parse(
    (await tokenwatch(serve.url, ['alerts', 'evaluate', '--format', 'json'])).stdout,
  );
  for (const [name, args] of Object.entries(VERBS))
    outputs.serve[name] = await tokenwatch(serve.url, args);
  const { token } = JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8')) as {
    token: string;
  };
  const document = await fetch(
    `${serve.url}/api/v1/reports/weekly?${new URLSearchParams({ from: SINCE, to: UNTIL, at: UNTIL, format: 'md' })}`,
    { headers: { authorization: `Bearer ${token}` } },
  );
  expect(document.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
  markdownFromApi = await document.text();
  expect(await stopServe(serve.child)).toBe(0);
  serve = undefined;
  for (const [name, args] of Object.entries(VERBS))
    outputs.store[name] = await tokenwatch(undefined, args);
}, 300_000);

afterAll(async () => {
  if (serve) await stopServe(serve.child);
});

describe('every read verb through serve and in process', () => {
  it.each(Object.keys(VERBS))('%s prints the same both ways', (name) => {
    expect(outputs.store[name]).toEqual(outputs.serve[name]);
  });

  it('cost: the hand-priced spend by agent', () => {
    const cost = JSON.parse(outputs.store.cost!.stdout);
    expect(
      cost.rows.map((r: { key: { agent: string }; costUsd: string }) => [r.key.agent, r.costUsd]),
    ).toEqual([
      ['researcher', '0.0065'],
      ['fixer', '0.0021'],
      ['writer', '0.00175'],
    ]);
    expect(cost.total).toMatchObject({ costUsd: '0.01035', calls: 5 });
    expect(cost.range).toEqual({ from: SINCE, to: UNTIL });
    expect(cost.truncated).toEqual({});
  });

  it('cost: a cut list says how many rows it left out', () => {
    const cut = JSON.parse(outputs.store['cost by model and task, cut']!.stdout);
    expect(cut.rows.map((r: { key: Record<string, string> }) => r.key)).toEqual([
      { model: 'gpt-4o', task: 'R1' },
      { model: 'gpt-4o', task: 'F1' },
    ]);
    expect(cut.truncated).toEqual({ rows: { shown: 2, total: 3 } });
    // The total is of every group, not only the ones shown.
    expect(cut.total.costUsd).toBe('0.01035');
    expect(outputs.store['cost by model and task, cut']!.stderr).toBe(
      'tokenwatch: … 1 more row; --limit to see them\n',
    );
    const table = outputs.store['cost table, cut']!.stdout;
    expect(table).toMatch(/^researcher\s+2\s+1400\s+800\s+0\s+200\s+0\.0065\s/m);
    expect(table).toMatch(/^TOTAL\s+5\s/m);
    expect(table.endsWith('(2 rows)\n(… 2 more rows; --limit to see them)\n')).toBe(true);
  });

  it('tasks: each task with its outcome, and cost per successful task', () => {
    const tasks = JSON.parse(outputs.store.tasks!.stdout);
    expect(
      tasks.tasks.map((t: { taskId: string; outcome: string; calls: number; costUsd: string }) => [
        t.taskId,
        t.outcome,
        t.calls,
        t.costUsd,
      ]),
    ).toEqual([
      ['R1', 'success', 2, '0.0065'],
      ['F1', 'abandoned', 2, '0.0021'],
      ['W1', 'failure', 1, '0.00175'],
    ]);
    expect(
      tasks.agents.map((a: { agent: string; costPerSuccessfulTaskUsd: string | null }) => [
        a.agent,
        a.costPerSuccessfulTaskUsd,
      ]),
    ).toEqual([
      ['researcher', '0.0065'],
      ['fixer', null],
      ['writer', null],
    ]);
    const cut = JSON.parse(outputs.store['tasks, cut']!.stdout);
    expect(cut.tasks.map((t: { taskId: string }) => t.taskId)).toEqual(['R1', 'F1']);
    expect(cut.truncated).toEqual({
      tasks: { shown: 2, total: 3 },
      agents: { shown: 2, total: 3 },
    });
    const table = outputs.store['tasks table, one outcome']!.stdout;
    expect(table).toMatch(/^W1\s+writer\s+failure\s+1\s+0\.00175\s/m);
    // One failed task, shown whole; the limit of 1 cut the agents' table, which says so.
    expect(table.match(/more rows?; --limit/g)).toHaveLength(1);
    expect(table.endsWith('(1 row)\n(… 2 more rows; --limit to see them)\n')).toBe(true);
  });

  it('cache: hit rate and savings of the cached call', () => {
    const cache = JSON.parse(outputs.store.cache!.stdout);
    // Prompt tokens 1000 + 1200 (researcher) + 1500 (writer) + 600 (fixer), 800 of them cached.
    expect(cache.hitRate).toBeCloseTo(800 / 4300, 12);
    // 800 cached × (2.50 − 1.25) / 1e6.
    expect(cache.savingsUsd).toBe('0.001');
    expect(
      cache.agents.map((a: { agent: string; savingsUsd: string }) => [a.agent, a.savingsUsd]),
    ).toEqual([
      ['fixer', '0'],
      ['researcher', '0.001'],
      ['writer', '0'],
    ]);
    const cut = JSON.parse(outputs.store['cache, cut']!.stdout);
    expect(cut.agents.map((a: { agent: string }) => a.agent)).toEqual(['fixer']);
    // The totals stay those of every agent.
    expect(cut).toMatchObject({
      savingsUsd: '0.001',
      truncated: { agents: { shown: 1, total: 3 } },
    });
  });

  it('failures: failed tasks and the retry, by agent', () => {
    const failures = JSON.parse(outputs.store.failures!.stdout);
    const byAgent = Object.fromEntries(
      failures.agents.map((a: { agent: string }) => [a.agent, a] as const),
    );
    expect(failures.agents.map((a: { agent: string }) => a.agent)).toEqual([
      'fixer',
      'writer',
      'researcher',
    ]);
    expect(byAgent.fixer).toMatchObject({
      failedTasks: 1,
      failedTaskCostUsd: '0.0021',
      retries: 1,
      retriesHeuristic: 1,
      retryCostUsd: '0.00105',
      wasteShare: 1,
    });
    expect(byAgent.writer).toMatchObject({ failedTasks: 1, failedTaskCostUsd: '0.00175' });
    // Two calls of one task with one prefix but different prompt sizes: no retry.
    expect(byAgent.researcher).toMatchObject({ retries: 0, wasteShare: 0, totalCostUsd: '0.0065' });
    expect(outputs.store['failures table']!.stdout).toMatch(
      /^fixer\s+0\.0021\s+1\s+0\.0021\s+0\s+1\s+0\s+1\s+0\.00105\s+1\.000\s*$/m,
    );
  });

  it('context: sessions by their largest prompt, cut to the limit', () => {
    const context = JSON.parse(outputs.store.context!.stdout);
    expect(
      context.sessions.map(
        (s: {
          session: string;
          calls: number;
          firstPromptTokens: number;
          lastPromptTokens: number;
        }) => [s.session, s.calls, s.firstPromptTokens, s.lastPromptTokens],
      ),
    ).toEqual([
      ['s-writer', 1, 1500, 1500],
      ['s-researcher', 2, 1000, 1200],
      ['s-fixer', 2, 300, 300],
    ]);
    expect(context.agents.map((a: { agent: string }) => a.agent)).toEqual([
      'fixer',
      'researcher',
      'writer',
    ]);
    expect(context.truncated).toEqual({});
    const cut = JSON.parse(outputs.store['context, cut']!.stdout);
    expect(cut.sessions.map((s: { session: string }) => s.session)).toEqual(['s-writer']);
    expect(cut.truncated).toEqual({
      sessions: { shown: 1, total: 3 },
      agents: { shown: 1, total: 3 },
      taskCostRegressions: { shown: 1, total: 3 },
    });
  });

  it('budgets: every instance at the moment asked, by hand', () => {
    const budgets = JSON.parse(outputs.store.budgets!.stdout);
    expect(budgets.at).toBe(UNTIL);
    const figures = budgets.budgets
      .map((b: { budgetId: string; instance: string; spent: string; fraction: number }) => [
        b.budgetId,
        b.instance,
        b.spent,
        b.fraction,
      ])
      .sort();
    expect(figures).toEqual([
      ['per-agent', 'agent=fixer', '0.0021', 1.05],
      ['per-agent', 'agent=researcher', '0.0065', 3.25],
      ['per-agent', 'agent=writer', '0.00175', 0.875],
      ['researcher-day', '', '0.0065', 1.3],
    ]);
    const researcher = budgets.budgets.find(
      (b: { budgetId: string }) => b.budgetId === 'researcher-day',
    );
    expect(researcher.thresholds.reached).toEqual([0.5, 0.8, 1]);
    const cut = JSON.parse(outputs.store['budgets, cut']!.stdout);
    expect(cut.budgets).toHaveLength(2);
    expect(cut.truncated).toEqual({ budgets: { shown: 2, total: 4 } });
  });

  it('anomalies: none at that moment, and none recorded in the range', () => {
    expect(JSON.parse(outputs.store.anomalies!.stdout)).toEqual({
      at: UNTIL,
      anomalies: [],
      truncated: {},
    });
    expect(JSON.parse(outputs.store['anomalies recorded']!.stdout)).toEqual({
      range: { from: SINCE, to: UNTIL },
      anomalies: [],
      truncated: {},
    });
    expect(outputs.store['anomalies table']!.stdout).toBe('No burn-rate anomalies.\n');
    expect(outputs.store['anomalies recorded table']!.stdout).toBe(
      `No burn-rate anomalies from ${SINCE} to ${UNTIL}.\n`,
    );
  });

  it('alerts: the open alerts, muted as the running engine mutes them', () => {
    type Alert = {
      fingerprint: string;
      rule: string;
      muted: boolean;
      labels: Record<string, string>;
    };
    const alerts = JSON.parse(outputs.store.alerts!.stdout) as Alert[];
    // By hand: 100 % of researcher-day and of per-agent for researcher and fixer (pages); 50 % and
    // 80 % of each of those, muted by the 100 %; writer at 87.5 % reached 50 % and 80 %, not muted.
    const summary = alerts
      .map((a) => [
        a.rule,
        a.labels.budget_id,
        a.labels.instance ?? '',
        a.labels.threshold_pct,
        a.muted,
      ])
      .sort();
    expect(summary).toEqual(
      [
        ['budget_exhausted', 'researcher-day', '', '100', false],
        ['budget_exhausted', 'per-agent', 'agent=researcher', '100', false],
        ['budget_exhausted', 'per-agent', 'agent=fixer', '100', false],
        ['budget_threshold', 'researcher-day', '', '50', true],
        ['budget_threshold', 'researcher-day', '', '80', true],
        ['budget_threshold', 'per-agent', 'agent=researcher', '50', true],
        ['budget_threshold', 'per-agent', 'agent=researcher', '80', true],
        ['budget_threshold', 'per-agent', 'agent=fixer', '50', true],
        ['budget_threshold', 'per-agent', 'agent=fixer', '80', true],
        ['budget_threshold', 'per-agent', 'agent=writer', '50', false],
        ['budget_threshold', 'per-agent', 'agent=writer', '80', false],
      ].sort(),
    );
    // The store keeps no mute flags: in process they are worked out as the engine did.
    const engine = new Map(evaluation.alerts.map((a) => [a.fingerprint, a.muted]));
    expect(alerts.map((a) => engine.get(a.fingerprint))).toEqual(alerts.map((a) => a.muted));
    // The thresholds the engine recorded are no longer new to anyone looking afterwards.
    const budgets = JSON.parse(outputs.store.budgets!.stdout);
    expect(
      budgets.budgets.map(
        (b: { thresholds: { newlyReached: number[] } }) => b.thresholds.newlyReached,
      ),
    ).toEqual([[], [], [], []]);
    expect(JSON.parse(outputs.store['alerts, cut']!.stdout)).toHaveLength(1);
    expect(outputs.store['alerts, cut']!.stderr).toBe(
      'tokenwatch: … 10 more rows; --limit to see them\n',
    );
    expect(outputs.store['alerts table']!.stdout).toMatch(
      /^budget_threshold +firing \(muted\) +ticket +default +agent fixer on budget per-agent /m,
    );
  });

  it('series, task, span, freshness, alerts history: the console’s reads, by hand', () => {
    const series = JSON.parse(outputs.store.series!.stdout);
    // researcher only: 0.0035 + 0.003 (the hand prices above), two calls, in Berlin days or hours.
    expect(series.filters).toEqual({ agent: 'researcher' });
    expect(series.timezone).toBe('Europe/Berlin');
    expect(series.total).toMatchObject({ costUsd: '0.0065', calls: 2, cacheReadTokens: 800 });
    expect(series.groups.map((g: { key: object }) => g.key)).toEqual([{ agent: 'researcher' }]);
    expect(outputs.store['series table']!.stdout).toMatch(/^researcher\s+gpt-4o\s+2\s/m);

    const task = JSON.parse(outputs.store.task!.stdout);
    const calls = task.calls as { costUsd: string; contextTokens: number; spanId: string }[];
    expect(calls.map((c) => [c.spanId, c.contextTokens, c.costUsd])).toEqual([
      ['0000000000002001', 1000, '0.0035'],
      ['0000000000002002', 1200, '0.003'],
    ]);

    const span = JSON.parse(outputs.store.span!.stdout).span;
    expect(span.spanAttributes['gen_ai.request.model']).toBe('claude-haiku-4-5');
    expect(span.resourceAttributes['service.name']).toBe('agents');

    // The last call stored started 7 minutes after T0 (the second F1 call).
    const fresh = JSON.parse(outputs.store.freshness!.stdout);
    expect(fresh.lastCallAt).toBe(new Date(T0 + 7 * 60_000).toISOString());
    expect(Date.parse(fresh.lastStoredAt)).toBeGreaterThan(T0);

    // Every alert the engine opened fired once in the range, none resolved yet.
    const history = JSON.parse(outputs.store['alerts history']!.stdout);
    const fired = (history.occurrences as { fingerprint: string; endsAt: string | null }[]).map(
      (o) => o.fingerprint,
    );
    expect(fired.sort()).toEqual(evaluation.alerts.map((a) => a.fingerprint).sort());
  });

  it('report weekly: the same report both ways, and the document the API renders is the one printed', () => {
    const report = JSON.parse(outputs.store.report!.stdout);
    expect(report.week).toMatchObject({ from: SINCE, to: UNTIL, timezone: 'Europe/Berlin' });
    expect(report.generatedAt).toBe(UNTIL);
    expect(report.totals.current).toMatchObject({ costUsd: '0.01035', calls: 5 });
    expect(
      Object.fromEntries(
        report.attribution.agent.map((l: { label: string; costUsd: string }) => [
          l.label,
          l.costUsd,
        ]),
      ),
    ).toEqual({ researcher: '0.0065', fixer: '0.0021', writer: '0.00175' });
    // Through serve, `?format=md` answers the rendered document: the Markdown the verb printed.
    expect(markdownFromApi).toBe(outputs.store['report markdown']!.stdout);
    expect(outputs.store['report focus']!.stdout.split('\r\n')[0]).toMatch(/^BilledCost,/);
  });
});
