/**
 * @module
 * One test per panel of a dashboard, against a private seeded store: the panel's SQL is expanded
 * as Grafana would with every variable on All over the test range, must run, return exactly the
 * declared columns and at least the declared rows, and pass the panel's own value checks. A
 * dashboard panel without a check fails the suite, so no panel goes untested.
 */
import type { Store } from '@tokenwatch/store';
import { openTestStore, type TestStore } from '@tokenwatch/store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParsedDashboard } from './dashboard-schema.ts';
import {
  loadDashboard,
  panelByTitle,
  type QueryResult,
  resolveVariables,
  runPanel,
  type Selection,
} from './runner.ts';
import { RANGE, seed } from './seed.ts';

/** What a panel must return over the seeded data with every variable on All. */
export type PanelCheck = {
  columns: readonly string[];
  /** The fewest rows the seeded data gives (default 1). */
  minRows?: number;
  check?: (result: QueryResult) => void;
};

/** Changes to the default run of a panel: picks, interval, range, data-link values. */
export type RunOverrides = {
  selection?: Selection;
  intervalMs?: number;
  from?: Date;
  to?: Date;
  scoped?: Record<string, string>;
};

/** What a dashboard's extra tests get: its model, the seeded store, a panel runner. */
export type Suite = {
  dashboard: ParsedDashboard;
  store(): Store;
  /** Runs a panel by title over the test range, variables on All unless picked. */
  run(title: string, overrides?: RunOverrides): Promise<QueryResult>;
};

/** Rows of a result as plain numbers and strings, keyed by column. */
export const column = (r: QueryResult, name: string) => r.rows.map((row) => row[name]);

/** The rows whose `key` column equals `value`. */
export const rowsWhere = (r: QueryResult, key: string, value: unknown) =>
  r.rows.filter((row) => row[key] === value);

/** Time series in long or wide format: a first `time` column of a DateTime type, ascending. */
function expectTimeSeries(r: QueryResult): void {
  expect(r.meta[0]?.name).toBe('time');
  expect(r.meta[0]?.type).toMatch(/^DateTime/);
  const times = column(r, 'time') as string[];
  expect(times).toEqual([...times].sort());
}

/** Declares the panel tests of a dashboard, then any extra tests `more` adds. */
export function describeDashboard(
  uid: string,
  checks: Readonly<Record<string, PanelCheck>>,
  options: { selection?: Selection } = {},
  more?: (suite: Suite) => void,
): void {
  const dashboard = loadDashboard(uid);
  let t: TestStore | undefined;
  const suite: Suite = {
    dashboard,
    store() {
      if (!t) throw new Error('store not open');
      return t.store;
    },
    async run(title, o = {}) {
      const range = { from: o.from ?? RANGE.from, to: o.to ?? RANGE.to };
      const selection = { ...options.selection, ...o.selection };
      const variables = await resolveVariables(suite.store(), dashboard, { ...range, selection });
      return runPanel(suite.store(), panelByTitle(dashboard, title), {
        ...range,
        variables,
        intervalMs: o.intervalMs,
        scoped: o.scoped,
      });
    },
  };

  describe(uid, () => {
    beforeAll(async () => {
      t = await openTestStore();
      await seed(t.store);
    });
    afterAll(() => t?.cleanup());

    it('has a check for every panel', () => {
      expect(Object.keys(checks).sort()).toEqual(dashboard.panels.map((p) => p.title).sort());
    });

    for (const panel of dashboard.panels) {
      it(`panel "${panel.title}"`, async () => {
        const c = checks[panel.title];
        if (!c) throw new Error(`no check for panel "${panel.title}"`);
        const r = await suite.run(panel.title);
        expect(r.meta.map((m) => m.name)).toEqual(c.columns);
        expect(r.rows.length).toBeGreaterThanOrEqual(c.minRows ?? 1);
        if (panel.targets[0]!.format === 0) expectTimeSeries(r);
        c.check?.(r);
      });
    }

    more?.(suite);
  });
}
