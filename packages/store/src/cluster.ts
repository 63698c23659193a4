import { MigrationError } from './errors.ts';
import type { Migration } from './migrations.ts';

/** Suffix of the per-shard tables behind each Distributed table. */
export const LOCAL_SUFFIX = '_local';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CREATE_TABLE = /^CREATE TABLE IF NOT EXISTS (\w+)\s*\n/m;
const CREATE_MV = /^CREATE MATERIALIZED VIEW IF NOT EXISTS (\w+) TO (\w+)\s*\n/m;
const ENGINE = /^ENGINE = (\w*)MergeTree(?:\(([^)]*)\))?\s*$/m;
const FROM = /^FROM (\w+)/m;
const ALTER_TABLE = /^ALTER TABLE (\w+)(\s)/m;
/** A materialized view taken away (it has the same name on every node). */
const DROP_VIEW = /^DROP VIEW IF EXISTS (\w+)\s*$/m;
/** A materialized view's new SELECT (`ALTER TABLE <view> MODIFY QUERY`). */
const MODIFY_QUERY = /^ALTER TABLE (\w+) MODIFY QUERY(\s)/m;
/** A sorting-key change, written as the last clause of an ALTER that adds its column. */
const MODIFY_ORDER_BY = /,\s*MODIFY ORDER BY [\s\S]*$/;
const SHARDING_KEY = /^-- cluster: sharding_key = (.+)$/m;
/** A migration only the single-node schema needs. */
const SKIP = /^-- cluster: skip$/m;

/** Rejects names that are not plain identifiers: they are spliced into DDL. */
export function assertClusterName(cluster: string): void {
  if (!IDENT.test(cluster)) {
    throw new MigrationError(`Cluster name ${JSON.stringify(cluster)} must be a plain identifier`);
  }
}

/**
 * Renders one single-node migration for a ClickHouse cluster: each table becomes a Replicated
 * `<name>_local` table on every node plus a Distributed `<name>` table over them, and
 * materialized views connect the local tables, so queries keep using the plain names.
 * Sharding keys come from the migration's `-- cluster: sharding_key = …` line; rows of one
 * identity must land on one shard for ReplacingMergeTree to collapse their duplicates.
 */
export function renderClusterStatements(migration: Migration, cluster: string): string[] {
  assertClusterName(cluster);
  const sql = migration.sql.trim();
  if (SKIP.test(sql)) return [];
  const table = CREATE_TABLE.exec(sql);
  if (table) {
    const name = table[1]!;
    const local = `${name}${LOCAL_SUFFIX}`;
    const engine = ENGINE.exec(sql);
    if (!engine) throw new MigrationError(`${migration.file}: no MergeTree engine to replicate`);
    const family = engine[1] ?? '';
    const params = engine[2]?.trim();
    const zkPath = `'/clickhouse/tables/{shard}/{database}/${local}'`;
    const replicated = `ENGINE = Replicated${family}MergeTree(${[zkPath, "'{replica}'", params].filter(Boolean).join(', ')})`;
    const localDdl = sql
      .replace(CREATE_TABLE, `CREATE TABLE IF NOT EXISTS ${local} ON CLUSTER ${cluster}\n`)
      .replace(ENGINE, replicated);
    const key = SHARDING_KEY.exec(sql)?.[1]?.trim() ?? 'rand()';
    const distributed =
      `CREATE TABLE IF NOT EXISTS ${name} ON CLUSTER ${cluster} AS ${local}\n` +
      `ENGINE = Distributed(${cluster}, currentDatabase(), ${local}, ${key})`;
    return [localDdl, distributed];
  }
  const view = CREATE_MV.exec(sql);
  if (view) {
    const [, name, target] = view;
    const from = FROM.exec(sql);
    if (!from) throw new MigrationError(`${migration.file}: materialized view without FROM`);
    return [
      sql
        .replace(
          CREATE_MV,
          `CREATE MATERIALIZED VIEW IF NOT EXISTS ${name} ON CLUSTER ${cluster} TO ${target}${LOCAL_SUFFIX}\n`,
        )
        .replace(FROM, `FROM ${from[1]}${LOCAL_SUFFIX}`),
    ];
  }
  const newQuery = MODIFY_QUERY.exec(sql);
  if (newQuery) {
    // Views keep their name on every node and read the shard's local table, as when created.
    const from = FROM.exec(sql);
    if (!from) throw new MigrationError(`${migration.file}: view query without FROM`);
    return [
      sql
        .replace(MODIFY_QUERY, `ALTER TABLE ${newQuery[1]} ON CLUSTER ${cluster} MODIFY QUERY$2`)
        .replace(FROM, `FROM ${from[1]}${LOCAL_SUFFIX}`),
    ];
  }
  const dropView = DROP_VIEW.exec(sql);
  if (dropView) return [`DROP VIEW IF EXISTS ${dropView[1]} ON CLUSTER ${cluster}`];
  const alter = ALTER_TABLE.exec(sql);
  if (alter) {
    // Column changes go to the shards' tables and to the Distributed table in front of them; a
    // new sorting key only to the shards' tables (a Distributed table has none).
    const name = alter[1]!;
    return [
      sql.replace(ALTER_TABLE, `ALTER TABLE ${name}${LOCAL_SUFFIX} ON CLUSTER ${cluster}$2`),
      sql
        .replace(ALTER_TABLE, `ALTER TABLE ${name} ON CLUSTER ${cluster}$2`)
        .replace(MODIFY_ORDER_BY, ''),
    ];
  }
  throw new MigrationError(`${migration.file}: no cluster rendering for this statement`);
}

/** The whole schema as cluster DDL, ready to print or pipe into clickhouse-client. */
export function renderClusterDdl(migrations: Migration[], cluster: string): string {
  return migrations
    .map((m) => [m, renderClusterStatements(m, cluster)] as const)
    .filter(([, statements]) => statements.length > 0)
    .map(([m, statements]) => `-- ${m.file}\n${statements.join(';\n\n')};\n`)
    .join('\n');
}
