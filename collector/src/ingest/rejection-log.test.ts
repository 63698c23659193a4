import { createServer } from 'node:net';
import { openStore, queryRows } from '@tokenwatch/store';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RejectionLog, rejectionReason } from './rejection-log.ts';

let t: TestStore;
beforeAll(async () => {
  t = await openTestStore();
});
afterAll(async () => t.cleanup());

const MINUTE = Date.UTC(2026, 10, 23, 9, 30);
const rows = () =>
  queryRows(t.store, {
    query: `SELECT tenant, toUnixTimestamp(minute) * 1000 AS minute_ms, reason,
        sum(spans) AS spans, sum(requests) AS requests
      FROM ingest_rejections GROUP BY tenant, minute, reason ORDER BY tenant, minute, reason`,
    schema: z.object({
      tenant: z.string(),
      minute_ms: z.coerce.number(),
      reason: z.string(),
      spans: z.coerce.number(),
      requests: z.coerce.number(),
    }),
  });

describe('RejectionLog', () => {
  it('groups reasons without the values they quote', () => {
    expect(
      rejectionReason('trace id must be 32 lower-case hex characters (16 bytes), got "abc"'),
    ).toBe('trace id must be 32 lower-case hex characters (16 bytes)');
    expect(
      rejectionReason('end time 1763890200000000000 is before start time 1763890260000000000'),
    ).toBe('end time N is before start time N');
  });

  it('writes summed counts per tenant, minute and reason, and again after more arrive', async () => {
    const log = new RejectionLog(t.store);
    const bad = (id: string) =>
      `span id must be 16 lower-case hex characters (8 bytes), got "${id}"`;
    log.add('acme', bad('x'), 1, 0, MINUTE + 1_000);
    log.add('acme', bad('yy'), 2, 0, MINUTE + 59_000);
    log.add('acme', 'malformed request body', 0, 1, MINUTE + 61_000);
    log.add('other', bad('z'), 4, 0, MINUTE);
    await log.flush();
    log.add('acme', bad('w'), 5, 0, MINUTE + 30_000);
    await log.stop();
    const reason = 'span id must be 16 lower-case hex characters (8 bytes)';
    expect(await rows()).toEqual([
      { tenant: 'acme', minute_ms: MINUTE, reason, spans: 8, requests: 0 },
      {
        tenant: 'acme',
        minute_ms: MINUTE + 60_000,
        reason: 'malformed request body',
        spans: 0,
        requests: 1,
      },
      { tenant: 'other', minute_ms: MINUTE, reason, spans: 4, requests: 0 },
    ]);
  });

  it('keeps the counts when the store is down', async () => {
    // A port that accepts nothing: every insert fails.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const down = await openStore({ kind: 'server', url: `http://127.0.0.1:${port}` });
    const errors: unknown[] = [];
    const log = new RejectionLog(down, { onError: (e) => errors.push(e) });
    log.add('down', 'malformed request body', 0, 1, MINUTE);
    await log.flush();
    log.add('down', 'malformed request body', 0, 2, MINUTE);
    await log.flush();
    expect(errors).toHaveLength(2);
    // Nothing lost: both counts wait, summed, for the next flush.
    expect(log.pending()).toEqual([
      { tenant: 'down', minute: MINUTE, reason: 'malformed request body', spans: 0, requests: 3 },
    ]);
    await down.close();
  });

  it('drops counts beyond the key limit instead of growing without bound', () => {
    const log = new RejectionLog(t.store, { maxKeys: 2 });
    log.add('a', 'r1', 1, 0, MINUTE);
    log.add('a', 'r2', 1, 0, MINUTE);
    log.add('a', 'r3', 5, 0, MINUTE);
    log.add('a', 'r1', 1, 0, MINUTE);
    expect(log.droppedCounts).toBe(5);
  });
});
