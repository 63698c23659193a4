import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { FILTER_VARIABLES } from '../src/filters.ts';
import { buildDashboards, DATASOURCE_UID, PLUGIN_VERSION, renderDashboard } from '../src/index.ts';
import type { ParsedDashboard, ParsedPanel } from './support/dashboard-schema.ts';
import { LinkSchema } from './support/dashboard-schema.ts';
import { parseDuration } from './support/grafana-sql.ts';
import { JSON_DIR, loadDashboards, PACKAGE_DIR } from './support/runner.ts';

const dashboards = loadDashboards();
const byUid = new Map(dashboards.map(({ dashboard }) => [dashboard.uid, dashboard]));

/** Data links set in field overrides. */
function linksOf(panel: ParsedPanel): Link[] {
  return (panel.fieldConfig?.overrides ?? []).flatMap((o) =>
    o.properties.filter((p) => p.id === 'links').flatMap((p) => z.array(LinkSchema).parse(p.value)),
  );
}
type Link = z.infer<typeof LinkSchema>;

/** Every SQL statement of a dashboard: panel targets, variable queries, data-link queries. */
function statements(d: ParsedDashboard): { where: string; sql: string }[] {
  return [
    ...d.panels.map((p) => ({ where: `panel "${p.title}"`, sql: p.targets[0]!.rawSql })),
    ...d.templating.list.flatMap((v) =>
      v.type === 'query' ? [{ where: `variable ${v.name}`, sql: v.query.rawSql }] : [],
    ),
    ...d.panels.flatMap((p) =>
      linksOf(p).flatMap((l) =>
        l.internal ? [{ where: `link of "${p.title}"`, sql: l.internal.query.rawSql }] : [],
      ),
    ),
  ];
}

const provisionedUid = (() => {
  const file = join(PACKAGE_DIR, 'provisioning', 'datasources', 'tokenwatch.yaml');
  const doc = parse(readFileSync(file, 'utf8')) as { datasources: { uid: string }[] };
  return doc.datasources[0]!.uid;
})();

// What the plugin expands: its macros, macropro's defaults and Grafana's interval variables.
const KNOWN_MACROS = new Set([
  'conditionalAll',
  'timeFilter',
  'timeFilter_ms',
  'dateFilter',
  'dateTimeFilter',
  'dt',
  'timeFrom',
  'timeTo',
  'fromTime',
  'toTime',
  'fromTime_ms',
  'toTime_ms',
  'timeInterval',
  'timeInterval_ms',
  'interval_s',
  'timeGroup',
  'interval',
  'interval_ms',
]);

const ROLLUP_MEASURE =
  /\b(calls|failed_calls|unpriced_calls|usage_missing_calls|\w+_tokens|\w+_cost)\b/;

describe('dashboard files', () => {
  it('are what dashboards/src builds (run `node --import tsx dashboards/src/build.ts`)', () => {
    const built = buildDashboards();
    const files = readdirSync(JSON_DIR).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual([...built.keys()].sort());
    for (const [file, d] of built) {
      expect(readFileSync(join(JSON_DIR, file), 'utf8'), `${file} is out of date`).toBe(
        renderDashboard(d),
      );
    }
  });

  it('are the seven Tokenwatch dashboards', () => {
    expect([...byUid.keys()].sort()).toEqual([
      'tokenwatch-budgets',
      'tokenwatch-burn-rate',
      'tokenwatch-cache',
      'tokenwatch-failures',
      'tokenwatch-overview',
      'tokenwatch-sessions',
      'tokenwatch-tasks',
    ]);
  });

  it('reference the datasource uid that provisioning gives the datasource', () => {
    expect(provisionedUid).toBe(DATASOURCE_UID);
  });
});

