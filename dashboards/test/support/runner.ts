/**
 * @module
 * Runs dashboard queries against a store the way Grafana would: variables are resolved in order
 * by running their own queries (so "All" stands for the values those return, and each list is
 * narrowed by the variables before it), then each panel's SQL is expanded and executed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '@tokenwatch/store';
import { DashboardSchema, type ParsedDashboard, type ParsedPanel } from './dashboard-schema.ts';
import { expandQuery, parseDuration, type TemplateVariable } from './grafana-sql.ts';

/** The dashboards package directory. */
export const PACKAGE_DIR = join(import.meta.dirname, '..', '..');
/** The generated dashboard files. */
export const JSON_DIR = join(PACKAGE_DIR, 'json');

/** Every dashboard file, parsed and validated. */
export function loadDashboards(): { file: string; dashboard: ParsedDashboard }[] {
  return readdirSync(JSON_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({
      file,
      dashboard: DashboardSchema.parse(JSON.parse(readFileSync(join(JSON_DIR, file), 'utf8'))),
    }));
}

/** One dashboard, by uid. */
export function loadDashboard(uid: string): ParsedDashboard {
  const found = loadDashboards().find((d) => d.dashboard.uid === uid);
  if (!found) throw new Error(`no dashboard ${uid}`);
  return found.dashboard;
}

/** Variable picks by name; a multi-value variable not named here selects All. */
export type Selection = Readonly<Record<string, string | readonly string[]>>;

/** The time range and variable picks of a dashboard load. */
export type LoadOptions = { from: Date; to: Date; selection?: Selection };

/** What one panel query needs: the range, the resolved variables, optionally a fixed interval. */
export type PanelOptions = {
  from: Date;
  to: Date;
  variables: readonly TemplateVariable[];
  /** Overrides the interval derived from the range and the panel's minimum. */
  intervalMs?: number;
  /** Per-query variables such as a data link's `__value.raw`. */
  scoped?: Readonly<Record<string, string>>;
};

/** An executed statement: its SQL, column names and types, and rows. */
export type QueryResult = {
  sql: string;
  meta: { name: string; type: string }[];
  rows: Record<string, unknown>[];
};

/** Runs one expanded statement; UInt64 and Decimal values arrive as strings or numbers. */
export async function runSql(store: Store, sql: string): Promise<QueryResult> {
  try {
    const result = await store.client.query({ query: sql, format: 'JSON' });
    const json = await result.json<Record<string, unknown>>();
    return { sql, meta: json.meta ?? [], rows: json.data };
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- SQL ---\n${sql}`, { cause: err });
  }
}

/** The dashboard's variables with their values, as Grafana resolves them on load. */
export async function resolveVariables(
  store: Store,
  dashboard: ParsedDashboard,
  options: LoadOptions,
): Promise<TemplateVariable[]> {
  const resolved: TemplateVariable[] = [];
  for (const variable of dashboard.templating.list) {
    const picked = options.selection?.[variable.name];
    if (variable.type === 'textbox') {
      resolved.push({ name: variable.name, current: picked ?? variable.query });
      continue;
    }
    const sql = expandQuery(variable.query.rawSql, {
      from: options.from,
      to: options.to,
      intervalMs: 60_000,
      variables: resolved,
    });
    const { rows } = await runSql(store, sql);
    // One column: value and text are the same (the plugin's metricFindQuery).
    const values = rows.map((row) => String(Object.values(row)[0]));
    // A single-value variable whose saved value is not offered starts on the first option.
    const current = picked ?? (variable.includeAll ? ['$__all'] : (values[0] ?? ''));
    resolved.push({ name: variable.name, current, options: values, allValue: variable.allValue });
  }
  return resolved;
}

/**
 * Grafana's panel interval, simplified: the range over 1,000 points, rounded up to a second, and
 * never below the panel's minimum interval (Grafana's rounding ladder is not reproduced).
 */
export function panelIntervalMs(panel: ParsedPanel, from: Date, to: Date): number {
  const raw = Math.ceil((to.getTime() - from.getTime()) / 1000 / 1000) * 1000;
  const min = panel.interval ? parseDuration(panel.interval) : 1;
  return Math.max(raw, min);
}

/** The statement ClickHouse receives for a panel's (single) target. */
export function expandPanel(panel: ParsedPanel, options: PanelOptions): string {
  const intervalMs = options.intervalMs ?? panelIntervalMs(panel, options.from, options.to);
  return expandQuery(panel.targets[0]!.rawSql, { ...options, intervalMs });
}

/** Runs a panel's (single) target. */
export function runPanel(store: Store, panel: ParsedPanel, options: PanelOptions) {
  return runSql(store, expandPanel(panel, options));
}

/** Loads the dashboard's variables, then runs the panel with that title. */
export async function runTitled(
  store: Store,
  dashboard: ParsedDashboard,
  title: string,
  options: LoadOptions & { intervalMs?: number },
): Promise<QueryResult> {
  const variables = await resolveVariables(store, dashboard, options);
  return runPanel(store, panelByTitle(dashboard, title), { ...options, variables });
}

/** A panel by title. */
export function panelByTitle(dashboard: ParsedDashboard, title: string): ParsedPanel {
  const panel = dashboard.panels.find((p) => p.title === title);
  if (!panel) throw new Error(`no panel "${title}" in ${dashboard.uid}`);
  return panel;
}

/** Numbers from ClickHouse JSON (64-bit integers and decimals may come quoted). */
export const num = (value: unknown): number => (value === null ? Number.NaN : Number(value));
