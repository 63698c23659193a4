import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@tokenwatch/config';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Collector, createCollector } from '../collector.ts';

const request = (spanId: string) =>
  JSON.stringify({
    resourceSpans: [
      {
        scopeSpans: [
          {
            spans: [
              {
                traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
                spanId,
                name: 'chat',
                startTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
                endTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n + 1n),
                attributes: [{ key: 'gen_ai.operation.name', value: { stringValue: 'chat' } }],
              },
            ],
          },
        ],
      },
    ],
  });

describe('backpressure', () => {
  let t: TestStore;
  let collector: Collector;
  beforeAll(async () => {
    t = await openTestStore();
    const dataDir = mkdtempSync(join(tmpdir(), 'tokenwatch-backpressure-'));
    const config = loadConfig({ cwd: dataDir, env: {}, flags: { dataDir } });
    config.ingest.maxSpoolBytes = 64;
    collector = createCollector({ store: t.store, config });
    // The store writer is not started: the store "is down", so the spool only grows.
  });
  afterAll(async () => {
    await collector.stop();
    await t.cleanup();
  });

  it('answers 503 with Retry-After once the store is too far behind, in the request encoding', async () => {
    const post = (spanId: string) =>
      collector.app.request('/v1/traces', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: request(spanId),
      });
    expect((await post('0000000000000001')).status).toBe(200);
    const refused = await post('0000000000000002');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('2');
    expect(refused.headers.get('content-type')).toBe('application/json');
    expect(((await refused.json()) as { message: string }).message).toMatch(/store is behind/);
    // Once the store is back, the writer drains the spool and requests are taken again.
    collector.start();
    await collector.flushed();
    expect((await post('0000000000000003')).status).toBe(200);
  });
});
