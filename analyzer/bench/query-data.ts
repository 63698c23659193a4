/**
 * @module
 * The query benchmark's data set: N realistic LLM calls over five weeks (ten calls per task,
 * three tasks per session group, tenants, agents, teams, features, users, 20 models, cache reads
 * and writes, failures, retries, unpriced and usage-less calls) plus one `tasks` row per task.
 * Rows are generated inside the engine with `INSERT … SELECT … FROM numbers()`; each chunk's
 * rollup rows are then summed from it by the engine (`rollupInsertSql`), as the writer sums them. The data directory is kept between runs, keyed by
 * this generator and the row count (newer migrations are applied to it), and reused while it is
 * fresh: some dashboard panels measure time against `now()`, so older data is generated again.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  migrate,
  openStore,
  queryRows,
  rollupInsertSql,
  runCommand,
  type Store,
  TABLES,
} from '@tokenwatch/store';
import { z } from 'zod';
import { catalogParams } from './query-catalog.ts';

const DAY_MS = 86_400_000;
/** Days of history: the 30-day queries and the four-week baselines all have data. */
export const SPAN_DAYS = 35;
const CALLS_PER_TASK = 10;
/** Rows per INSERT: whole tasks, so a task's calls and its row land in one step. */
const CHUNK_ROWS = 1_000_000;
/** Rows of one ingest token (`bench-<n / 10000>`), a divisor of CHUNK_ROWS. */
const TOKEN_ROWS = 10_000;
/** The calls of one generated chunk, by their ingest tokens. */
const CHUNK_FILTER = 'ingest_token IN {chunk: Array(String)}';
const chunkTokens = (offset: number): string[] =>
  Array.from({ length: CHUNK_ROWS / TOKEN_ROWS }, (_, i) => `bench-${offset / TOKEN_ROWS + i}`);

/** An opened benchmark store and the instant its data ends. */
export type BenchData = {
  store: Store;
  dataDir: string;
  rows: number;
  /** End of the generated data (a minute boundary); the queries' "now". */
  now: Date;
  generatedSeconds: number | null;
};

const Meta = z.object({ rows: z.number(), anchorMs: z.number(), seconds: z.number() });

/** Where the data of this generator and size is kept. */
export function dataDirFor(rows: number): string {
  const hash = createHash('sha256');
  // The generating statements and their parameters, not the files: editing the rest of the
  // benchmark keeps the data.
  hash
    .update(callsInsert())
    .update(tasksInsert())
    .update(rollupInsertSql(CHUNK_FILTER))
    .update(JSON.stringify(catalogParams()));
  hash.update(JSON.stringify({ rows, SPAN_DAYS, CALLS_PER_TASK }));
  return join(tmpdir(), `tokenwatch-bench-queries-${hash.digest('hex').slice(0, 12)}`);
}

/**
 * Opens the cached data set of `rows` calls, generating it first when missing or older than
 * `maxAgeMs`. `log` receives progress lines.
 */
export async function openBenchData(options: {
  rows: number;
  maxAgeMs: number;
  log: (line: string) => void;
}): Promise<BenchData> {
  const rows = Math.max(CALLS_PER_TASK, Math.floor(options.rows / CALLS_PER_TASK) * CALLS_PER_TASK);
  const dataDir = dataDirFor(rows);
  const metaFile = join(dataDir, 'bench-meta.json');
  if (existsSync(metaFile)) {
    const meta = Meta.parse(JSON.parse(readFileSync(metaFile, 'utf8')));
    if (meta.rows === rows && Date.now() - meta.anchorMs < options.maxAgeMs) {
      const store = await openStore({ kind: 'embedded', dataDir });
      // Migrations added since the data was generated apply in place.
      await migrate(store);
      options.log(`reusing ${rows.toLocaleString('en-US')} calls in ${dataDir}`);
      return { store, dataDir, rows, now: new Date(meta.anchorMs), generatedSeconds: null };
    }
    options.log('cached data set is stale: generating it again');
  }
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const store = await openStore({ kind: 'embedded', dataDir });
  await migrate(store);
  const anchorMs = Math.floor(Date.now() / 60_000) * 60_000;
  const started = performance.now();
  await generate(store, rows, anchorMs, options.log);
  const seconds = (performance.now() - started) / 1000;
  writeFileSync(metaFile, JSON.stringify({ rows, anchorMs, seconds }));
  return { store, dataDir, rows, now: new Date(anchorMs), generatedSeconds: seconds };
}