describe.each(dashboards)('$file', ({ file, dashboard }) => {
  it('is named after its uid and has a supported schema version', () => {
    expect(file).toBe(`${dashboard.uid}.json`);
    // 41 is Grafana 12's; @grafana/schema 13 knows 42 and migrates older ones on load.
    expect(dashboard.schemaVersion).toBe(41);
  });

  it('has unique panel ids and titles, and panels that do not overlap', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const titles = dashboard.panels.map((p) => p.title);
    expect(new Set(titles).size).toBe(titles.length);
    const cells = new Set<string>();
    for (const { gridPos: g, title } of dashboard.panels) {
      for (let x = g.x; x < g.x + g.w; x++) {
        for (let y = g.y; y < g.y + g.h; y++) {
          expect(cells.has(`${x},${y}`), `"${title}" overlaps another panel`).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
  });

  it('uses the provisioned datasource in every panel, target, variable and link', () => {
    const uids = [
      ...dashboard.panels.flatMap((p) => [
        p.datasource.uid,
        ...p.targets.map((t) => t.datasource.uid),
      ]),
      ...dashboard.templating.list.flatMap((v) => (v.type === 'query' ? [v.datasource.uid] : [])),
      ...dashboard.panels.flatMap((p) =>
        linksOf(p).flatMap((l) => (l.internal ? [l.internal.datasourceUid] : [])),
      ),
    ];
    expect(new Set(uids)).toEqual(new Set([provisionedUid]));
    for (const t of dashboard.panels.flatMap((p) => p.targets)) {
      expect(t.pluginVersion).toBe(PLUGIN_VERSION);
    }
  });

  it('has the filter variables, each list narrowed by the ones before it', () => {
    const filters = dashboard.templating.list.slice(0, FILTER_VARIABLES.length);
    expect(filters.map((v) => v.name)).toEqual([...FILTER_VARIABLES]);
    filters.forEach((v, i) => {
      if (v.type !== 'query') throw new Error(`${v.name} is not a query variable`);
      expect(v).toMatchObject({ multi: true, includeAll: true, current: { value: ['$__all'] } });
      // A custom all value would replace the list; "All" must mean no filter at all.
      expect(v.allValue).toBeUndefined();
      for (const before of FILTER_VARIABLES.slice(0, i)) {
        expect(v.query.rawSql).toContain(
          `$__conditionalAll(${before} IN (\${${before}:singlequote}), $${before})`,
        );
      }
    });
  });

  it('wraps every filter in $__conditionalAll on a variable it defines', () => {
    const names = new Set(dashboard.templating.list.map((v) => v.name));
    for (const { where, sql } of statements(dashboard)) {
      for (const m of sql.matchAll(/\$__conditionalAll\((.+?), \$(\w+)\)/g)) {
        expect(names.has(m[2]!), `${where}: unknown variable ${m[2]}`).toBe(true);
        expect(m[1], where).toContain(`\${${m[2]}:singlequote}`);
      }
      // Multi-value variables only appear inside $__conditionalAll, quoted.
      const outside = sql.replace(/\$__conditionalAll\((.+?), \$\w+\)/g, '');
      for (const v of FILTER_VARIABLES) {
        expect(outside, `${where}: $${v} outside $__conditionalAll`).not.toMatch(
          new RegExp(`\\$\\{?${v}\\b`),
        );
      }
    }
  });

  it('filters every panel by tenant', () => {
    for (const p of dashboard.panels) {
      expect(p.targets[0]!.rawSql, p.title).toMatch(
        /\$__conditionalAll\([\w.]+ IN \(\$\{tenant:singlequote\}\), \$tenant\)/,
      );
    }
  });

  it('reads tasks with FINAL, calls without, the rollup with sum(), and sets no settings', () => {
    for (const { where, sql } of statements(dashboard)) {
      // A task has a row per report of it (started, ended): FINAL keeps the latest. A call has
      // one visible row (the writer drops repeats; a reprice deletes the version it replaces).
      for (const m of sql.matchAll(/\bFROM (llm_calls|tasks)\b(?:\s+AS\s+\w+)?(\s+FINAL\b)?/g)) {
        if (m[1] === 'tasks') expect(m[2], `${where}: tasks without FINAL`).toBeDefined();
        else expect(m[2], `${where}: llm_calls with FINAL`).toBeUndefined();
      }
      // Rollup rows of one key add up only when merged: measures are always summed (the seed
      // inserts in several blocks, so a measure read without sum() also fails its value test).
      if (/\bllm_usage_1m\b/.test(sql) && ROLLUP_MEASURE.test(sql)) {
        expect(sql, where).toMatch(/\bsum(If)?\(/);
      }
      // The Grafana user is readonly=1: only max_execution_time may change.
      expect(sql, where).not.toMatch(/\bSETTINGS\b/i);
      for (const m of sql.matchAll(/\$__(\w+)/g)) {
        expect(KNOWN_MACROS.has(m[1]!), `${where}: unknown macro $__${m[1]}`).toBe(true);
      }
    }
  });

  it('buckets rollup time series by a minute at least', () => {
    for (const p of dashboard.panels.filter((p) => p.type === 'timeseries')) {
      if (!/\$__timeInterval\((\w+\.)?minute\)/.test(p.targets[0]!.rawSql)) continue;
      expect(parseDuration(p.interval ?? '0'), p.title).toBeGreaterThanOrEqual(60_000);
    }
  });

  it('links to dashboards and variables that exist', () => {
    for (const p of dashboard.panels) {
      for (const link of linksOf(p)) {
        if (link.internal) continue;
        const m = /^\/d\/([\w-]+)\/[\w-]+\?(.*)$/.exec(link.url);
        expect(m, `${p.title}: ${link.url}`).not.toBeNull();
        const target = byUid.get(m![1]!);
        expect(target, `${p.title}: no dashboard ${m![1]}`).toBeDefined();
        const vars = new Set(target!.templating.list.map((v) => v.name));
        for (const param of m![2]!.matchAll(/var-(\w+)=/g)) {
          expect(vars.has(param[1]!), `${p.title}: no variable ${param[1]}`).toBe(true);
        }
      }
    }
  });
});
