import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAlertEngine } from '@tokenwatch/analyzer';
import { type Collector, createCollector } from '@tokenwatch/collector';
import { AlertsSchema, AnomaliesSchema, loadConfig } from '@tokenwatch/config';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A runaway injected through the collector (OTLP/JSON into the real ingest path), detected by the
// alert engine over the same store, delivered once to Alertmanager, PagerDuty and Slack stand-ins.

const SEC = 1000;
const MIN = 60 * SEC;
const T = Math.floor(Date.now() / MIN) * MIN - 3 * 60 * MIN; // the runaway starts here
const END = T + 10 * MIN;

type Receiver = { url: string; bodies: unknown[]; paths: string[]; close(): Promise<void> };

async function receiver(status: number): Promise<Receiver> {
  const bodies: unknown[] = [];
  const paths: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      paths.push(req.url ?? '');
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(status).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    paths,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** 20 agents, a call every 5 s for an hour; agent a07 calls every 1.25 s (4x) from T to END. */
function spans(): unknown[] {
  const out: unknown[] = [];
  let n = 0;
  for (let i = 0; i < 20; i++) {
    const tokens = 100 + 50 * i;
    const every = (from: number, to: number, step: number) => {
      for (let at = from; at < to; at += step) {
        n++;
        const start = BigInt(Math.round(at)) * 1_000_000n;
        out.push({
          traceId: n.toString(16).padStart(32, '0'),
          spanId: n.toString(16).padStart(16, '0'),
          name: 'chat gpt-4o',
          kind: 3,
          startTimeUnixNano: start.toString(),
          endTimeUnixNano: (start + 1_000_000n).toString(),
          attributes: [
            { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
            { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } },
            { key: 'gen_ai.agent.name', value: { stringValue: `a${String(i).padStart(2, '0')}` } },
            { key: 'gen_ai.usage.input_tokens', value: { intValue: String(tokens - 20) } },
            { key: 'gen_ai.usage.output_tokens', value: { intValue: '20' } },
          ],
        });
      }
    };
    every(T - 60 * MIN, T, 5 * SEC);
    every(T, END, i === 7 ? 1.25 * SEC : 5 * SEC);
  }
  return out;
}

let t: TestStore;
let collector: Collector;
let am: Receiver;
let pd: Receiver;
let slack: Receiver;

beforeAll(async () => {
  t = await openTestStore();
  const dataDir = mkdtempSync(join(tmpdir(), 'tokenwatch-alerts-e2e-'));
  collector = createCollector({
    store: t.store,
    config: loadConfig({ cwd: dataDir, env: {}, flags: { dataDir } }),
  });
  collector.start();
  const all = spans();
  for (let i = 0; i < all.length; i += 2000) {
    const response = await collector.app.request('/v1/traces', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceSpans: [
          { scopeSpans: [{ scope: { name: 'load' }, spans: all.slice(i, i + 2000) }] },
        ],
      }),
    });
    expect(response.status).toBe(200);
  }
  await collector.flushed();
  [am, pd, slack] = await Promise.all([receiver(200), receiver(202), receiver(200)]);
});

afterAll(async () => {
  await Promise.all([am, pd, slack].map((r) => r?.close()));
  await collector?.stop();
  await t?.cleanup();
});

const config = () => ({
  alerts: AlertsSchema.parse({
    receivers: [
      { name: 'am', type: 'alertmanager', url: am.url },
      { name: 'pd', type: 'pagerduty', routing_key_env: 'PD_KEY', url: `${pd.url}/v2/enqueue` },
      { name: 'chat', type: 'slack', webhook_url_env: 'SLACK_URL' },
    ],
    rules: [
      { name: 'runaway', kind: 'burn_rate_anomaly', severity: 'page', repeat_interval: '1h' },
    ],
  }),
  budgets: [],
  anomalies: AnomaliesSchema.parse({ entities: ['agent'] }),
  timezone: 'UTC',
});
const engine = () =>
  createAlertEngine({
    store: t.store,
    config: config(),
    env: { PD_KEY: 'R0UT1NGKEY0123456789abcdef012345', SLACK_URL: `${slack.url}/services/T/B/x` },
  });

describe('a runaway sent through the collector', () => {
  it('pages each receiver exactly once, and a restarted engine does not page again', async () => {
    const at = new Date(T + 150.5 * SEC);
    const first = await engine().evaluate(at);
    expect(first.alerts.map((a) => [a.labels.entity, a.state])).toEqual([['agent:a07', 'firing']]);
    expect(am.paths).toEqual(['/api/v2/alerts']);
    expect(pd.bodies).toEqual([
      expect.objectContaining({
        event_action: 'trigger',
        payload: expect.objectContaining({ severity: 'critical' }),
      }),
    ]);
    expect(slack.bodies).toHaveLength(1);

    // The same incident a minute later, from a new engine over the same store: no second page.
    await engine().evaluate(new Date(at.getTime() + MIN));
    expect(pd.bodies).toHaveLength(1);
    expect(slack.bodies).toHaveLength(1);

    // The runaway stopped at END. A restarted engine does not know when its condition was last
    // seen, so it keeps it firing for three evaluations (30 s each) before resolving it, once.
    const last = engine();
    await last.evaluate(new Date(END + 20 * MIN));
    expect(pd.bodies).toHaveLength(1);
    await last.evaluate(new Date(END + 20 * MIN + 90 * SEC));
    expect(pd.bodies.map((b) => (b as { event_action: string }).event_action)).toEqual([
      'trigger',
      'resolve',
    ]);
  });
});
