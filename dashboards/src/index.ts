import type { Dashboard } from '@grafana/schema';
import { budgets } from './budgets.ts';
import { burnRate } from './burn-rate.ts';
import { cache } from './cache.ts';
import { failures } from './failures.ts';
import { overview } from './overview.ts';
import { sessions } from './sessions.ts';
import { tasks } from './tasks.ts';

// What the tests compare provisioning and compose against.
export { DATASOURCE_UID, PLUGIN_VERSION, SCHEMA_VERSION } from './grafana.ts';

/** Where the generated dashboard JSON lives, relative to the dashboards package. */
export const JSON_DIR = 'json';

/** Every dashboard, by the file it is written to. */
export function buildDashboards(): Map<string, Dashboard> {
  const all = [overview(), tasks(), cache(), failures(), burnRate(), budgets(), sessions()];
  return new Map(all.map((d) => [`${d.uid}.json`, d]));
}

/** The file text of a dashboard: stable key order as built, two-space indent, final newline. */
export function renderDashboard(d: Dashboard): string {
  return `${JSON.stringify(d, null, 2)}\n`;
}
