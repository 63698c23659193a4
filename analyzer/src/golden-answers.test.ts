/**
 * @module
 * Golden answers: every analyzer query and every dashboard panel and variable query (the query
 * benchmark's cases, `bench/analyzer-cases.ts` and `bench/panel-cases.ts`) run over a small
 * generated data set and are compared, case by case, with the answers committed under
 * `analyzer/test/golden/` (one file per case group). Speed work (reads without `FINAL`, new
 * rollups, rewritten queries) must keep every answer; a failure names the case and the first path
 * where its answer differs.
 *
 *   UPDATE_GOLDEN=1 pnpm vitest run analyzer/src/golden-answers.test.ts
 *
 * rewrites the golden files from the code as it is; do that only when an answer is meant to
 * change, and review the diff.
 *
 * Determinism:
 * - The data set is the benchmark's generator (`bench/query-data.ts`) with a fixed row count and
 *   a fixed anchor, Monday 2026-11-30 12:00 UTC; its rows depend only on those two. Every
 *   analyzer case gets that instant as `now`, and the dashboards' ranges end at it.
 * - Panels that read ClickHouse's `now()` (burn rate, budgets) get it pinned: each `now()` and
 *   `now(tz)` in the expanded statement becomes `toDateTime({pinned_now: UInt32}[, tz])`, the
 *   anchor as a bound parameter, the same type and zone `now()` gives. Any other clock function
 *   left in a statement fails the case rather than passing with a moving answer.
 * - The retention TTLs count from the real clock, so fixed-date rows would expire in a year;
 *   the test store's retention is set to twenty years before the data is written.
 * - Answers are serialized canonically: object keys sorted, dates as ISO strings, decimals as
 *   their strings, 64-bit integers as the engine returns them. Floats are rounded to 12
 *   significant digits (float sums may be added in a different order by parallel threads);
 *   in panel results only columns of a Float type are rounded, so decimals stay exact.
 * - Panel statements without an `ORDER BY` return rows in no defined order; their rows are
 *   sorted before comparing (an order Grafana does not depend on either).
 *
 * The cross-checks at the end compare a few golden answers with statements written here
 * directly over `llm_calls FINAL`, so the golden files hold correct answers, not just the
 * answers the code gave when they were written.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Decimal } from '@tokenwatch/pricing';
import { applyRetention, queryRows } from '@tokenwatch/store';
import { openTestStore } from '@tokenwatch/store/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { analyzerCases, type QueryCase } from '../bench/analyzer-cases.ts';
import { panelCases } from '../bench/panel-cases.ts';
import { BENCH_TENANT } from '../bench/query-catalog.ts';
import { generate, recentTraceId } from '../bench/query-data.ts';

/** Calls generated: enough that every query has rows in every range, small enough to be quick. */
const ROWS = 20_000;
/** The data's end and every query's "now": a Monday, so the report's last week is complete. */
const NOW = new Date('2026-11-30T12:00:00.000Z');
const GOLDEN_DIR = join(import.meta.dirname, '..', 'test', 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const SIGNIFICANT_DIGITS = 12;
/**
 * Twenty years: the fixed-date rows never expire while the test is in use. Not more: the TTL is a
 * `DateTime`, which ends in 2106, and a TTL past it wraps into the past and drops every row.
 */
const KEEP_DAYS = 7_300;

const testStore = await openTestStore();
const { store } = testStore;
await applyRetention(store, { rawSpansDays: KEEP_DAYS, callsDays: KEEP_DAYS });
await generate(store, ROWS, NOW.getTime(), () => {});
const cases: QueryCase[] = [
  ...analyzerCases(store, NOW),
  ...(await panelCases(store, NOW, { trace_id: await recentTraceId(store, NOW) })),
];

afterAll(async () => {
  if (UPDATE) writeGolden();
  await testStore.cleanup();
});

const round = (n: number): number | string =>
  Number.isFinite(n) ? Number(n.toPrecision(SIGNIFICANT_DIGITS)) : String(n);

/** A JSON value with sorted keys, ISO dates, decimals as text and floats rounded. */
function canonical(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isInteger(value) ? value : round(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object') return value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(canonical);
  if (value instanceof Map) return canonical(Object.fromEntries(value));
  if (value instanceof Set) return canonical([...value]);
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    // Decimal and other value classes: their JSON form is their exact text.
    const json = (value as { toJSON?: () => unknown }).toJSON;
    return typeof json === 'function' ? canonical(json.call(value)) : String(value);
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = canonical(v);
  }
  return out;
}

const CLOCK = /\b(now|now64|today|yesterday|nowInBlock|currentDate)\s*\(/i;

/** The statement with its `now()` pinned to the anchor (a bound parameter). */
function pinNow(sql: string): string {
  const pinned = sql.replace(/\bnow\(\s*([^()]*?)\s*\)/g, (_m, zone: string) =>
    zone ? `toDateTime({pinned_now: UInt32}, ${zone})` : 'toDateTime({pinned_now: UInt32})',
  );
  if (CLOCK.test(pinned)) throw new Error('statement reads a clock the test cannot pin');
  return pinned;
}

const FLOAT_TYPE = /^(Nullable\()?Float(32|64)/;

/** Runs a dashboard statement at the anchor: column names and rows, floats rounded. */
async function runPanel(sql: string): Promise<unknown> {
  const result = await store.client.query({
    query: pinNow(sql),
    query_params: { pinned_now: Math.floor(NOW.getTime() / 1000) },
    format: 'JSON',
  });
  const json = await result.json<Record<string, unknown>>();
  const meta = json.meta ?? [];
  const floats = new Set(meta.filter((m) => FLOAT_TYPE.test(m.type)).map((m) => m.name));
  const rows = json.data.map((row) => {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(row)) {
      out[key] = typeof v === 'number' && floats.has(key) ? round(v) : canonical(v);
    }
    return out;
  });
  if (!/\bORDER\s+BY\b/i.test(sql)) {
    rows.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  }
  return { columns: meta.map((m) => m.name), rows };
}

/** One case's canonical answer; an error is an answer too (its first line). */
async function answer(c: QueryCase): Promise<unknown> {
  try {
    return c.sql === undefined ? canonical(await c.run()) : await runPanel(c.sql);
  } catch (err) {
    return { error: (err instanceof Error ? err.message : String(err)).split('\n')[0] };
  }
}

/** The first path where two canonical values differ, with both values there; null if equal. */
function firstDifference(want: unknown, got: unknown, path = '$'): string | null {
  if (Object.is(want, got)) return null;
  const show = (v: unknown) => {
    const text = JSON.stringify(v) ?? 'undefined';
    return text.length > 200 ? `${text.slice(0, 200)}…` : text;
  };
  const bothObjects = typeof want === 'object' && want && typeof got === 'object' && got;
  if (!bothObjects || Array.isArray(want) !== Array.isArray(got)) {
    return `${path}: expected ${show(want)}, got ${show(got)}`;
  }
  if (Array.isArray(want) && Array.isArray(got)) {
    for (let i = 0; i < Math.min(want.length, got.length); i++) {
      const d = firstDifference(want[i], got[i], `${path}[${i}]`);
      if (d) return d;
    }
    return want.length === got.length
      ? null
      : `${path}: expected ${want.length} items, got ${got.length}`;
  }
  const w = want as Record<string, unknown>;
  const g = got as Record<string, unknown>;
  for (const key of new Set([...Object.keys(w), ...Object.keys(g)])) {
    if (!(key in g)) return `${path}.${key}: expected ${show(w[key])}, missing`;
    if (!(key in w)) return `${path}.${key}: unexpected ${show(g[key])}`;
    const d = firstDifference(w[key], g[key], `${path}.${key}`);
    if (d) return d;
  }
  return null;
}

/**
 * Cases whose answer today depends on the order the engine reads rows in: compared like every
 * other case (their answer is what users see), but a failure says why it may have moved. The
 * calls without a task id are grouped as one task '' spanning every agent, whose agent is
 * `anyLast(agent)`: reading `llm_calls` in another order (without FINAL, other parts) gives
 * that task, its cost and its percentiles to another agent. The query needs a defined agent (or
 * to leave those calls out) before such a change can keep these answers.
 */
const fileOf = (group: string) => `${group.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.json`;
const golden = new Map<string, Record<string, unknown>>();
const fresh = new Map<string, Record<string, unknown>>();

function readGolden(group: string): Record<string, unknown> {
  let answers = golden.get(group);
  if (!answers) {
    const file = join(GOLDEN_DIR, fileOf(group));
    answers = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
    golden.set(group, answers!);
  }
  return answers!;
}

function writeGolden(): void {
  mkdirSync(GOLDEN_DIR, { recursive: true });
  for (const [group, answers] of fresh) {
    writeFileSync(join(GOLDEN_DIR, fileOf(group)), `${JSON.stringify(answers, null, 1)}\n`);
  }
}

describe('golden answers', () => {
  it('the data set is the one the golden files were written from', async () => {
    const [row] = await queryRows(store, {
      query: `SELECT (SELECT count() FROM llm_calls FINAL) AS calls,
        (SELECT count() FROM tasks FINAL) AS tasks,
        (SELECT toString(min(start_time)) FROM llm_calls) AS first,
        (SELECT toString(max(start_time)) FROM llm_calls) AS last`,
      schema: z.object({
        calls: z.coerce.number(),
        tasks: z.coerce.number(),
        first: z.string(),
        last: z.string(),
      }),
    });
    expect(row!.calls).toBe(ROWS);
    expect(row!.last < '2026-11-30 12:00:00').toBe(true);
    expect(row!.first >= '2026-10-26 12:00:00').toBe(true);
  });

  it('every case has a unique name', () => {
    const names = cases.map((c) => `${c.group} / ${c.name}`);
    expect(new Set(names).size).toBe(names.length);
  });

  for (const c of cases) {
    it(`${c.group} / ${c.name}`, async () => {
      const got = await answer(c);
      const group = fresh.get(c.group) ?? {};
      group[c.name] = got;
      fresh.set(c.group, group);
      if (UPDATE) return;
      const answers = readGolden(c.group);
      if (!(c.name in answers)) {
        throw new Error(`no golden answer for "${c.name}" in ${fileOf(c.group)}: UPDATE_GOLDEN=1`);
      }
      const diff = firstDifference(answers[c.name], got);
      if (diff) throw new Error(`answer changed at ${diff}`);
    });
  }

  it('the golden files hold no case that no longer exists', () => {
    if (UPDATE) return;
    const names = new Set(cases.map((c) => `${c.group} / ${c.name}`));
    const groups = new Set(cases.map((c) => c.group));
    const stale = [...groups].flatMap((group) =>
      Object.keys(readGolden(group))
        .map((name) => `${group} / ${name}`)
        .filter((name) => !names.has(name)),
    );
    expect(stale).toEqual([]);
  });
});

/** The committed answer of a case (the fresh one while the golden files are rewritten). */
function goldenAnswer(group: string, name: string): unknown {
  const answer = UPDATE ? fresh.get(group)?.[name] : readGolden(group)[name];
  if (answer === undefined) throw new Error(`no answer for ${group} / ${name}`);
  return answer;
}

const chTime = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '');
const exact = (text: string) => Decimal.from(text).format();

/**
 * Spend and calls in [from, to) straight from `llm_calls FINAL`, grouped by the column `by`;
 * the bench tenant's unless `tenant` is '' (every tenant).
 */
async function directSpend(from: Date, to: Date, by = "''", tenant = BENCH_TENANT) {
  return queryRows(store, {
    query: `SELECT ${by} AS key, toString(sum(ifNull(total_cost, 0))) AS cost, count() AS calls
      FROM llm_calls FINAL
      WHERE ({tenant: String} = '' OR tenant = {tenant: String})
        AND start_time >= {from: DateTime64(3, 'UTC')} AND start_time < {to: DateTime64(3, 'UTC')}
      GROUP BY key ORDER BY key`,
    params: { tenant, from: chTime(from), to: chTime(to) },
    schema: z.object({ key: z.string(), cost: z.string(), calls: z.coerce.number() }),
  });
}

const DAY_MS = 86_400_000;
type CostAnswer = {
  total: { costUsd: string; calls: number };
  rows: { key: { agent?: string }; costUsd: string; calls: number }[];
};

// The golden files are what the code answered when they were written; these checks tie a few of
// those answers to statements written here, so a wrong answer cannot become the golden one.
describe('golden answers agree with llm_calls FINAL', () => {
  it('total cost and calls over 7 days', async () => {
    const [want] = await directSpend(new Date(NOW.getTime() - 7 * DAY_MS), NOW);
    const got = goldenAnswer('analytics', 'getCost total 7d') as CostAnswer;
    expect(want!.calls).toBeGreaterThan(1000);
    expect(exact(got.total.costUsd)).toBe(exact(want!.cost));
    expect(got.total.calls).toBe(want!.calls);
  });

  it('cost per agent over 24 hours', async () => {
    const want = await directSpend(new Date(NOW.getTime() - DAY_MS), NOW, 'agent');
    const got = goldenAnswer('analytics', 'getCost by agent 24h') as CostAnswer;
    const gotByAgent = Object.fromEntries(
      got.rows.map((r) => [r.key.agent, [exact(r.costUsd), r.calls]]),
    );
    expect(want.length).toBeGreaterThan(5);
    expect(gotByAgent).toEqual(
      Object.fromEntries(want.map((r) => [r.key, [exact(r.cost), r.calls]])),
    );
  });

  it("the weekly report's spend for the week before the anchor", async () => {
    const [want] = await directSpend(
      new Date('2026-11-23T00:00:00Z'),
      new Date('2026-11-30T00:00:00Z'),
    );
    const got = goldenAnswer('reports', 'buildWeeklyReport 2026-W48') as {
      totals: { current: { costUsd: string; calls: number } };
    };
    expect(exact(got.totals.current.costUsd)).toBe(exact(want!.cost));
    expect(got.totals.current.calls).toBe(want!.calls);
  });

  it("the budgets dashboard's day and month to date, with now() pinned to the anchor", async () => {
    // The panel's tenant filter is All: every tenant's spend. The week started this Monday.
    const [today] = await directSpend(new Date('2026-11-30T00:00:00Z'), NOW, "''", '');
    const [month] = await directSpend(new Date('2026-11-01T00:00:00Z'), NOW, "''", '');
    const got = goldenAnswer('dashboard budgets', 'Spend in the current periods 24h') as {
      rows: { today: number; week_to_date: number; month_to_date: number }[];
    };
    const [row] = got.rows;
    expect(Number(today!.cost)).toBeGreaterThan(0);
    expect(row!.today).toBeCloseTo(Number(today!.cost), 9);
    expect(row!.week_to_date).toBeCloseTo(Number(today!.cost), 9);
    expect(row!.month_to_date).toBeCloseTo(Number(month!.cost), 9);
  });
});
