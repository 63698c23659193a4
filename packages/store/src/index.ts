export {
  ENGINE_SUBDIR,
  openStore,
  parseServerUrl,
  type Store,
  type StoreOptions,
} from './client.ts';
export {
  assertClusterName,
  LOCAL_SUFFIX,
  renderClusterDdl,
  renderClusterStatements,
} from './cluster.ts';
export { dateTime64ToNs, llmCallToRow, nsToDateTime64, taskToRow } from './converters.ts';
export {
  MigrationError,
  ReadOnlyViolationError,
  StoreError,
  StoreLockedError,
} from './errors.ts';
export {
  loadMigrations,
  MIGRATIONS_DIR,
  type Migration,
  type MigrationResult,
  migrate,
} from './migrations.ts';
export {
  insertRows,
  jsonCompactEachRow,
  jsonEachRow,
  type QuerySettings,
  queryRows,
  runCommand,
  withSettings,
} from './query.ts';
export {
  dropSupersededRevisions,
  type InsertLlmCallsOptions,
  type InsertResult,
  insertLlmCalls,
} from './repositories/llm-calls.ts';
export { insertOtelSpans } from './repositories/otel-traces.ts';
export { upsertTasks } from './repositories/tasks.ts';
export { applyRetention, DEFAULT_RETENTION, type Retention, readRetention } from './retention.ts';
export { COST_COLUMNS, rollupInsertSql, rollupRows, rollupSelectSql } from './rollup-rows.ts';
export { assertStatementAllowed, classifyStatement, type StatementKind } from './sql-guard.ts';
export { TABLES, type TableName } from './tables.ts';
export { type QueryResult, type ResultColumn, runUserQuery } from './user-query.ts';
