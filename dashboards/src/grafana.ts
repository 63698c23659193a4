/**
 * @module
 * Small builders for Grafana dashboard JSON (schemaVersion 41) with ClickHouse targets. The
 * dashboards are written in TypeScript so their SQL stays readable and shares one set of filters;
 * `build.ts` writes the JSON files Grafana provisions.
 */
import type {
  Dashboard,
  DataSourceRef,
  FieldConfigSource,
  Panel,
  VariableModel,
} from '@grafana/schema';

/** The provisioned ClickHouse datasource every panel and variable references. */
export const DATASOURCE_UID = 'tokenwatch-clickhouse';
/** The datasource reference of panels, targets and variables. */
export const DATASOURCE: DataSourceRef = {
  type: 'grafana-clickhouse-datasource',
  uid: DATASOURCE_UID,
};
/** The plugin version the targets are written for (pinned in docker/compose.yaml). */
export const PLUGIN_VERSION = '4.20.0';
/**
 * Grafana 12's dashboard schema version; newer Grafana migrates it on load. The range the plugin's
 * own bundled dashboards use (36–41).
 */
export const SCHEMA_VERSION = 41;

/** sqlds result formats. */
export const FORMAT = { timeSeries: 0, table: 1, traces: 3 } as const;
type Format = (typeof FORMAT)[keyof typeof FORMAT];
const QUERY_TYPE: Record<Format, string> = { 0: 'timeseries', 1: 'table', 3: 'traces' };

/** A ClickHouse SQL target. */
export type ClickHouseTarget = {
  refId: string;
  datasource: DataSourceRef;
  editorType: 'sql';
  format: Format;
  queryType: string;
  rawSql: string;
  pluginVersion: string;
};

/** A panel's SQL target in the given result format. */
export function target(rawSql: string, format: Format): ClickHouseTarget {
  return {
    refId: 'A',
    datasource: DATASOURCE,
    editorType: 'sql',
    format,
    queryType: QUERY_TYPE[format],
    rawSql: dedent(rawSql),
    pluginVersion: PLUGIN_VERSION,
  };
}

/** Removes the common indentation of a template literal, so the SQL reads well in Grafana. */
export function dedent(text: string): string {
  const lines = text.replace(/^\n+|\s+$/g, '').split('\n');
  const indents = lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length);
  const cut = Math.min(...indents);
  return lines.map((l) => l.slice(cut)).join('\n');
}

/**
 * SQL text: the template's common indentation removed, and each multi-line value indented to the
 * column it is inserted at, so nested fragments read as one statement in Grafana's editor.
 */
export function sql(strings: TemplateStringsArray, ...values: (string | number)[]): string {
  let out = strings[0]!;
  values.forEach((value, i) => {
    const indent = /^ */.exec(out.slice(out.lastIndexOf('\n') + 1))![0];
    const text = String(value);
    out += (text.includes('\n') ? dedent(text) : text).replace(/\n/g, `\n${indent}`);
    out += strings[i + 1]!;
  });
  return dedent(out);
}

/** A panel before layout: width and height in grid units, placed left to right by `layout`. */
export type PanelSpec = Omit<Panel, 'id' | 'gridPos'> & { w: number; h: number };

type FieldOverride = FieldConfigSource['overrides'][number];

/** Field options by field name (units, links, display names). */
export function override(field: string, properties: Record<string, unknown>): FieldOverride {
  return {
    matcher: { id: 'byName', options: field },
    properties: Object.entries(properties).map(([id, value]) => ({ id, value })),
  };
}

type Common = {
  title: string;
  description: string;
  sql: string;
  w: number;
  h: number;
  unit?: string;
  overrides?: FieldOverride[];
};

function fieldConfig(unit: string | undefined, overrides: FieldOverride[] = [], extra = {}) {
  return { defaults: { ...(unit ? { unit } : {}), ...extra }, overrides };
}

/**
 * A time series in long format (time, series name, values), ordered by time: the plugin pivots it
 * to one series per name. `interval` is the smallest bucket: 1m for the per-minute rollup, so a
 * bucket never splits a rollup minute.
 */
