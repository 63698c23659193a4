import { describe, expect, it } from 'vitest';
import { renderClusterDdl, renderClusterStatements } from './cluster.ts';
import { loadMigrations } from './migrations.ts';

const migrations = loadMigrations();
const byName = (name: string) => migrations.find((m) => m.name === name)!;

describe('cluster rendering', () => {
  it('turns each table into a Replicated local table plus a Distributed table, ON CLUSTER', () => {
    const [local, distributed] = renderClusterStatements(byName('create_llm_calls'), 'c1');
    expect(local).toMatch(/^CREATE TABLE IF NOT EXISTS llm_calls_local ON CLUSTER c1\n/m);
    expect(local).toContain(
      "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/llm_calls_local', '{replica}', revision)",
    );
    expect(local).not.toMatch(/^ENGINE = ReplacingMergeTree/m);
    // Everything else of the table definition is kept.
    expect(local).toContain('ORDER BY (tenant, toStartOfHour(start_time), trace_id, span_id)');
    expect(local).toContain('total_cost Nullable(Decimal(18, 12))');
    expect(distributed).toBe(
      'CREATE TABLE IF NOT EXISTS llm_calls ON CLUSTER c1 AS llm_calls_local\n' +
        'ENGINE = Distributed(c1, currentDatabase(), llm_calls_local, cityHash64(tenant, trace_id))',
    );
  });

  it('replicates every engine family with its parameters', () => {
    const engines = migrations
      .flatMap((m) => renderClusterStatements(m, 'prod'))
      .map((sql) => /^ENGINE = (.*)$/m.exec(sql)?.[1])
      .filter((e): e is string => e !== undefined && !e.startsWith('Distributed'));
    expect(engines).toEqual([
      "ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/schema_migrations_local', '{replica}')",
      "ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/otel_traces_local', '{replica}')",
      "ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/otel_traces_trace_id_ts_local', '{replica}')",
      "ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/llm_calls_local', '{replica}', revision)",
      "ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/tasks_local', '{replica}', updated_at)",
      "ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/llm_usage_1m_local', '{replica}')",
      "ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/budget_events_local', '{replica}')",
      "ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/alert_state_local', '{replica}', version)",
      "ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/alert_deliveries_local', '{replica}')",
      "ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/report_runs_local', '{replica}')",
      "ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/alert_history_local', '{replica}')",
      "ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/ingest_rejections_local', '{replica}')",
      "ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/report_claims_local', '{replica}')",
      "ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/anomaly_history_local', '{replica}', version)",
      "ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/provider_usage_local', '{replica}', imported_at)",
    ]);
  });

  it('connects materialized views local to local, so each shard rolls up its own rows', () => {
    const [mv] = renderClusterStatements(byName('create_llm_usage_1m_mv'), 'c1');
    expect(mv).toMatch(
      /^CREATE MATERIALIZED VIEW IF NOT EXISTS llm_usage_1m_mv ON CLUSTER c1 TO llm_usage_1m_local$/m,
    );
    expect(mv).toMatch(/^FROM llm_calls_local AS c$/m);
    const [ids] = renderClusterStatements(byName('create_otel_traces_trace_id_ts_mv'), 'c1');
    expect(ids).toMatch(/TO otel_traces_trace_id_ts_local$/m);
    expect(ids).toMatch(/^FROM otel_traces_local$/m);
  });

  it('renders the whole schema with ON CLUSTER on every statement', () => {
    const ddl = renderClusterDdl(migrations, 'c1');
    const statements = ddl.split(/;\n/).filter((s) => /CREATE|ALTER/.test(s));
    // 15 tables (local + distributed each), 2 materialized views, 6 column additions on both
    // sides (ingest_token, request_hash, project ×3, cache_write_1h_tokens with cache_unreported),
    // 1 view query change.
    expect(statements.length).toBe(15 * 2 + 2 + 6 * 2 + 1);
    for (const statement of statements) expect(statement).toMatch(/ON CLUSTER c1/);
  });

  it('adds a column to the shards and to the Distributed table in front of them', () => {
    // The statements keep the migration's comment lines; the ALTER is their last line.
    const lastLines = renderClusterStatements(byName('llm_calls_request_hash'), 'c1').map((sql) =>
      sql.split('\n').at(-1),
    );
    expect(lastLines).toEqual([
      "ALTER TABLE llm_calls_local ON CLUSTER c1 ADD COLUMN IF NOT EXISTS request_hash String DEFAULT '' CODEC(ZSTD(1))",
      "ALTER TABLE llm_calls ON CLUSTER c1 ADD COLUMN IF NOT EXISTS request_hash String DEFAULT '' CODEC(ZSTD(1))",
    ]);
  });

  it('adds several columns in one statement to the shards and the Distributed table', () => {
    const statements = renderClusterStatements(
      byName('llm_calls_cache_write_1h_and_cache_unreported'),
      'c1',
    ).map((sql) => sql.slice(sql.indexOf('ALTER TABLE')));
    const columns =
      '    ADD COLUMN IF NOT EXISTS cache_write_1h_tokens UInt64 DEFAULT 0 AFTER cache_write_tokens,\n' +
      '    ADD COLUMN IF NOT EXISTS cache_unreported Bool DEFAULT false AFTER usage_missing';
    expect(statements).toEqual([
      `ALTER TABLE llm_calls_local ON CLUSTER c1\n${columns}`,
      `ALTER TABLE llm_calls ON CLUSTER c1\n${columns}`,
    ]);
  });

  it('grows the sorting key on the shards only; the Distributed table gets the column alone', () => {
    const [local, distributed] = renderClusterStatements(byName('llm_usage_1m_project'), 'c1');
    const statement = (sql: string) => sql.slice(sql.indexOf('ALTER TABLE'));
    expect(statement(local!)).toBe(
      'ALTER TABLE llm_usage_1m_local ON CLUSTER c1\n' +
        '    ADD COLUMN IF NOT EXISTS project LowCardinality(String) AFTER feature,\n' +
        '    MODIFY ORDER BY (tenant, minute, agent, model, team, feature, user_id, session_id, service, environment, provider, project)',
    );
    expect(statement(distributed!)).toBe(
      'ALTER TABLE llm_usage_1m ON CLUSTER c1\n' +
        '    ADD COLUMN IF NOT EXISTS project LowCardinality(String) AFTER feature',
    );
  });

  it("changes a view's query on every node, reading the shard's local table", () => {
    const statements = renderClusterStatements(byName('llm_usage_1m_mv_project'), 'c1');
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(
      /^ALTER TABLE llm_usage_1m_mv ON CLUSTER c1 MODIFY QUERY\nSELECT$/m,
    );
    expect(statements[0]).toMatch(/^FROM llm_calls_local AS c$/m);
    expect(statements[0]).toMatch(/^GROUP BY .*feature, project, provider, model$/m);
  });

  it('drops a view on every node', () => {
    expect(renderClusterStatements(byName('drop_llm_usage_1m_mv'), 'c1')).toEqual([
      'DROP VIEW IF EXISTS llm_usage_1m_mv ON CLUSTER c1',
    ]);
  });

  it('refuses a cluster name that is not an identifier', () => {
    expect(() => renderClusterStatements(byName('create_tasks'), "c1'; DROP")).toThrow(
      /plain identifier/,
    );
  });
});