// Attributes shared by the calls of a task (k) and its session group (s = k / 3): one tenant,
// agent, user and session per group, one feature and outcome per task.
const TASK_COLUMNS = `
  cityHash64(intDiv(k, 3), 11) AS hs,
  cityHash64(k, 12) AS hk,
  arrayFirstIndex(c -> hs % 100 < c, {tenant_cuts: Array(UInt8)}) AS tenant_i,
  {tenant_names: Array(String)}[tenant_i] AS tenant_name,
  toUInt32(floor(50 * pow((bitShiftRight(hs, 8) % 10000) / 10000, 1.8))) AS agent_i,
  {agents: Array(String)}[agent_i + 1] AS agent_name,
  {teams: Array(String)}[agent_i % 8 + 1] AS team_name,
  {services: Array(String)}[agent_i % 5 + 1] AS service_name,
  {features: Array(String)}[bitShiftRight(hk, 8) % 15 + 1] AS feature_name,
  if(bitShiftRight(hs, 24) % 10 = 0, 'staging', 'prod') AS env_name,
  concat('user-', toString(bitShiftRight(hs, 32) % 2000)) AS user_name,
  if(bitShiftRight(hs, 44) % 10 < 6, concat('sess-', lower(hex(hs))), '') AS session_name,
  hk % 20 != 0 AS has_task,
  concat('task-', lower(hex(hk))) AS task_name,
  concat(lower(hex(cityHash64(k, 13))), lower(hex(cityHash64(k, 14)))) AS trace_hex,
  {from_ns: Int64} + toInt64(k) * {step_ns: Int64} AS task_start_ns`;

