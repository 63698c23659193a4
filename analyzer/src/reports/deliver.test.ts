import { createHmac } from 'node:crypto';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeReceiver, startFakeReceiver } from '../../test/support/receivers.ts';
import { pricer, seed, TENANT, TZ } from '../../test/support/report-fixture.ts';
import { buildWeeklyReport } from './build.ts';
import { type DeliverDeps, deliverReport, type RenderableReport } from './deliver.ts';
import { renderMarkdown } from './render-markdown.ts';
import { WeeklyReportSchema } from './schema.ts';
import { parseIsoWeek } from './week.ts';

let t: TestStore;
let receiver: FakeReceiver;
let r: RenderableReport;

beforeAll(async () => {
  t = await openTestStore();
  await seed(t.store);
  const week = parseIsoWeek('2026-W47', TZ);
  r = {
    report: await buildWeeklyReport(t.store, { tenant: TENANT, ...week, pricer }),
    focusRows: [],
  };
  receiver = await startFakeReceiver(200);
}, 60_000);
afterAll(async () => {
  await receiver.close();
  await t.cleanup();
});

const deps = (env: Record<string, string> = {}): DeliverDeps => ({
  fetch,
  env,
  retry: { attempts: 3, baseDelayMs: 1, timeoutMs: 5000 },
});

describe('deliverReport over HTTP', () => {
  it('posts the JSON report to a webhook, signed, retrying a 503', async () => {
    receiver.requests.length = 0;
    receiver.script(503);
    const delivery = {
      type: 'webhook',
      url: `${receiver.url}/hook`,
      hmac_secret_env: 'KEY',
    } as const;
    await deliverReport(r, delivery, ['md'], deps({ KEY: 'report-secret' }));
    expect(receiver.requests.map((q) => q.path)).toEqual(['/hook', '/hook']);
    const { body, headers } = receiver.requests[1]!;
    expect(WeeklyReportSchema.parse(JSON.parse(body)).week.label).toBe('2026-W47');
    const expected = createHmac('sha256', 'report-secret').update(body).digest('hex');
    expect(headers['x-tokenwatch-signature']).toBe(`sha256=${expected}`);
  });

  it('posts the Markdown summary to the Slack URL read from the environment', async () => {
    receiver.requests.length = 0;
    const delivery = { type: 'slack', webhook_url_env: 'SLACK_URL' } as const;
    await deliverReport(r, delivery, ['md'], deps({ SLACK_URL: `${receiver.url}/slack` }));
    expect(receiver.requests.map((q) => q.path)).toEqual(['/slack']);
    expect(JSON.parse(receiver.requests[0]!.body)).toEqual({ text: renderMarkdown(r.report) });
    expect(receiver.requests[0]!.headers['x-tokenwatch-signature']).toBeUndefined();
  });

  it('fails at once on a 400, and without a request when a variable is missing', async () => {
    receiver.requests.length = 0;
    receiver.script(400);
    const webhook = { type: 'webhook', url: `${receiver.url}/hook` } as const;
    await expect(deliverReport(r, webhook, ['md'], deps())).rejects.toThrow(
      'webhook delivery failed: HTTP 400',
    );
    expect(receiver.requests).toHaveLength(1);
    const slack = { type: 'slack', webhook_url_env: 'SLACK_URL' } as const;
    await expect(deliverReport(r, slack, ['md'], deps())).rejects.toThrow(
      'slack delivery failed: SLACK_URL is not set',
    );
    expect(receiver.requests).toHaveLength(1);
  });
});
