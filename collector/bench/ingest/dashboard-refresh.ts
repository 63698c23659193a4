/**
 * @module
 * A Grafana dashboard refresh replayed through a running `tokenwatch serve`: the dashboard's
 * variables are resolved in order by running their queries, then every panel query runs, each
 * expanded as Grafana and the ClickHouse plugin expand it (the dashboards' own test support), over
 * the dashboard's default range ending now. Statements go through the admin SQL API one after
 * another, so each one's wall time is its own work plus whatever it waited for in the server.
 */
import {
  expandQuery,
  type TemplateVariable,
} from '../../../dashboards/test/support/grafana-sql.ts';
import { expandPanel, loadDashboard } from '../../../dashboards/test/support/runner.ts';
import type { AdminSql } from './admin-sql.ts';

/** One statement of a refresh and its wall time (send to full answer). */
export type TimedQuery = { name: string; ms: number };

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The length of a relative range start such as `now-6h`. */
function rangeMs(from: string): number {
  const match = /^now-(\d+)([mhd])$/.exec(from);
  if (!match) throw new Error(`unsupported dashboard range start ${from}`);
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

/**
 * Refreshes the dashboard `uid` once, as Grafana does on its refresh timer (variables set to
 * refresh on a time range change are resolved again, then the panels run). Filters stay on All.
 */
export async function refreshDashboard(sql: AdminSql, uid: string): Promise<TimedQuery[]> {
  const dashboard = loadDashboard(uid);
  const to = new Date();
  const from = new Date(to.getTime() - rangeMs(dashboard.time.from));
  const timed: TimedQuery[] = [];
  const run = async (name: string, statement: string) => {
    const sent = performance.now();
    const rows = await sql(statement);
    timed.push({ name, ms: performance.now() - sent });
    return rows;
  };
  const variables: TemplateVariable[] = [];
  for (const variable of dashboard.templating.list) {
    if (variable.type === 'textbox') {
      variables.push({ name: variable.name, current: variable.query });
      continue;
    }
    const statement = expandQuery(variable.query.rawSql, {
      from,
      to,
      intervalMs: 60_000,
      variables,
    });
    const values = (await run(`$${variable.name}`, statement)).map((row) => String(row[0]));
    variables.push({
      name: variable.name,
      current: variable.includeAll ? ['$__all'] : (values[0] ?? ''),
      options: values,
      allValue: variable.allValue,
    });
  }
  for (const panel of dashboard.panels)
    await run(panel.title, expandPanel(panel, { from, to, variables }));
  return timed;
}