function callsInsert(): string {
  return `INSERT INTO ${TABLES.llmCalls} (tenant, start_time, duration_ns, trace_id, span_id,
    parent_span_id, task_id, session_id, service, environment, agent, user_id, team, feature,
    provider, operation, request_model, response_model, input_tokens, cache_read_tokens,
    cache_write_tokens, output_tokens, reasoning_tokens, usage_missing, input_cost,
    cache_read_cost, cache_write_cost, output_cost, total_cost, price_source, price_version,
    status, error_type, finish_reason, context_window, prefix_hash, attributes, ingest_token)
  SELECT
    tenant_name, fromUnixTimestamp64Nano(start_ns), duration, trace_hex,
    lower(hex(cityHash64(n, 3))), lower(hex(cityHash64(k, 4))),
    if(has_task, task_name, ''), session_name, service_name, env_name, agent_name, user_name,
    team_name, feature_name, provider_name, 'chat', model_name,
    if(provider_name = 'anthropic', '', model_name),
    in_t, read_t, write_t, out_t, reason_t, missing,
    if(priced, CAST(toDecimal128(in_t, 0) * toDecimal128({price_in: Array(String)}[mi], 12) / 1000000 AS Nullable(Decimal(18, 12))), NULL) AS c_in,
    if(priced, CAST(toDecimal128(read_t, 0) * toDecimal128({price_read: Array(String)}[mi], 12) / 1000000 AS Nullable(Decimal(18, 12))), NULL) AS c_read,
    if(priced, CAST(toDecimal128(write_t, 0) * toDecimal128({price_write: Array(String)}[mi], 12) / 1000000 AS Nullable(Decimal(18, 12))), NULL) AS c_write,
    if(priced, CAST(toDecimal128(out_t, 0) * toDecimal128({price_out: Array(String)}[mi], 12) / 1000000 AS Nullable(Decimal(18, 12))), NULL) AS c_out,
    c_in + c_read + c_write + c_out,
    if(priced, 'bundled', ''), if(priced, 'genai-prices-bench', ''),
    if(failed, 'error', 'ok'),
    if(failed, ['RateLimitError', 'APITimeoutError', 'InternalServerError'][bitShiftRight(hn, 20) % 3 + 1], ''),
    multiIf(failed, '', out_t >= 1500, 'length', 'stop'),
    {windows: Array(UInt32)}[mi],
    if(has({breaking: Array(UInt32)}, agent_i), lower(hex(cityHash64(n - retry, 23))),
      lower(hex(cityHash64(agent_i, tenant_i, 24)))),
    map('server.address', concat('api.', provider_name, '.example')),
    concat('bench-', toString(intDiv(n, ${TOKEN_ROWS})))
  FROM (
    SELECT *,
      {providers: Array(String)}[mi] AS provider_name,
      {models: Array(String)}[mi] AS model_name,
      {priced: Array(UInt8)}[mi] = 1 AND NOT missing AS priced,
      800 + bitShiftRight(hk, 40) % 4000 + je * (600 + bitShiftRight(hk, 52) % 1500) AS prompt,
      if(missing, 0, if(je > 0 AND provider_name IN ('openai', 'anthropic', 'google') AND hm % 10 < 7,
        intDiv(prompt * 7, 10), 0)) AS read_t,
      if(missing, 0, if(provider_name = 'anthropic' AND (je = 0 OR hm % 10 = 9),
        intDiv(prompt * 2, 10), 0)) AS write_t,
      if(missing, 0, prompt - read_t - write_t) AS in_t,
      if(missing OR failed, 0, 50 + bitShiftRight(hn, 8) % 1500) AS out_t,
      if({reasoning: Array(UInt8)}[mi] = 1, intDiv(out_t, 2), 0) AS reason_t
    FROM (
      SELECT *,
        n % ${CALLS_PER_TASK} AS j,
        cityHash64(n, 21) AS hn,
        toUInt64(j > 0 AND bitShiftRight(hn, 16) % 33 = 0) AS retry,
        j - retry AS je,
        cityHash64(n - retry, 22) AS hm,
        toUInt32(if(hm % 5 = 0, bitShiftRight(hm, 8) % 20, agent_i % 18) + 1) AS mi,
        hn % 500 = 0 AS missing,
        bitShiftRight(hn, 40) % 50 = 0 AS failed,
        task_start_ns + toInt64(j) * 20000000000 + toInt64(hn % 5000000000) AS start_ns,
        300000000 + bitShiftRight(hn, 24) % 30000000000 AS duration
      FROM (SELECT number AS n, intDiv(number, ${CALLS_PER_TASK}) AS k, ${TASK_COLUMNS}
            FROM numbers({offset: UInt64}, {count: UInt64}))
    )
  )`;
}

// A tenth of the tasks are also written when they start (outcome unknown, no end), as the
// collector does for a task span seen before its end: readers must take the later row.
function tasksInsert(): string {
  return `INSERT INTO ${TABLES.tasks} (tenant, task_id, trace_id, name, session_id, service,
    environment, agent, user_id, team, feature, start_time, end_time, outcome, error, updated_at)
  SELECT tenant_name, task_name, trace_hex, concat(agent_name, ':', feature_name), session_name,
    service_name, env_name, agent_name, user_name, team_name, feature_name,
    fromUnixTimestamp64Nano(task_start_ns),
    if(started, toDateTime64(0, 9), fromUnixTimestamp64Nano(task_start_ns + 200000000000)),
    if(started, 'unknown',
      multiIf(pct < 80, 'success', pct < 90, 'failure', pct < 94, 'partial', pct < 97, 'abandoned', 'unknown')),
    if(NOT started AND pct >= 80 AND pct < 90, 'agent gave up', ''),
    fromUnixTimestamp64Nano(task_start_ns + if(started, 0, 200000000000))
  FROM (
    SELECT *, started, bitShiftRight(hk, 32) % 100 AS pct
    FROM (SELECT number AS k, ${TASK_COLUMNS} FROM numbers({offset: UInt64}, {count: UInt64}))
    ARRAY JOIN if(hk % 10 = 1, [1, 0], [0]) AS started
    WHERE has_task
  )`;
}

