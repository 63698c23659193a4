import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { queryRows, runCommand } from '@tokenwatch/store';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { callBatch } from '../../test/support/test-batches.ts';
import { GroupCommitter } from './group-commit.ts';
import { Spool } from './spool.ts';
import { StoreWriter } from './store-writer.ts';

const batch = (tenant: string, calls: number) => callBatch(tenant, calls);

const Counts = z.object({
  calls: z.coerce.number(),
  rows: z.coerce.number(),
  rollup: z.coerce.number(),
  spans: z.coerce.number(),
});

async function counts(t: TestStore, tenant: string) {
  const [row] = await queryRows(t.store, {
    query: `SELECT
      (SELECT count() FROM llm_calls FINAL WHERE tenant = {tenant: String}) AS calls,
      (SELECT count() FROM llm_calls WHERE tenant = {tenant: String}) AS rows,
      (SELECT sum(calls) FROM llm_usage_1m WHERE tenant = {tenant: String}) AS rollup,
      (SELECT count() FROM otel_traces WHERE TenantId = {tenant: String}) AS spans`,
    params: { tenant },
    schema: Counts,
  });
  return row!;
}

const until = async (check: () => boolean) => {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10));
};

describe('store writer: records stored in groups', () => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore();
  });
  afterAll(() => t.cleanup());

  it('stores records that waited together with one insert, each span once', async () => {
    const spool = Spool.open(mkdtempSync(join(tmpdir(), 'tokenwatch-spool-')));
    const committer = new GroupCommitter(spool);
    for (const size of [2, 3, 4]) await committer.submit(batch('group', size));
    const writes: number[] = [];
    const writer = new StoreWriter(spool, t.store, {
      pollMs: 20,
      onWritten: (stats) => writes.push(stats.spans),
    });
    writer.start();
    await writer.flushed();
    await writer.stop();
    // Without a noted group, a writer's first insert is a single record (see the replay test).
    expect(writes).toEqual([2, 7]);
    expect(await counts(t, 'group')).toEqual({ calls: 9, rows: 9, rollup: 9, spans: 9 });
    spool.close();
  });

  it('replays a group cut short by a crash as the same group, storing each span once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-spool-'));
    const spool = Spool.open(dir);
    const committer = new GroupCommitter(spool);
    const errors: unknown[] = [];
    const writer = new StoreWriter(spool, t.store, {
      pollMs: 20,
      retryDelayMs: 20,
      onError: (err) => errors.push(err),
    });
    await committer.submit(batch('replay', 1));
    writer.start();
    await writer.flushed();
    await writer.stop();

    // The group's raw spans reach the store, its calls do not: then the process dies.
    await runCommand(t.store, 'RENAME TABLE llm_calls TO llm_calls_away');
    try {
      await committer.submit(batch('replay', 2));
      await committer.submit(batch('replay', 3));
      writer.start();
      await until(() => errors.length > 0);
      await writer.stop();
      spool.close();
      const [raw] = await queryRows(t.store, {
        query: `SELECT count() AS n FROM otel_traces WHERE TenantId = 'replay'`,
        schema: z.object({ n: z.coerce.number() }),
      });
      expect(raw!.n).toBe(6);
    } finally {
      await runCommand(t.store, 'RENAME TABLE llm_calls_away TO llm_calls');
    }

    const reopened = Spool.open(dir);
    expect(reopened.replayGroupEnd).toBeDefined();
    const writes: number[] = [];
    const replay = new StoreWriter(reopened, t.store, {
      pollMs: 20,
      onWritten: (stats) => writes.push(stats.spans),
    });
    replay.start();
    await replay.flushed();
    await replay.stop();
    expect(writes).toEqual([5]);
    expect(await counts(t, 'replay')).toEqual({ calls: 6, rows: 6, rollup: 6, spans: 6 });
    reopened.close();
    expect(Spool.open(dir).replayGroupEnd).toBeUndefined();
  });
});
