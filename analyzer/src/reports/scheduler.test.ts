import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgets, pricer, seed, TENANT, TZ } from '../../test/support/report-fixture.ts';
import { createReportScheduler, type ReportSchedulerConfig } from './scheduler.ts';
import { WeeklyReportSchema } from './schema.ts';

let t: TestStore;
let server: Server;
let base: string;
let dir: string;
const received: { path: string; body: string }[] = [];
let failNext = 0;

beforeAll(async () => {
  t = await openTestStore();
  await seed(t.store);
  dir = mkdtempSync(join(tmpdir(), 'tokenwatch-reports-'));
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      if (failNext > 0) {
        failNext--;
        res.writeHead(500).end();
        return;
      }
      received.push({ path: req.url ?? '', body });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
  await t.cleanup();
});

const config = (): ReportSchedulerConfig => ({
  timezone: 'UTC',
  budgets,
  reports: {
    enabled: true,
    tenants: [TENANT],
    schedule: { day: 'monday', time: '09:00', timezone: TZ },
    formats: ['md', 'html', 'json', 'csv', 'focus'],
    deliveries: [
      { type: 'directory', path: dir },
      { type: 'webhook', url: `${base}/hook` },
      { type: 'slack', webhook_url_env: 'SLACK_URL' },
    ],
  },
});

// Two quick attempts per POST: enough to see a retry within a tick, short enough for a test.
const RETRY = { attempts: 2, baseDelayMs: 10 };

const scheduler = (iso: string, instance = 'server-a') =>
  createReportScheduler({
    store: t.store,
    config: config(),
    pricer,
    now: () => new Date(iso),
    env: { SLACK_URL: `${base}/slack` },
    onError: () => {},
    instance,
    claimSettleMs: 300,
    retry: RETRY,
  });

describe('createReportScheduler', () => {
  it('does nothing before Monday 09:00 in the schedule zone', async () => {
    // 08:30 in Berlin.
    expect(await scheduler('2026-11-23T07:30:00Z').tick()).toEqual([]);
    expect(received).toEqual([]);
  });

  it('sends last week to every delivery once due, and retries a failed one', async () => {
    // The webhook, delivered after the directory, fails both attempts of this tick.
    failNext = RETRY.attempts;
    const first = await scheduler('2026-11-23T08:01:00Z').tick();
    expect(first.map((r) => r.delivery)).toEqual([`directory:${dir}`, 'slack:SLACK_URL']);
    expect(first.every((r) => r.week === '2026-W47')).toBe(true);
    expect(readdirSync(dir).sort()).toEqual([
      'acme-2026-W47.csv',
      'acme-2026-W47.focus.csv',
      'acme-2026-W47.html',
      'acme-2026-W47.json',
      'acme-2026-W47.md',
    ]);
    const json = WeeklyReportSchema.parse(
      JSON.parse(readFileSync(join(dir, 'acme-2026-W47.json'), 'utf8')),
    );
    expect(json.totals.current.costUsd).toBe('2.01');
    const slack = received.find((r) => r.path === '/slack');
    expect(JSON.parse(slack!.body).text).toContain('**$2.01**');

    const retry = await scheduler('2026-11-23T08:02:00Z').tick();
    expect(retry.map((r) => r.delivery)).toEqual([`webhook:${base}/hook`]);
    const hook = received.filter((r) => r.path === '/hook');
    expect(hook).toHaveLength(1);
    expect(WeeklyReportSchema.parse(JSON.parse(hook[0]!.body)).week.label).toBe('2026-W47');
  });

  it('a second instance over the same store does not send the week again', async () => {
    const before = received.length;
    expect(await scheduler('2026-11-23T12:00:00Z').tick()).toEqual([]);
    expect(await scheduler('2026-11-29T22:00:00Z').tick()).toEqual([]);
    expect(received.length).toBe(before);
  });

  it('two servers ticking at once on the next Monday send each delivery once', async () => {
    // The tick's first POST fails once: retried within the tick, every delivery is still sent once.
    failNext = 1;
    const before = received.length;
    const files = readdirSync(dir).length;
    const [a, b] = await Promise.all([
      scheduler('2026-11-30T08:00:00Z', 'server-b').tick(),
      scheduler('2026-11-30T08:00:00Z', 'server-a').tick(),
    ]);
    // Each delivery is claimed on its own: whichever server claims it first sends it.
    expect([...a!, ...b!].map((r) => `${r.week} ${r.delivery}`).sort()).toEqual([
      `2026-W48 directory:${dir}`,
      `2026-W48 slack:SLACK_URL`,
      `2026-W48 webhook:${base}/hook`,
    ]);
    expect(
      received
        .slice(before)
        .map((r) => r.path)
        .sort(),
    ).toEqual(['/hook', '/slack']);
    expect(readdirSync(dir).length).toBe(files + 5);
  });

  it('a claim whose server died is taken over once its lease ends', async () => {
    // server-c claims W49's deliveries and dies before sending them (its HTTP calls throw here).
    const broken = createReportScheduler({
      store: t.store,
      config: config(),
      pricer,
      now: () => new Date('2026-12-07T08:00:00Z'),
      env: {},
      fetch: () => Promise.reject(new Error('server-c went away')),
      onError: () => {},
      instance: 'server-c',
      claimSettleMs: 300,
      retry: RETRY,
    });
    // The directory needs no network: server-c writes it; its webhook and Slack posts fail.
    expect((await broken.tick()).map((r) => r.delivery)).toEqual([`directory:${dir}`]);
    const before = received.length;
    // Within the lease another server stays away; after it, it sends.
    expect(await scheduler('2026-12-07T08:05:00Z', 'server-a').tick()).toEqual([]);
    expect(received.length).toBe(before);
    const later = await scheduler('2026-12-07T08:11:00Z', 'server-a').tick();
    expect(later.map((r) => r.delivery)).toEqual([`webhook:${base}/hook`, 'slack:SLACK_URL']);
  });
});
