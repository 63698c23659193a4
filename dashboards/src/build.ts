/**
 * Writes the dashboard JSON files from their TypeScript definitions. Run from the repository root
 * after changing a dashboard (the tests fail while a file is out of date):
 *
 *   node --import tsx dashboards/src/build.ts
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDashboards, JSON_DIR, renderDashboard } from './index.ts';

const dir = join(import.meta.dirname, '..', JSON_DIR);
mkdirSync(dir, { recursive: true });
const dashboards = buildDashboards();
// A dashboard that was renamed or removed must not linger: Grafana would keep provisioning it.
for (const file of readdirSync(dir)) {
  if (file.endsWith('.json') && !dashboards.has(file)) rmSync(join(dir, file));
}
for (const [file, d] of dashboards) writeFileSync(join(dir, file), renderDashboard(d));
console.log(`wrote ${dashboards.size} dashboards to ${dir}`);
