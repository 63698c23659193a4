import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TaskSchema } from '@tokenwatch/schema';
import { queryRows, runCommand } from '@tokenwatch/store';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { callBatch, TEST_START_NS } from '../../test/support/test-batches.ts';
import { GroupCommitter } from './group-commit.ts';
import { Spool } from './spool.ts';
import type { IngestBatch } from './spool-record.ts';
import { StoreWriter } from './store-writer.ts';

const now = TEST_START_NS;

/** Calls of a few traces per tenant, and the tenant's task. */
function batch(tenant: string, calls: number): IngestBatch {
  const out = callBatch(tenant, calls, (n) =>
    `${tenant.padEnd(8, '0').slice(0, 8)}${'0'.repeat(23)}${n % 10}`.replace(/[^0-9a-f]/g, 'a'),
  );
  out.tasks.push(
    TaskSchema.parse({
      tenant,
      taskId: `task-${tenant}`,
      startTime: now,
      endTime: now,
      updatedAt: now,
    }),
  );
  return out;
}

const Counts = z.object({
  calls: z.coerce.number(),
  rollup: z.coerce.number(),
  spans: z.coerce.number(),
  cost: z.string(),
});

async function counts(t: TestStore, tenant: string) {
  const [row] = await queryRows(t.store, {
    query: `SELECT
      (SELECT count() FROM llm_calls FINAL WHERE tenant = {tenant: String}) AS calls,
      (SELECT sum(calls) FROM llm_usage_1m WHERE tenant = {tenant: String}) AS rollup,
      (SELECT count() FROM otel_traces WHERE TenantId = {tenant: String}) AS spans,
      (SELECT toString(sum(total_cost)) FROM llm_usage_1m WHERE tenant = {tenant: String}) AS cost`,
    params: { tenant },
    schema: Counts,
  });
  return row!;
}

describe('ingest pipeline: spool, group commit, store writer', () => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore();
  });
  afterAll(() => t.cleanup());

  it('acknowledges concurrent requests with one spool write and stores each once', async () => {
    const spool = Spool.open(mkdtempSync(join(tmpdir(), 'tokenwatch-spool-')));
    const commits: number[] = [];
    const committer = new GroupCommitter(spool, { onCommit: (requests) => commits.push(requests) });
    const writer = new StoreWriter(spool, t.store, { pollMs: 20 });
    committer.onDurable = () => writer.notify();
    writer.start();
    await Promise.all([
      committer.submit(batch('g', 3)),
      committer.submit(batch('g', 2)),
      committer.submit(batch('g', 5)),
    ]);
    expect(commits).toEqual([3]);
    await writer.flushed();
    expect(await counts(t, 'g')).toEqual({ calls: 10, rollup: 10, spans: 10, cost: '0.01' });
    await writer.stop();
    spool.close();
  });

  it('replays records the store got before a crash without counting them twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-spool-'));
    const spool = Spool.open(dir);
    const committer = new GroupCommitter(spool);
    await committer.submit(batch('crash', 4));
    await committer.submit(batch('crash', 3));
    // The first record reaches the store, then the process dies before the checkpoint moves.
    const writer = new StoreWriter(spool, t.store);
    const first = spool.readNext()!;
    await (
      writer as unknown as { writeWithRetry(p: unknown, b: Buffer): Promise<void> }
    ).writeWithRetry(first.position, first.payload);
    spool.close();
    expect(await counts(t, 'crash')).toMatchObject({ calls: 4, spans: 4 });

    const reopened = Spool.open(dir);
    const replay = new StoreWriter(reopened, t.store, { pollMs: 20 });
    replay.start();
    await replay.flushed();
    await replay.stop();
    expect(await counts(t, 'crash')).toEqual({ calls: 7, rollup: 7, spans: 7, cost: '0.007' });
    expect(reopened.pendingBytes()).toBe(0);
    reopened.close();
  });

  it('keeps data through a store failure and delivers it when the store is back', async () => {
    const spool = Spool.open(mkdtempSync(join(tmpdir(), 'tokenwatch-spool-')));
    const committer = new GroupCommitter(spool);
    const errors: unknown[] = [];
    const writer = new StoreWriter(spool, t.store, {
      pollMs: 20,
      retryDelayMs: 20,
      onError: (e) => errors.push(e),
    });
    committer.onDurable = () => writer.notify();
    await runCommand(t.store, 'RENAME TABLE llm_calls TO llm_calls_away');
    writer.start();
    await committer.submit(batch('outage', 2));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(errors.length).toBeGreaterThan(0);
    expect(spool.pendingBytes()).toBeGreaterThan(0);
    await runCommand(t.store, 'RENAME TABLE llm_calls_away TO llm_calls');
    await writer.flushed();
    await writer.stop();
    expect(await counts(t, 'outage')).toEqual({ calls: 2, rollup: 2, spans: 2, cost: '0.002' });
    spool.close();
  });

  it('tells listeners each stored call once, duplicates not', async () => {
    const spool = Spool.open(mkdtempSync(join(tmpdir(), 'tokenwatch-spool-')));
    const committer = new GroupCommitter(spool);
    const stored: string[] = [];
    const writer = new StoreWriter(spool, t.store, {
      pollMs: 20,
      onCallsStored: (calls) => stored.push(...calls.map((c) => c.spanId)),
    });
    committer.onDurable = () => writer.notify();
    writer.start();
    const b = batch('listen', 3);
    await committer.submit(b);
    await committer.submit(b); // a client retry of the same spans
    await writer.flushed();
    await writer.stop();
    expect(stored.sort()).toEqual(b.calls.map((c) => c.spanId).sort());
    spool.close();
  });

  it('turns requests away when the store is too far behind', async () => {
    const spool = Spool.open(mkdtempSync(join(tmpdir(), 'tokenwatch-spool-')));
    const committer = new GroupCommitter(spool, { maxLagBytes: 100 });
    await committer.submit(batch('lag', 2));
    expect(() => committer.submit(batch('lag', 1))).toThrow(/the store is behind/);
    spool.close();
  });
});
