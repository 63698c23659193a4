import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildWeeklyReport, isoWeekAt, parseIsoWeek } from '@tokenwatch/analyzer';
import { createCollector } from '@tokenwatch/collector';
import { hashApiKey, loadConfig } from '@tokenwatch/config';
import { PriceOverridesSchema } from '@tokenwatch/schema';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The report tests' two-week dataset, whose every number is computed by hand there.
import {
  budgets,
  CURRENT_CALLS,
  OUTCOMES,
  PREVIOUS_CALLS,
  pricer,
  seed,
  TENANT,
  TZ,
} from '../../../analyzer/test/support/report-fixture.ts';

// The same two weeks as spans through the collector (tenant `otlp`) give the very report the
// hand-checked store-seeded data (tenant `acme`) gives: every number of the report tests holds
// for data that went through decoding, normalization and pricing.

const OTLP_TENANT = 'otlp';
const KEY = 'tw_report_otlp_0123456789';
let t: TestStore;

type Call = (typeof CURRENT_CALLS)[number];
const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
const int = (key: string, value: number) => ({ key, value: { intValue: String(value) } });

function callSpan(c: Call) {
  return {
    traceId: c.traceId,
    spanId: c.spanId,
    name: `chat ${c.requestModel}`,
    kind: 3,
    startTimeUnixNano: c.startTime.toString(),
    endTimeUnixNano: (c.startTime + 1_000_000n).toString(),
    status: c.status === 'error' ? { code: 2, message: 'failed' } : { code: 0 },
    attributes: [
      str('gen_ai.operation.name', 'chat'),
      str('gen_ai.provider.name', c.provider),
      str('gen_ai.request.model', c.requestModel),
      str('gen_ai.agent.name', c.agent),
      str('tokenwatch.team', c.team),
      str('tokenwatch.feature', c.feature),
      str('tokenwatch.task.id', c.taskId),
      ...(c.prefixHash ? [str('tokenwatch.prefix_hash', c.prefixHash)] : []),
      // Inclusive input, as the convention says; the collector splits it again.
      int('gen_ai.usage.input_tokens', c.inputTokens + c.cacheReadTokens + c.cacheWriteTokens),
      int('gen_ai.usage.cache_read.input_tokens', c.cacheReadTokens),
      int('gen_ai.usage.cache_write.input_tokens', c.cacheWriteTokens),
      int('gen_ai.usage.output_tokens', c.outputTokens),
    ],
  };
}

function taskSpan(taskId: string, outcome: string, calls: Call[], i: number) {
  const first = calls[0]!;
  return {
    traceId: first.traceId,
    spanId: (0xf000 + i).toString(16).padStart(16, '0'),
    name: taskId,
    kind: 1,
    startTimeUnixNano: first.startTime.toString(),
    endTimeUnixNano: (calls.at(-1)!.startTime + 1_000_000_000n).toString(),
    attributes: [
      str('tokenwatch.task.id', taskId),
      str('tokenwatch.task.outcome', outcome),
      str('gen_ai.agent.name', first.agent),
      str('tokenwatch.team', first.team),
    ],
  };
}

beforeAll(async () => {
  t = await openTestStore();
  await seed(t.store);
  const dataDir = mkdtempSync(join(tmpdir(), 'tokenwatch-report-otlp-'));
  const config = loadConfig({ cwd: dataDir, env: {}, flags: { dataDir } });
  config.apiKeys = [{ tenant: OTLP_TENANT, keySha256: hashApiKey(KEY) }];
  config.prices = PriceOverridesSchema.parse([
    { model: 'tw-large', input: 2, cache_read: 0.2, cache_write: 2.5, output: 10 },
    { model: 'tw-small', input: 1, cache_read: 0.1, cache_write: 1.25, output: 5 },
  ]);
  const collector = createCollector({ store: t.store, config });
  collector.start();
  const calls = [...PREVIOUS_CALLS, ...CURRENT_CALLS];
  const spans = [
    ...calls.map(callSpan),
    ...Object.entries(OUTCOMES).map(([taskId, outcome], i) =>
      taskSpan(
        taskId,
        outcome,
        calls.filter((c) => c.taskId === taskId),
        i,
      ),
    ),
  ];
  const response = await collector.app.request('/v1/traces', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-tokenwatch-key': KEY },
    body: JSON.stringify({
      resourceSpans: [{ scopeSpans: [{ scope: { name: 'fixture' }, spans }] }],
    }),
  });
  expect(response.status).toBe(200);
  // Refused data, counted for the completeness section of this week's report: two spans with
  // bad ids beside a good one (partial success), and a body that is not OTLP at all.
  const good = callSpan(CURRENT_CALLS[0]!);
  const partial = await collector.app.request('/v1/traces', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-tokenwatch-key': KEY },
    body: JSON.stringify({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                { ...good, spanId: 'nothex!!nothex!!' },
                { ...good, spanId: 'abc' },
                {
                  ...good,
                  traceId: 'e'.repeat(32),
                  spanId: 'e'.repeat(16),
                  startTimeUnixNano: String(Date.now() * 1e6),
                  endTimeUnixNano: String(Date.now() * 1e6 + 1e6),
                },
              ],
            },
          ],
        },
      ],
    }),
  });
  expect(await partial.json()).toMatchObject({ partialSuccess: { rejectedSpans: '2' } });
  const malformed = await collector.app.request('/v1/traces', {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', 'x-tokenwatch-key': KEY },
    body: new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]),
  });
  expect(malformed.status).toBe(400);
  await collector.flushed();
  await collector.stop();
}, 60_000);
afterAll(() => t?.cleanup());

describe('the weekly report of data sent through the collector', () => {
  it("counts this week's refused spans and requests by reason", async () => {
    const now = new Date();
    const week = isoWeekAt(now, TZ);
    const report = await buildWeeklyReport(t.store, {
      tenant: OTLP_TENANT,
      ...week,
      timezone: TZ,
      pricer,
      now,
    });
    expect(report.completeness.rejectedSpans).toBe(2);
    expect(report.completeness.rejectedRequests).toBe(1);
    expect(report.completeness.rejections).toEqual([
      {
        reason: 'span id must be 16 lower-case hex characters (8 bytes)',
        spans: 2,
        requests: 0,
      },
      { reason: 'malformed protobuf body', spans: 0, requests: 1 },
    ]);
    // The hand-checked week saw none of it.
    expect(report.week.label).not.toBe('2026-W47');
  });

  it('equals the report of the hand-checked dataset', async () => {
    const build = (tenant: string) =>
      buildWeeklyReport(t.store, {
        tenant,
        ...parseIsoWeek('2026-W47', TZ),
        timezone: TZ,
        by: ['team', 'agent'],
        pricer,
        budgets,
        now: new Date('2026-11-23T08:00:00Z'),
      });
    const direct = await build(TENANT);
    const viaCollector = await build(OTLP_TENANT);
    // The numbers the report tests check by hand, here from the collector's path.
    expect(viaCollector.totals.current.costUsd).toBe(direct.totals.current.costUsd);
    expect({ ...viaCollector, tenant: TENANT, generatedAt: '' }).toEqual({
      ...direct,
      generatedAt: '',
    });
  });
});