/**
 * Generates `rows` calls (and their tasks and rollup rows) into `store`, ending at `anchorMs`.
 * The rows depend only on `rows` and `anchorMs`, so a fixed anchor gives the same data set.
 */
export async function generate(
  store: Store,
  rows: number,
  anchorMs: number,
  log: (line: string) => void,
): Promise<void> {
  const tasks = rows / CALLS_PER_TASK;
  // Tasks start evenly over the span; the last one starts five minutes before the anchor.
  const fromNs = BigInt(anchorMs - SPAN_DAYS * DAY_MS) * 1_000_000n;
  const stepNs = ((BigInt(SPAN_DAYS * DAY_MS - 300_000) * 1_000_000n) / BigInt(tasks)).toString();
  const base = { ...catalogParams(), from_ns: fromNs.toString(), step_ns: stepNs };
  for (let offset = 0; offset < rows; offset += CHUNK_ROWS) {
    const count = Math.min(CHUNK_ROWS, rows - offset);
    const t0 = performance.now();
    await runCommand(store, callsInsert(), { ...base, offset, count });
    await runCommand(store, rollupInsertSql(CHUNK_FILTER), { chunk: chunkTokens(offset) });
    await runCommand(store, tasksInsert(), {
      ...base,
      offset: offset / CALLS_PER_TASK,
      count: count / CALLS_PER_TASK,
    });
    log(
      `generated ${(offset + count).toLocaleString('en-US')} / ${rows.toLocaleString('en-US')} calls ` +
        `(${((performance.now() - t0) / 1000).toFixed(1)} s for this chunk)`,
    );
  }
}

/**
 * A trace id from the hour before `now`, the latest started: the sessions dashboard's trace panel
 * needs one (a textbox on the dashboard).
 */
export async function recentTraceId(store: Store, now: Date): Promise<string> {
  const [recent] = await queryRows(store, {
    query: `SELECT trace_id FROM llm_calls WHERE start_time >= {from: DateTime64(3, 'UTC')}
    ORDER BY start_time DESC LIMIT 1`,
    params: {
      from: new Date(now.getTime() - 3_600_000).toISOString().replace('T', ' ').slice(0, 23),
    },
    schema: z.object({ trace_id: z.string() }),
  });
  return recent?.trace_id ?? '';
}

const PartsRow = z.object({ table: z.string(), parts: z.coerce.number(), rows: z.coerce.number() });

/** Active parts and rows per table, for the report (FINAL's cost grows with parts). */
export async function tableParts(store: Store): Promise<z.infer<typeof PartsRow>[]> {
  return queryRows(store, {
    query: `SELECT table, count() AS parts, sum(rows) AS rows FROM system.parts
      WHERE active AND database = currentDatabase() AND table IN {tables: Array(String)}
      GROUP BY table ORDER BY table`,
    params: { tables: [TABLES.llmCalls, TABLES.usage1m, TABLES.tasks] },
    schema: PartsRow,
  });
}

/** Waits (up to `timeoutMs`) until no background merge runs, so timings do not race them. */
export async function settleMerges(store: Store, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const [row] = await queryRows(store, {
      query: 'SELECT count() AS merges FROM system.merges',
      schema: z.object({ merges: z.coerce.number() }),
    });
    if ((row?.merges ?? 0) === 0 || Date.now() - started > timeoutMs) return row?.merges ?? 0;
    await new Promise((r) => setTimeout(r, 1000));
  }
}
