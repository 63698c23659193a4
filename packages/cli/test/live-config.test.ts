import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashApiKey } from '@tokenwatch/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSql, type ServeProcess, startServe, stopServe } from './serve-process.ts';

// A real `tokenwatch serve` child process with a config file of its own in a temp directory; each
// test writes the whole file it needs, waits for /metrics to show its checksum, then checks that
// the running server acts on it.

const KEY_A = 'tw_live_key_a_0123456789abcdef';
const KEY_B = 'tw_live_key_b_0123456789abcdef';

let dir: string;
let configFile: string;
let dataDir: string;
let serve: ServeProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenwatch-live-config-'));
  configFile = join(dir, 'tokenwatch.yaml');
  dataDir = join(dir, 'data');
  writeFileSync(configFile, configText({ keys: [KEY_A] }));
  serve = await startServe(dataDir, [], { TOKENWATCH_CONFIG: configFile });
});

afterAll(async () => {
  if (serve) await stopServe(serve.child);
  rmSync(dir, { recursive: true, force: true });
});

type ConfigSpec = {
  keys: string[];
  host?: string;
  prices?: string;
  budgets?: string;
  /** The body of the `alerts:` section. */
  alerts?: string;
};

/** A whole tokenwatch.yaml: the keys (all tenant acme), then the optional sections. */
function configText(spec: ConfigSpec): string {
  const lines = [
    ...(spec.host ? ['server:', `  host: ${spec.host}`] : []),
    'auth:',
    '  keys:',
    ...spec.keys.flatMap((key) => [`    - tenant: acme`, `      key_sha256: ${hashApiKey(key)}`]),
  ];
  if (spec.prices) lines.push('prices:', spec.prices);
  if (spec.budgets) lines.push('budgets:', spec.budgets);
  if (spec.alerts) lines.push('alerts:', spec.alerts);
  return `${lines.join('\n')}\n`;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Saves as most editors do: a temporary file renamed over the config (a new inode). */
function saveByRename(text: string): void {
  const temporary = join(dir, `.tokenwatch.yaml.${randomBytes(4).toString('hex')}.tmp`);
  writeFileSync(temporary, text);
  renameSync(temporary, configFile);
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${serve.log()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function metrics(): Promise<string> {
  return (await fetch(`${serve.url}/metrics`)).text();
}

/** The checksum /metrics shows for the configuration in effect. */
async function configChecksum(): Promise<string> {
  const match = /^tokenwatch_config_info\{sha256="([0-9a-f]{64})"\} 1$/m.exec(await metrics());
  if (!match) throw new Error('no tokenwatch_config_info on /metrics');
  return match[1]!;
}

/** Writes the config (in place unless `rename`) and resolves once the server has applied it. */
async function applyConfig(text: string, options: { rename?: boolean } = {}): Promise<void> {
  if (options.rename) saveByRename(text);
  else writeFileSync(configFile, text);
  const want = sha256(text);
  await waitFor(`config ${want.slice(0, 12)} in effect`, async () =>
    (await configChecksum()) === want ? true : undefined,
  );
}

const api = (path: string, key: string) =>
  fetch(`${serve.url}/api/v1${path}`, { headers: { authorization: `Bearer ${key}` } });

type Span = { spanId: string; model: string; agent: string; input: number; output: number };

/** Posts one LLM-call span as OTLP/JSON, as an instrumented agent would. */
function sendSpan(span: Span, key: string): Promise<Response> {
  const start = BigInt(Date.now()) * 1_000_000n;
  const attribute = (name: string, value: string | number) => ({
    key: name,
    value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value },
  });
  const body = {
    resourceSpans: [
      {
        resource: { attributes: [attribute('service.name', 'live-config')] },
        scopeSpans: [
          {
            scope: { name: 'test' },
            spans: [
              {
                traceId: `${span.spanId}${span.spanId}`,
                spanId: span.spanId,
                name: `chat ${span.model}`,
                kind: 3,
                startTimeUnixNano: start.toString(),
                endTimeUnixNano: (start + 1_000_000n).toString(),
                attributes: [
                  attribute('gen_ai.operation.name', 'chat'),
                  attribute('gen_ai.request.model', span.model),
                  attribute('gen_ai.agent.name', span.agent),
                  attribute('gen_ai.usage.input_tokens', span.input),
                  attribute('gen_ai.usage.output_tokens', span.output),
                ],
              },
            ],
          },
        ],
      },
    ],
  };
  return fetch(`${serve.url}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
}

/** The stored total_cost of one span (`null` when unpriced), once it is in the store. */
function storedCost(spanId: string): Promise<string | null> {
  return waitFor(`span ${spanId} stored`, async () => {
    const rows = await adminSql(
      dataDir,
      `SELECT toString(total_cost), isNull(total_cost) FROM llm_calls FINAL WHERE span_id = '${spanId}'`,
    );
    if (rows.length === 0) return undefined;
    return String(rows[0]![1]) === '1' ? null : String(rows[0]![0]);
  });
}

type BudgetView = { limit: string; spent: string; remaining: string; fraction: number };

async function budgetStatus(id: string, key: string): Promise<BudgetView | undefined> {
  const body = (await (await api('/budgets', key)).json()) as {
    budgets: (BudgetView & { budgetId: string })[];
  };
  return body.budgets.find((b) => b.budgetId === id);
}

async function budgetCheck(agent: string, key: string) {
  const response = await api(`/budgets/check?agent=${agent}`, key);
  return (await response.json()) as {
    allowed: boolean;
    budgets: (BudgetView & { id: string })[];
    reason?: string;
  };
}

const budgetYaml = (id: string, agent: string, limitUsd: string) =>
  [
    `  - id: ${id}`,
    `    scope: { agent: ${agent} }`,
    '    period: rolling',
    '    window: 24h',
    `    limit_usd: ${limitUsd}`,
  ].join('\n');

describe('serve applies edits of its config file', () => {
  it('uses a changed budget limit in the next evaluation and in budget checks', async () => {
    // live-budget-model: $10 input and $20 output per million: 1000 in + 100 out = $0.012.
    const prices = '  - { model: live-budget-model, input: 10, output: 20 }';
    await applyConfig(
      configText({
        keys: [KEY_A],
        prices,
        budgets: budgetYaml('planner-rolling', 'planner-live', '0.1'),
      }),
    );
    const sent = await sendSpan(
      {
        spanId: 'b0b0b0b0b0b0b0b1',
        model: 'live-budget-model',
        agent: 'planner-live',
        input: 1000,
        output: 100,
      },
      KEY_A,
    );
    expect(sent.status).toBe(200);
    expect(await storedCost('b0b0b0b0b0b0b0b1')).toBe('0.012');
    const before = await waitFor('the counter to see the call', async () => {
      const check = await budgetCheck('planner-live', KEY_A);
      return check.budgets[0]?.spent === '0.012' ? check : undefined;
    });
    expect(before.budgets[0]).toMatchObject({ limit: '0.1', remaining: '0.088', fraction: 0.12 });

    await applyConfig(
      configText({
        keys: [KEY_A],
        prices,
        budgets: budgetYaml('planner-rolling', 'planner-live', '0.024'),
      }),
    );
    expect(await budgetStatus('planner-rolling', KEY_A)).toMatchObject({
      limit: '0.024',
      spent: '0.012',
      remaining: '0.012',
      fraction: 0.5,
    });
    const halfway = await budgetCheck('planner-live', KEY_A);
    expect(halfway.allowed).toBe(true);
    expect(halfway.budgets[0]).toMatchObject({ limit: '0.024', spent: '0.012', fraction: 0.5 });

    // Lowered under what is spent: the next check refuses.
    await applyConfig(
      configText({
        keys: [KEY_A],
        prices,
        budgets: budgetYaml('planner-rolling', 'planner-live', '0.01'),
      }),
      { rename: true },
    );
    const spent = await budgetCheck('planner-live', KEY_A);
    expect(spent.allowed).toBe(false);
    expect(spent.reason).toBe('budget planner-rolling is spent');
    expect(spent.budgets[0]).toMatchObject({ limit: '0.01', spent: '0.012', fraction: 1.2 });
  });

  it('prices the next ingested call, and repricing, with a price override added while running', async () => {
    await applyConfig(configText({ keys: [KEY_A] }));
    const before = {
      spanId: 'c0c0c0c0c0c0c0c1',
      model: 'live-price-model',
      agent: 'pricing-live',
      input: 1000,
      output: 100,
    };
    expect((await sendSpan(before, KEY_A)).status).toBe(200);
    // Nobody knows this model's price yet: stored unpriced, not as 0.
    expect(await storedCost(before.spanId)).toBeNull();

    // $3 input and $15 output per million.
    await applyConfig(
      configText({
        keys: [KEY_A],
        prices: '  - { model: live-price-model, input: 3, output: 15 }',
      }),
      { rename: true },
    );
    const after = { ...before, spanId: 'c0c0c0c0c0c0c0c2', input: 2000, output: 500 };
    expect((await sendSpan(after, KEY_A)).status).toBe(200);
    // 2000 × 3 / 10^6 + 500 × 15 / 10^6 = 0.006 + 0.0075
    expect(await storedCost(after.spanId)).toBe('0.0135');

    // Repricing through the running server uses the same, new prices.
    const { token } = JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8')) as {
      token: string;
    };
    const repriced = await fetch(`${serve.url}/api/v1/admin/reprice`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ since: new Date(Date.now() - 3_600_000).toISOString() }),
    });
    expect(repriced.status).toBe(200);
    // 1000 × 3 / 10^6 + 100 × 15 / 10^6 = 0.003 + 0.0015
    expect(await storedCost(before.spanId)).toBe('0.0045');
  });

  it('accepts a key added and refuses a key removed, on ingest and on the API', async () => {
    await applyConfig(configText({ keys: [KEY_A] }));
    expect((await api('/budgets', KEY_A)).status).toBe(200);
    expect((await api('/budgets', KEY_B)).status).toBe(401);

    // Rotation in two steps, as an operator would: add the new key, then drop the old one.
    await applyConfig(configText({ keys: [KEY_A, KEY_B] }), { rename: true });
    expect((await api('/budgets', KEY_A)).status).toBe(200);
    expect((await api('/budgets', KEY_B)).status).toBe(200);

    await applyConfig(configText({ keys: [KEY_B] }));
    expect((await api('/budgets', KEY_A)).status).toBe(401);
    expect((await api('/budgets', KEY_B)).status).toBe(200);
    const span = {
      spanId: 'd0d0d0d0d0d0d0d1',
      model: 'gpt-4o-mini',
      agent: 'keys-live',
      input: 10,
      output: 1,
    };
    expect((await sendSpan(span, KEY_A)).status).toBe(401);
    expect((await sendSpan(span, KEY_B)).status).toBe(200);
  });

  it('refuses a broken edit, naming file, line and key, and keeps the running config', async () => {
    const budgets = budgetYaml('broken-rolling', 'broken-live', '0.05');
    const valid = configText({ keys: [KEY_A], budgets });
    await applyConfig(valid);
    const running = sha256(valid);
    expect(await configChecksum()).toBe(running);

    // An invalid value: a negative limit.
    const invalid = configText({
      keys: [KEY_A],
      budgets: budgetYaml('broken-rolling', 'broken-live', '-5'),
    });
    const lines = invalid.split('\n');
    const row = lines.findIndex((line) => line.includes('limit_usd: -5'));
    const where = `${configFile}:${row + 1}:${lines[row]!.indexOf('limit_usd') + 1}`;
    const logged = serve.log().length;
    writeFileSync(configFile, invalid);
    const refusal = await waitFor('the refusal', async () => {
      const line = serve
        .log()
        .slice(logged)
        .split('\n')
        .find((l) => l.includes('refused'));
      return line;
    });
    expect(refusal).toContain('config reload (file) refused, keeping the running config');
    expect(refusal).toContain(`(sha256 ${running.slice(0, 12)})`);
    expect(serve.log().slice(logged)).toContain(`${where}: budgets.0.limit_usd:`);
    expect(await configChecksum()).toBe(running);
    expect(await budgetStatus('broken-rolling', KEY_A)).toMatchObject({ limit: '0.05' });
    expect(await metrics()).toMatch(/^tokenwatch_config_reloads_total\{result="refused"\} [1-9]/m);

    // Invalid YAML: an unclosed flow sequence.
    const notYaml = `${valid}prices: [\n`;
    const yamlLogged = serve.log().length;
    saveByRename(notYaml);
    await waitFor('the YAML refusal', async () =>
      serve.log().slice(yamlLogged).includes('refused') ? true : undefined,
    );
    expect(serve.log().slice(yamlLogged)).toMatch(
      new RegExp(`refused, keeping the running config .*: ${escapeRegExp(configFile)}:\\d+:\\d+: `),
    );
    expect(await configChecksum()).toBe(running);

    // SIGHUP reloads too; the file is still broken, so it is refused again, and said so.
    const hupLogged = serve.log().length;
    serve.child.kill('SIGHUP');
    await waitFor('the SIGHUP refusal', async () =>
      serve.log().slice(hupLogged).includes('config reload (SIGHUP) refused') ? true : undefined,
    );
    expect(await budgetStatus('broken-rolling', KEY_A)).toMatchObject({ limit: '0.05' });

    // Fixed, and SIGHUP sent at once: the server applies it (whichever of the signal and the
    // watch gets there first, the signal's reload reads the new file).
    const fixed = configText({
      keys: [KEY_A],
      budgets: budgetYaml('broken-rolling', 'broken-live', '0.07'),
    });
    const fixLogged = serve.log().length;
    writeFileSync(configFile, fixed);
    serve.child.kill('SIGHUP');
    await waitFor('the SIGHUP reload', async () =>
      serve
        .log()
        .slice(fixLogged)
        .includes(
          `config reloaded (SIGHUP) from ${configFile}, sha256 ${sha256(fixed).slice(0, 12)}`,
        )
        ? true
        : undefined,
    );
    expect(await configChecksum()).toBe(sha256(fixed));
    expect(await budgetStatus('broken-rolling', KEY_A)).toMatchObject({ limit: '0.07' });
  });

  it('evaluates alert rules and notifies receivers added while running', async () => {
    const hook = await startHook();
    try {
      // $1 per million input tokens: 20,000 tokens are $0.02, twice the $0.01 budget.
      const prices = '  - { model: live-alert-model, input: 1, output: 1 }';
      const budgets = budgetYaml('alerting-rolling', 'alerting-live', '0.01');
      await applyConfig(configText({ keys: [KEY_A], prices, budgets, alerts: '  rules: []' }));
      const span = {
        spanId: 'e0e0e0e0e0e0e0e1',
        model: 'live-alert-model',
        agent: 'alerting-live',
        input: 20_000,
        output: 0,
      };
      expect((await sendSpan(span, KEY_A)).status).toBe(200);
      expect(await storedCost(span.spanId)).toBe('0.02');
      // Alerting is off (no rules): an evaluation would find the spent budget, but nothing fires.
      const alertsNow = async () =>
        ((await (await api('/alerts', KEY_A)).json()) as { alerts: { rule: string }[] }).alerts;
      expect(await alertsNow()).toEqual([]);

      await applyConfig(
        configText({
          keys: [KEY_A],
          prices,
          budgets,
          alerts: [
            '  evaluate_every: 1s',
            '  receivers:',
            `    - { name: live-hook, type: webhook, url: "${hook.url}" }`,
            '  rules:',
            '    - name: live_budget_spent',
            '      kind: budget_threshold',
            '      severity: page',
            '      budgets: [alerting-rolling]',
            '      thresholds: [1]',
          ].join('\n'),
        }),
      );
      const message = await waitFor('the webhook to be notified', async () => hook.received[0]);
      expect(message).toMatchObject({
        status: 'firing',
        commonLabels: { alertname: 'live_budget_spent', budget_id: 'alerting-rolling' },
      });
      expect((await alertsNow()).map((a) => a.rule)).toEqual(['live_budget_spent']);
    } finally {
      await hook.close();
    }
  });

  it('says a restart-only setting needs a restart, and applies the rest of the edit', async () => {
    await applyConfig(configText({ keys: [KEY_A] }));
    const logged = serve.log().length;
    await applyConfig(
      configText({
        keys: [KEY_A],
        host: '127.0.0.2',
        budgets: budgetYaml('restart-rolling', 'restart-live', '2'),
      }),
    );
    expect(serve.log().slice(logged)).toContain(
      `${configFile}: server.host changed from 127.0.0.1 to 127.0.0.2: needs a restart (still using 127.0.0.1)`,
    );
    // Still answering where it listened, with the budget from the same edit.
    expect(await budgetStatus('restart-rolling', KEY_A)).toMatchObject({ limit: '2' });
    const loaded = /^tokenwatch_config_loaded_timestamp_seconds (\S+)$/m.exec(await metrics());
    expect(Number(loaded?.[1])).toBeGreaterThan(Date.now() / 1000 - 60);
  });
});

/** A webhook receiver on loopback that keeps the JSON bodies posted to it. */
async function startHook(): Promise<{ url: string; received: unknown[]; close(): Promise<void> }> {
  const received: unknown[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      received.push(JSON.parse(body));
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
