import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MigrationError } from './errors.ts';
import { loadMigrations, MIGRATIONS_DIR, migrate } from './migrations.ts';
import { queryRows } from './query.ts';
import { openTestStore, type TestStore } from './testing/test-store.ts';

describe('migrate', () => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore({ migrate: false });
  });
  afterAll(() => t.cleanup());

  it('applies every migration once, then is a no-op', async () => {
    const files = loadMigrations().map((m) => m.file);
    const first = await migrate(t.store);
    expect(first.applied).toEqual(files);
    expect(first.skipped).toEqual([]);

    const second = await migrate(t.store);
    expect(second.applied).toEqual([]);
    expect(second.skipped).toEqual(files);

    const recorded = await queryRows(t.store, {
      query:
        'SELECT version, count() AS n FROM schema_migrations GROUP BY version ORDER BY version',
      schema: z.object({ version: z.coerce.number(), n: z.coerce.number() }),
    });
    expect(recorded.map((r) => r.version)).toEqual(loadMigrations().map((m) => m.version));
    expect(recorded.every((r) => r.n === 1)).toBe(true);

    const tables = await queryRows(t.store, {
      query: 'SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name',
      schema: z.object({ name: z.string() }),
    });
    expect(tables.map((r) => r.name)).toEqual([
      'alert_deliveries',
      'alert_history',
      'alert_state',
      'anomaly_history',
      'budget_events',
      'ingest_rejections',
      'llm_calls',
      'llm_usage_1m',
      'otel_traces',
      'otel_traces_trace_id_ts',
      'otel_traces_trace_id_ts_mv',
      'provider_usage',
      'report_claims',
      'report_runs',
      'schema_migrations',
      'tasks',
    ]);
  });

  it('refuses to run when an applied migration was edited', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-migrations-'));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    const edited = join(dir, '0004_create_llm_calls.sql');
    writeFileSync(edited, `${readFileSync(edited, 'utf8')}\n-- edited\n`);
    const attempt = migrate(t.store, loadMigrations(dir));
    await expect(attempt).rejects.toThrow(MigrationError);
    await expect(migrate(t.store, loadMigrations(dir))).rejects.toThrow(
      /0004_create_llm_calls\.sql was edited after it was applied/,
    );
  });

  it('refuses a store migrated by a newer version', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-migrations-'));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    writeFileSync(
      join(dir, '0999_future.sql'),
      'CREATE TABLE IF NOT EXISTS future (x UInt8)\nENGINE = MergeTree\nORDER BY x\n',
    );
    expect((await migrate(t.store, loadMigrations(dir))).applied).toEqual(['0999_future.sql']);
    await expect(migrate(t.store)).rejects.toThrow(/migration 999 \(future\).*newer version/);
  });

  it('rejects badly named files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-migrations-'));
    writeFileSync(join(dir, 'create_things.sql'), 'SELECT 1');
    expect(() => loadMigrations(dir)).toThrow(/not named NNNN_snake_case\.sql/);
  });
});
