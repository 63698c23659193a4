import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, type TestStore } from './testing/test-store.ts';
import { runUserQuery } from './user-query.ts';

describe('runUserQuery', () => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore();
  });
  afterAll(() => t.cleanup());

  it('returns columns with types and values as exact text', async () => {
    const result = await runUserQuery(
      t.store,
      "SELECT toUInt64(18446744073709551615) AS big, toDecimal128('0.000000000001', 12) * 3 AS d, NULL AS n, 'a\\tb' AS s",
    );
    expect(result.columns).toEqual([
      { name: 'big', type: 'UInt64' },
      { name: 'd', type: 'Decimal(38, 12)' },
      { name: 'n', type: 'Nullable(Nothing)' },
      { name: 's', type: 'String' },
    ]);
    expect(result.rows).toEqual([['18446744073709551615', '0.000000000003', null, 'a\tb']]);
  });

  it('refuses writes without allowWrite and leaves the data alone', async () => {
    await expect(runUserQuery(t.store, 'DROP TABLE llm_calls')).rejects.toThrow(/read-only/);
    await expect(
      runUserQuery(t.store, 'SELECT count() FROM llm_calls; DROP TABLE llm_calls'),
    ).rejects.toThrow();
    const tables = await runUserQuery(t.store, 'EXISTS TABLE llm_calls');
    expect(tables.rows).toEqual([['1']]);
  });

  it('runs writes when allowed', async () => {
    await runUserQuery(
      t.store,
      "INSERT INTO tasks (tenant, task_id, start_time) VALUES ('t', 'x', now64(9))",
      {
        allowWrite: true,
      },
    );
    const result = await runUserQuery(t.store, 'SELECT count() AS n FROM tasks');
    expect(result.rows).toEqual([['1']]);
  });

  it('passes ClickHouse errors through', async () => {
    await expect(runUserQuery(t.store, 'SELECT no_such_column FROM llm_calls')).rejects.toThrow(
      /no_such_column/,
    );
  });
});