export function timeSeries(
  o: Common & { interval?: string; stack?: boolean; thresholdLine?: number },
): PanelSpec {
  const extra: Record<string, unknown> = {};
  // Long-format results carry the series name as a label; show it alone in the legend.
  if (/\bAS series\b/.test(o.sql)) extra.displayName = `\${__field.labels.series}`;
  if (o.thresholdLine !== undefined) {
    extra.thresholds = {
      mode: 'absolute',
      steps: [
        { color: 'green', value: null },
        { color: 'red', value: o.thresholdLine },
      ],
    };
  }
  return {
    type: 'timeseries',
    title: o.title,
    description: o.description,
    w: o.w,
    h: o.h,
    datasource: DATASOURCE,
    interval: o.interval ?? '1m',
    targets: [target(o.sql, FORMAT.timeSeries)],
    fieldConfig: fieldConfig(o.unit, o.overrides, {
      ...extra,
      custom: {
        drawStyle: 'line',
        lineWidth: 1,
        fillOpacity: o.stack ? 40 : 10,
        showPoints: 'never',
        stacking: { mode: o.stack ? 'normal' : 'none', group: 'A' },
        thresholdsStyle: { mode: o.thresholdLine === undefined ? 'off' : 'line' },
      },
    }),
    options: {
      legend: { displayMode: 'table', placement: 'right', calcs: ['sum', 'max'], showLegend: true },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
  };
}

/** One number (the first row of a table result). */
export function stat(o: Common & { decimals?: number }): PanelSpec {
  return {
    type: 'stat',
    title: o.title,
    description: o.description,
    w: o.w,
    h: o.h,
    datasource: DATASOURCE,
    targets: [target(o.sql, FORMAT.table)],
    fieldConfig: fieldConfig(
      o.unit,
      o.overrides,
      o.decimals === undefined ? {} : { decimals: o.decimals },
    ),
    options: {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      colorMode: 'value',
      graphMode: 'none',
      textMode: 'auto',
      justifyMode: 'auto',
    },
  };
}

/** A table; `overrides` set units and links per column. */
export function table(o: Common): PanelSpec {
  return {
    type: 'table',
    title: o.title,
    description: o.description,
    w: o.w,
    h: o.h,
    datasource: DATASOURCE,
    targets: [target(o.sql, FORMAT.table)],
    fieldConfig: fieldConfig(o.unit, o.overrides),
    options: { showHeader: true, cellHeight: 'sm', footer: { show: false } },
  };
}

/** Grafana builds the buckets from one value per row. */
export function histogram(o: Common & { bucketCount?: number }): PanelSpec {
  return {
    type: 'histogram',
    title: o.title,
    description: o.description,
    w: o.w,
    h: o.h,
    datasource: DATASOURCE,
    targets: [target(o.sql, FORMAT.table)],
    fieldConfig: fieldConfig(o.unit, o.overrides),
    options: {
      bucketCount: o.bucketCount ?? 30,
      combine: false,
      legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
    },
  };
}

/** Grafana's trace view over a trace-format result. */
export function traces(o: Common): PanelSpec {
  return {
    type: 'traces',
    title: o.title,
    description: o.description,
    w: o.w,
    h: o.h,
    datasource: DATASOURCE,
    targets: [target(o.sql, FORMAT.traces)],
  };
}

/** Places panels left to right in rows of 24 columns and numbers them from 1. */
export function layout(specs: readonly PanelSpec[]): Panel[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return specs.map(({ w, h, ...panel }, i) => {
    if (x + w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const placed = { id: i + 1, gridPos: { x, y, w, h }, ...panel };
    x += w;
    rowHeight = Math.max(rowHeight, h);
    return placed;
  });
}

/**
 * A query variable. Multi-value ones (the default) offer "All", and "All" or an empty pick means
 * no filter: panels wrap their condition in `$__conditionalAll(…, $name)`, so no custom all value
 * is needed. A single-value one starts on the first value the query returns.
 */
export function queryVariable(
  name: string,
  label: string,
  sql: string,
  { multi = true }: { multi?: boolean } = {},
): VariableModel {
  return {
    type: 'query',
    name,
    label,
    datasource: DATASOURCE,
    query: { editorType: 'sql', rawSql: dedent(sql) },
    refresh: 2,
    multi,
    includeAll: multi,
    sort: multi ? 1 : 0,
    current: multi
      ? { selected: true, text: ['All'], value: ['$__all'] }
      : { selected: false, text: '', value: '' },
    options: [],
    hide: 0,
  } satisfies VariableModel;
}

/** A free-text variable with a default. */
export function textVariable(name: string, label: string, value: string, description: string) {
  return {
    type: 'textbox',
    name,
    label,
    description,
    query: value,
    current: { selected: false, text: value, value },
    options: [{ selected: true, text: value, value }],
    hide: 0,
  } satisfies VariableModel;
}

/** A Tokenwatch dashboard with the shared defaults (UTC, last 6 hours, shared crosshair). */
export function dashboard(o: {
  uid: string;
  title: string;
  description: string;
  variables: VariableModel[];
  panels: PanelSpec[];
  time?: { from: string; to: string };
}): Dashboard {
  return {
    uid: o.uid,
    title: o.title,
    description: o.description,
    tags: ['tokenwatch'],
    editable: false,
    graphTooltip: 1,
    timezone: 'utc',
    time: o.time ?? { from: 'now-6h', to: 'now' },
    refresh: '1m',
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    links: [
      {
        title: 'Tokenwatch',
        type: 'dashboards',
        tags: ['tokenwatch'],
        asDropdown: true,
        includeVars: true,
        keepTime: true,
        icon: 'external link',
        targetBlank: false,
        tooltip: '',
        url: '',
      },
    ],
    annotations: { list: [] },
    templating: { list: o.variables },
    panels: layout(o.panels),
  };
}
