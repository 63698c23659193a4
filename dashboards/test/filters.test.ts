/**
 * Every panel of every dashboard, against one seeded store: it runs with every variable on All,
 * the columns its field options name exist, each filter variable set to a value nobody has
 * empties it, and an empty pick returns what All returns.
 */
import type { Store } from '@tokenwatch/store';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILTER_VARIABLES, type FilterVariable } from '../src/filters.ts';
import type { ParsedDashboard } from './support/dashboard-schema.ts';
import {
  loadDashboards,
  type QueryResult,
  resolveVariables,
  runPanel,
  type Selection,
} from './support/runner.ts';
import { RANGE, seed, TRACE } from './support/seed.ts';

// Panels that do not narrow on some filters, by design.
const IGNORES: Record<string, readonly FilterVariable[]> = {
  // A trace is shown whole; only its tenant must match.
  'tokenwatch-sessions/Trace': ['environment', 'project', 'team', 'agent', 'model'],
};

// The trace panel needs a trace to show; everything else starts from All.
const BASE: Selection = { trace_id: TRACE.taskOk };

/** No rows, or only zeros, empty strings and nulls (an aggregate over nothing). */
function isEmpty(r: QueryResult): boolean {
  return r.rows.every((row) =>
    Object.values(row).every(
      (v) => v === null || v === 0 || v === '0' || v === '' || (Array.isArray(v) && v.length === 0),
    ),
  );
}

// Columns computed from the time the query runs, which differ between two runs.
const WALL_CLOCK = new Set(['projected_month']);

/** Rows in a stable order, for comparing results of queries without ORDER BY. */
const canonical = (r: QueryResult) =>
  r.rows
    .map((row) => JSON.stringify(Object.entries(row).filter(([k]) => !WALL_CLOCK.has(k))))
    .sort();

let t: TestStore;
const store = (): Store => t.store;
beforeAll(async () => {
  t = await openTestStore();
  await seed(t.store);
});
afterAll(() => t?.cleanup());

async function runAll(dashboard: ParsedDashboard, selection: Selection) {
  const variables = await resolveVariables(store(), dashboard, { ...RANGE, selection });
  const results = new Map<string, QueryResult>();
  for (const panel of dashboard.panels) {
    results.set(panel.title, await runPanel(store(), panel, { ...RANGE, variables }));
  }
  return results;
}

describe.each(loadDashboards())('$file', ({ dashboard }) => {
  it('runs every panel, and its field options name columns it returns', async () => {
    const results = await runAll(dashboard, BASE);
    for (const panel of dashboard.panels) {
      const columns = new Set(results.get(panel.title)!.meta.map((m) => m.name));
      for (const o of panel.fieldConfig?.overrides ?? []) {
        expect(columns.has(o.matcher.options), `${panel.title}: ${o.matcher.options}`).toBe(true);
      }
    }
  });

  it.each(FILTER_VARIABLES)('empties every panel for a %s nobody has', async (variable) => {
    const results = await runAll(dashboard, { ...BASE, [variable]: ['nobody'] });
    for (const panel of dashboard.panels) {
      if (IGNORES[`${dashboard.uid}/${panel.title}`]?.includes(variable)) continue;
      const r = results.get(panel.title)!;
      expect(isEmpty(r), `${panel.title}: ${JSON.stringify(r.rows[0])}`).toBe(true);
    }
  });

  it('treats an empty pick of every filter as All', async () => {
    const picks = Object.fromEntries(FILTER_VARIABLES.map((v) => [v, []]));
    const all = await runAll(dashboard, BASE);
    const none = await runAll(dashboard, { ...BASE, ...picks });
    for (const panel of dashboard.panels) {
      const a = all.get(panel.title)!;
      expect(a.rows.length, `${panel.title} returns rows on All`).toBeGreaterThan(0);
      expect(canonical(none.get(panel.title)!), panel.title).toEqual(canonical(a));
    }
  });
});

describe('filter variables', () => {
  const [overview] = loadDashboards().filter((d) => d.dashboard.uid === 'tokenwatch-overview');

  it('list the values in range, each list narrowed by the picks before it', async () => {
    const options = async (selection: Selection) =>
      Object.fromEntries(
        (await resolveVariables(store(), overview!.dashboard, { ...RANGE, selection })).map((v) => [
          v.name,
          v.options,
        ]),
      );
    expect(await options({})).toEqual({
      tenant: ['acme', 'globex'],
      environment: ['prod', 'staging'],
      project: ['devtools', 'storefront'],
      team: ['billing', 'search', 'support'],
      agent: ['cache-breaker', 'chatbot', 'coder', 'planner', 'reviewer', 'runaway'],
      model: ['claude-sonnet-4', 'gpt-4o', 'gpt-4o-mini', 'mystery-model'],
    });
    expect(await options({ tenant: ['globex'] })).toMatchObject({
      environment: ['prod'],
      project: ['storefront'],
      team: ['search'],
      agent: ['planner'],
      model: ['gpt-4o'],
    });
    expect(await options({ agent: ['coder'] })).toMatchObject({ model: ['claude-sonnet-4'] });
    // The project narrows the lists after it: only the coder works on devtools.
    expect(await options({ project: ['devtools'] })).toMatchObject({
      team: ['support'],
      agent: ['coder'],
      model: ['claude-sonnet-4'],
    });
  });
});
