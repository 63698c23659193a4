import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../test/ports.ts';
import {
  binPath,
  installRelease,
  node,
  packRelease,
  type Running,
  startUntil,
  stop,
  tokenwatch,
} from './installed-project.ts';

const run = promisify(execFile);

// Hand-written list prices (USD per million tokens) of the models the apps call.
const PRICES: Record<string, { input: number; output: number }> = {
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'claude-3-5-haiku-latest': { input: 0.8, output: 4 },
};

function expectedCost(model: string, input: number, output: number): number {
  const price = PRICES[model]!;
  return (input * price.input + output * price.output) / 1e6;
}

type StoredCall = {
  agent: string;
  model: string;
  input_tokens: string;
  output_tokens: string;
  cache_read_tokens: string;
  total_cost: string | null;
  task: string;
  outcome: string;
};

async function portRefuses(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/healthz`);
    return false;
  } catch {
    return true;
  }
}

let tarballs: string[] = [];
let project = '';
let dataDir = '';
let serve: (Running & { match: RegExpExecArray }) | undefined;
let fake: Running | undefined;
let serverUrl = '';
let openaiUrl = '';
let anthropicUrl = '';

/** The environment an agent gets: where to export spans and where the fake provider is. */
function agentEnv(serviceName: string): NodeJS.ProcessEnv {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: serverUrl,
    OTEL_SERVICE_NAME: serviceName,
    OPENAI_BASE_URL: openaiUrl,
    ANTHROPIC_BASE_URL: anthropicUrl,
  };
}

async function storedCalls(agent: string): Promise<StoredCall[]> {
  const { stdout } = await tokenwatch(project, [
    '--data-dir',
    dataDir,
    'sql',
    `SELECT c.agent AS agent, c.model AS model, c.input_tokens AS input_tokens,
            c.output_tokens AS output_tokens, c.cache_read_tokens AS cache_read_tokens,
            c.total_cost AS total_cost, t.name AS task, toString(t.outcome) AS outcome
       FROM llm_calls AS c FINAL
       LEFT JOIN (SELECT task_id, name, outcome FROM tasks FINAL) AS t ON t.task_id = c.task_id
      WHERE c.agent = '${agent}' ORDER BY c.start_time`,
    '--format',
    'json',
  ]);
  return JSON.parse(stdout) as StoredCall[];
}

/**
 * Waits until the store has `count` calls of the agent (spans reach it through the spool), and
 * with `task`, until their task is stored too.
 */
async function waitForCalls(agent: string, count: number, task = false): Promise<StoredCall[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const calls = await storedCalls(agent);
    const complete = calls.length >= count && (!task || calls.every((c) => c.task !== ''));
    if (complete || Date.now() > deadline) return calls;
    await new Promise((r) => setTimeout(r, 250));
  }
}

function expectPriced(call: StoredCall, input: number, output: number): void {
  expect(Number(call.input_tokens)).toBe(input);
  expect(Number(call.output_tokens)).toBe(output);
  expect(call.total_cost).not.toBeNull();
  expect(Number(call.total_cost)).toBeCloseTo(expectedCost(call.model, input, output), 12);
}

beforeAll(async () => {
  tarballs = await packRelease();
  project = await installRelease(tarballs);
  dataDir = mkdtempSync(join(tmpdir(), 'tokenwatch-data-'));
  const fakePort = await freePort();
  fake = await startUntil(binPath(project), ['fake-provider', '--port', String(fakePort)], {
    cwd: project,
    ready: /ANTHROPIC_BASE_URL=(\S+)/,
  });
  openaiUrl = /OPENAI_BASE_URL=(\S+)/.exec(fake.out())![1]!;
  anthropicUrl = /ANTHROPIC_BASE_URL=(\S+)/.exec(fake.out())![1]!;
  const port = await freePort();
  serve = await startUntil(
    binPath(project),
    ['--data-dir', dataDir, 'serve', '--port', String(port)],
    { cwd: project, env: { TOKENWATCH_CONFIG: '' }, ready: /ready \((http:\/\/[^/]+)\/readyz\)/ },
  );
  serverUrl = serve.match[1]!;
});

afterAll(async () => {
  if (serve) await stop(serve.child, 'SIGKILL');
  if (fake) await stop(fake.child, 'SIGKILL');
  if (project) rmSync(project, { recursive: true, force: true });
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('the packed release', () => {
  it('packs every public package with its README, licence and compiled output, publishable', async () => {
    const names = tarballs.map((file) => basename(file));
    expect(names).toEqual(
      expect.arrayContaining([
        'tokenwatch-cli-0.1.0.tgz',
        'tokenwatch-console-0.1.0.tgz',
        'tokenwatch-instrumentation-0.1.0.tgz',
        'tokenwatch-store-0.1.0.tgz',
      ]),
    );
    for (const tarball of tarballs) {
      const { stderr } = await run('npm', ['publish', '--dry-run', tarball], {
        cwd: project,
        env: { ...process.env, npm_config_loglevel: 'notice' },
      });
      expect(stderr).toContain('(dry-run)');
      expect(stderr).not.toMatch(/npm error/);
    }
  });

  it('instruments an unmodified ESM app with node --import', async () => {
    copyFileSync(join(import.meta.dirname, 'apps/zero-code.mjs'), join(project, 'app.mjs'));
    const { stdout } = await node(
      project,
      ['--import', '@tokenwatch/instrumentation/register', 'app.mjs'],
      agentEnv('esm-agent'),
    );
    const usage = JSON.parse(stdout);
    const calls = await waitForCalls('esm-agent', 2);
    expect(calls.map((c) => c.model).sort()).toEqual(['claude-3-5-haiku-latest', 'gpt-4.1-mini']);
    const chat = calls.find((c) => c.model === 'gpt-4.1-mini')!;
    expectPriced(chat, usage.openai.prompt_tokens, usage.openai.completion_tokens);
    const message = calls.find((c) => c.model !== 'gpt-4.1-mini')!;
    expectPriced(message, usage.anthropic.input_tokens, usage.anthropic.output_tokens);
  });

  it('instruments an unmodified CommonJS app with node --require', async () => {
    copyFileSync(join(import.meta.dirname, 'apps/zero-code.cjs'), join(project, 'app.cjs'));
    const { stdout, stderr } = await node(
      project,
      ['--require', '@tokenwatch/instrumentation/register', 'app.cjs'],
      agentEnv('cjs-agent'),
    );
    expect(stderr).not.toMatch(/warning/i);
    const usage = JSON.parse(stdout);
    const [call, ...more] = await waitForCalls('cjs-agent', 1);
    expect(more).toEqual([]);
    expectPriced(call!, usage.openai.prompt_tokens, usage.openai.completion_tokens);
  });

  it('serves the console at / from the install, with the numbers the API gives', async () => {
    await waitForCalls('esm-agent', 2);
    const home = await fetch(`${serverUrl}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toContain('text/html');
    expect(home.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await home.text()).toContain('<h1>Overview</h1>');
    // The stylesheet and script ship in the package (assets/, beside dist/).
    for (const asset of ['/assets/console.css', '/assets/console.js'])
      expect((await fetch(`${serverUrl}${asset}`)).status, asset).toBe(200);
    const explore = await (await fetch(`${serverUrl}/explore?since=1d&agent=esm-agent`)).text();
    const api = (await (
      await fetch(`${serverUrl}/api/v1/cost/series?since=1d&agent=esm-agent`)
    ).json()) as { total: { costUsd: string } };
    expect(Number(api.total.costUsd)).toBeGreaterThan(0);
    expect(explore).toContain(`data-value="${api.total.costUsd}" data-testid="explore-total"`);
  });

  it('in code: register(), then a dynamic import; the task budget refuses a call before it is sent', async () => {
    copyFileSync(join(import.meta.dirname, 'apps/in-code.mjs'), join(project, 'in-code.mjs'));
    const { stdout } = await node(project, ['in-code.mjs'], agentEnv('in-code-app'));
    const result = JSON.parse(stdout);
    expect(result.refused).toBe('BudgetExceededError');
    expect(result.sentBeforeRefusal).toBe(1);
    expect(result.sent).toBe(1);
    const calls = await waitForCalls('in-code-app', 1, true);
    expect(calls).toHaveLength(1);
    // The task ended on the refusal, so it failed.
    expect(calls[0]!.task).toBe('budgeted-plan');
    expect(calls[0]!.outcome).toBe('failure');
    expectPriced(calls[0]!, result.usage.prompt_tokens, result.usage.completion_tokens);
  });

  it('a TypeScript app type-checks against the published types and runs', async () => {
    copyFileSync(join(import.meta.dirname, 'apps/typed-app.ts'), join(project, 'typed-app.mts'));
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          outDir: 'out',
          types: ['node'],
        },
        files: ['typed-app.mts'],
      }),
    );
    // Copied as .mts: the app is ESM (top-level await) in a project without "type": "module".
    await run(process.execPath, [join(project, 'node_modules/typescript/bin/tsc'), '-p', '.'], {
      cwd: project,
    }).catch((err: { stdout: string }) => {
      throw new Error(`tsc failed:\n${err.stdout}`);
    });
    const { stdout } = await node(project, ['out/typed-app.mjs'], agentEnv('typed-app'));
    const [first, second] = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(second.remaining).toBeGreaterThan(0.99);
    expect(second.remaining).toBeLessThan(1);
    const [call] = await waitForCalls('typed-agent', 1, true);
    expectPriced(call!, first.openai.prompt_tokens, first.openai.completion_tokens);
    expect(call!.task).toBe('typed-task');
    expect(call!.outcome).toBe('success');
  });

  it('every read verb answers from the install while serve runs', async () => {
    const verbs = [
      ['cost', '--by', 'agent,model', '--since', '1d'],
      ['tasks', '--since', '1d'],
      ['cache', '--since', '1d'],
      ['failures', '--since', '1d'],
      ['context', '--since', '1d'],
      ['anomalies'],
      ['budgets'],
      ['alerts', 'list'],
      ['alerts', 'history', '--since', '1d'],
      ['series', '--since', '1d', '--by', 'agent'],
      ['freshness'],
      ['report', 'weekly', '--format', 'md'],
      ['reprice', '--since', '2020-01-01', '--dry-run'],
      ['config', 'show'],
      ['version'],
    ];
    for (const verb of verbs) {
      const { stdout } = await tokenwatch(project, ['--data-dir', dataDir, ...verb], {
        TOKENWATCH_CONFIG: '',
      });
      expect(stdout.length, verb.join(' ')).toBeGreaterThan(0);
    }
    const { stdout } = await tokenwatch(project, [
      '--data-dir',
      dataDir,
      'cost',
      '--by',
      'agent',
      '--since',
      '1d',
      '--format',
      'json',
    ]);
    const report = JSON.parse(stdout) as { rows: { key: { agent: string } }[] };
    const agents = report.rows.map((row) => row.key.agent);
    expect(agents).toEqual(expect.arrayContaining(['esm-agent', 'cjs-agent', 'typed-agent']));
  });

  it('SIGTERM to the installed bin drains the server; the port and the data dir are free', async () => {
    const port = Number(new URL(serverUrl).port);
    const exit = await stop(serve!.child, 'SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(await portRefuses(port)).toBe(true);
    expect(existsSync(join(dataDir, 'server.json'))).toBe(false);
    // The store opens in a new process: the engine's lock was released.
    const { stdout } = await tokenwatch(project, [
      '--data-dir',
      dataDir,
      'sql',
      'SELECT count() AS calls FROM llm_calls FINAL',
      '--format',
      'json',
    ]);
    expect(Number(JSON.parse(stdout)[0].calls)).toBe(5);
    const fakeExit = await stop(fake!.child, 'SIGTERM');
    expect(fakeExit.code).toBe(0);
  });
});
