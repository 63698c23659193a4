/**
 * @module
 * Every dashboard panel and variable query, expanded as Grafana and the ClickHouse plugin expand
 * them (the dashboards' own test support: `$__timeFilter`, `$__timeInterval`, `$__conditionalAll`,
 * template variables), over a 24-hour and a 7-day dashboard range with every filter on All.
 */
import type { Store } from '@tokenwatch/store';
import { expandQuery } from '../../dashboards/test/support/grafana-sql.ts';
import {
  expandPanel,
  loadDashboards,
  resolveVariables,
  runSql,
  type Selection,
} from '../../dashboards/test/support/runner.ts';
import type { QueryCase } from './analyzer-cases.ts';

const HOUR_MS = 3_600_000;
/** Dashboard time ranges, ending now as Grafana's `now-24h` / `now-7d` do. */
export const PANEL_RANGES = [
  { label: '24h', ms: 24 * HOUR_MS },
  { label: '7d', ms: 7 * 24 * HOUR_MS },
] as const;

/**
 * The panel queries of every dashboard. Variables are resolved once per dashboard and range (their
 * own queries are benchmarked as cases too); `selection` picks textbox values such as a trace id.
 */
export async function panelCases(
  store: Store,
  now: Date,
  selection: Selection,
): Promise<QueryCase[]> {
  const cases: QueryCase[] = [];
  for (const { label, ms } of PANEL_RANGES) {
    const from = new Date(now.getTime() - ms);
    for (const { dashboard } of loadDashboards()) {
      const group = dashboard.uid.replace(/^tokenwatch-/, '');
      const variables = await resolveVariables(store, dashboard, { from, to: now, selection });
      dashboard.templating.list.forEach((variable, i) => {
        if (variable.type === 'textbox') return;
        // Each variable query sees the variables before it, as on a dashboard load.
        const sql = expandQuery(variable.query.rawSql, {
          from,
          to: now,
          intervalMs: 60_000,
          variables: variables.slice(0, i),
        });
        cases.push({
          group: `dashboard ${group}`,
          name: `$${variable.name} ${label}`,
          run: () => runSql(store, sql),
          sql,
        });
      });
      for (const panel of dashboard.panels) {
        const sql = expandPanel(panel, { from, to: now, variables });
        cases.push({
          group: `dashboard ${group}`,
          name: `${panel.title} ${label}`,
          run: () => runSql(store, sql),
          sql,
        });
      }
    }
  }
  return cases;
}
