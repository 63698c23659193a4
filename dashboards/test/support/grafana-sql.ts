/**
 * @module
 * Expands a ClickHouse panel query the way Grafana and the grafana-clickhouse-datasource plugin
 * (4.20.0) do before the SQL reaches ClickHouse, so tests can run the exact statement:
 *
 * 1. frontend `$__conditionalAll(condition, $var)` (`CHDatasource.applyConditionalAll`);
 * 2. frontend template variables (`templateSrv.replace` with the plugin's format function);
 * 3. backend macros (grafana/macropro's parser with the plugin's ClickHouse overrides), after
 *    comments are blanked out as macropro does.
 *
 * Statement macros (`$__columns`, `$__rateColumns`, …) and ad hoc filters are not implemented:
 * the dashboards do not use them, and an unknown use fails loudly rather than passing through.
 */

/** A template variable as the dashboard holds it at query time. */
export type TemplateVariable = {
  name: string;
  /** The selection: `'$__all'` / `['$__all']` for "All", `[]` for nothing picked. */
  current: string | readonly string[];
  /** The options "All" stands for (Grafana uses the values the variable query returned). */
  options?: readonly string[];
  /** A custom "All" value, used verbatim instead of the list of options. */
  allValue?: string;
};

/** What Grafana knows when it sends a query: the panel time range and interval, the variables. */
export type QueryContext = {
  from: Date;
  to: Date;
  /** The panel interval in milliseconds (`$__interval_ms`). */
  intervalMs: number;
  variables: readonly TemplateVariable[];
  /** Per-query variables, such as a data link's `__value.raw` (keyed with its field path). */
  scoped?: Readonly<Record<string, string>>;
};

const ALL = '$__all';

// --- 1. $__conditionalAll (frontend) ------------------------------------------------------------

/**
 * `CHDatasource.applyConditionalAll`: from the last occurrence backwards, the condition becomes
 * `1=1` when the variable named in the second argument selects All or nothing. Arguments are split
 * on commas at the macro's own bracket depth (quotes are not understood, as in the plugin), and a
 * call without exactly two arguments stops the expansion where it is.
 */
export function applyConditionalAll(sql: string, variables: readonly TemplateVariable[]): string {
  const macro = '$__conditionalAll(';
  let query = sql;
  let index = query.lastIndexOf(macro);
  while (index !== -1) {
    const params = conditionalAllArgs(query, index + macro.length - 1);
    if (params.length !== 2) return query;
    const [condition, variableArg] = params as [string, string];
    const name = /(?<=\$\{)[\w\d]+(?=\})|(?<=\$)[\w\d]+/.exec(variableArg.trim())?.[0];
    let phrase = condition;
    if (name !== undefined) {
      const variable = variables.find((v) => v.name === name);
      // The plugin reads `current.value.toString()`: an array joins with commas.
      const value = variable === undefined ? undefined : String(variable.current);
      if (value === '' || value === ALL) phrase = '1=1';
    }
    query = query.replace(`${macro}${condition},${variableArg})`, () => phrase);
    index = query.lastIndexOf(macro);
  }
  return query;
}

function conditionalAllArgs(query: string, openIndex: number): string[] {
  const args: string[] = [];
  const rest = query.substring(openIndex);
  const re = /\(|\)|,/g;
  let depth = 0;
  let lastArgEnd = 1;
  for (let m = re.exec(rest); m !== null; m = re.exec(rest)) {
    if (m[0] === '(') depth++;
    else if (m[0] === ')') depth--;
    if (m[0] === ',' && depth === 1) {
      args.push(rest.substring(lastArgEnd, re.lastIndex - 1));
      lastArgEnd = re.lastIndex;
    }
    if (depth === 0) {
      args.push(rest.substring(lastArgEnd, re.lastIndex - 1));
      return args;
    }
  }
  return [];
}

// --- 2. template variables (frontend) -----------------------------------------------------------

// Grafana's variable syntax: $name, [[name:format]] and ${name.fieldPath:format}.
const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;

type Formatter = (value: string | readonly string[]) => string;

const quoteAll =
  (quote: (v: string) => string): Formatter =>
  (value) =>
    typeof value === 'string' ? quote(value) : value.map(quote).join(',');

/** The formats of Grafana's format registry that these dashboards may use. */
const FORMATS: Record<string, Formatter> = {
  singlequote: quoteAll((v) => `'${v.replace(/'/g, "\\'")}'`),
  doublequote: quoteAll((v) => `"${v.replace(/"/g, '\\"')}"`),
  sqlstring: quoteAll((v) => `'${v.replace(/'/g, "''")}'`),
  csv: (value) => (typeof value === 'string' ? value : value.join(',')),
  raw: (value) => (typeof value === 'string' ? value : value.join(',')),
};

/** The plugin's default format (`CHDatasource.format`): arrays become `'a','b'`, unescaped. */
const pluginFormat: Formatter = (value) =>
  typeof value === 'string' ? value : `'${value.join("','")}'`;

const isAll = (current: string | readonly string[]) =>
  current === ALL || (typeof current !== 'string' && current.length === 1 && current[0] === ALL);

/**
 * `templateSrv.replace(sql, scopedVars, pluginFormat)`: scoped variables first, then dashboard
 * variables; a name that is neither is left as written (macros such as `$__timeFilter` pass
 * through to the backend this way). "All" expands to every option, or to a custom all value
 * without formatting.
 */
export function interpolateVariables(sql: string, ctx: QueryContext): string {
  const scoped: Record<string, string> = {
    __interval: formatDuration(ctx.intervalMs),
    __interval_ms: String(ctx.intervalMs),
    ...ctx.scoped,
  };
  return sql.replace(VARIABLE, (match, g1, g2, g3, g4, fieldPath, g6) => {
    const name = (g1 ?? g2 ?? g4) as string;
    const format = (g3 ?? g6) as string | undefined;
    const formatter = format === undefined ? pluginFormat : FORMATS[format];
    if (formatter === undefined) throw new Error(`unsupported variable format ${match}`);
    // Field paths only come from data links (`${__value.raw}`), given as scoped variables.
    const key = fieldPath === undefined ? name : `${name}.${fieldPath}`;
    const scopedValue = scoped[key];
    if (fieldPath !== undefined && scopedValue === undefined) {
      throw new Error(`unsupported variable field path ${match}`);
    }
    if (scopedValue !== undefined) return formatter(scopedValue);
    const variable = ctx.variables.find((v) => v.name === name);
    if (variable === undefined) return match;
    if (isAll(variable.current)) {
      if (variable.allValue !== undefined) return variable.allValue;
      return formatter(variable.options ?? []);
    }
    return formatter(variable.current);
  });
}

// --- 3. backend macros ----------------------------------------------------------------------------

type Macro = (args: string[], ctx: QueryContext) => string;

const seconds = (d: Date) => Math.trunc(d.getTime() / 1000);
const toDateTime = (d: Date) => `toDateTime(${seconds(d)})`;
const toDateTime64 = (d: Date) => `fromUnixTimestamp64Milli(${d.getTime()})`;
const toDate = (d: Date) => `toDate('${d.toISOString().slice(0, 10)}')`;
const intervalSeconds = (ctx: QueryContext) => Math.trunc(Math.max(ctx.intervalMs / 1000, 1));

function arity(name: string, args: string[], count: number): void {
  if (args.length !== count || args.some((a) => a === '')) {
    throw new Error(`$__${name}: expected ${count} argument(s), received ${args.length}`);
  }
}

/** The plugin's ClickHouse macros (pkg/macros) merged over macropro's defaults. */
const MACROS: Record<string, Macro> = {
  fromTime: (_a, ctx) => toDateTime(ctx.from),
  toTime: (_a, ctx) => toDateTime(ctx.to),
  fromTime_ms: (_a, ctx) => toDateTime64(ctx.from),
  toTime_ms: (_a, ctx) => toDateTime64(ctx.to),
  timeFilter: (a, ctx) => {
    arity('timeFilter', a, 1);
    return `${a[0]} >= ${toDateTime(ctx.from)} AND ${a[0]} <= ${toDateTime(ctx.to)}`;
  },
  timeFilter_ms: (a, ctx) => {
    arity('timeFilter_ms', a, 1);
    return `${a[0]} >= ${toDateTime64(ctx.from)} AND ${a[0]} <= ${toDateTime64(ctx.to)}`;
  },
  dateFilter: (a, ctx) => {
    arity('dateFilter', a, 1);
    return `${a[0]} >= ${toDate(ctx.from)} AND ${a[0]} <= ${toDate(ctx.to)}`;
  },
  dateTimeFilter: (a, ctx) => dateTimeFilter(a, ctx),
  dt: (a, ctx) => dateTimeFilter(a, ctx),
  timeFrom: (a, ctx) => {
    arity('timeFrom', a, 1);
    return `${a[0]} >= ${toDateTime(ctx.from)}`;
  },
  timeTo: (a, ctx) => {
    arity('timeTo', a, 1);
    return `${a[0]} <= ${toDateTime(ctx.to)}`;
  },
  timeInterval: (a, ctx) => {
    arity('timeInterval', a, 1);
    return `toStartOfInterval(toDateTime(${a[0]}), INTERVAL ${intervalSeconds(ctx)} second)`;
  },
  timeInterval_ms: (a, ctx) => {
    arity('timeInterval_ms', a, 1);
    const ms = Math.trunc(Math.max(ctx.intervalMs, 1));
    return `toStartOfInterval(toDateTime64(${a[0]}, 3), INTERVAL ${ms} millisecond)`;
  },
  interval_s: (_a, ctx) => String(intervalSeconds(ctx)),
  timeGroup: (a) => {
    arity('timeGroup', a, 2);
    const period = Math.round(parseDuration(a[1]!.replace(/^['"]+|['"]+$/g, '')) / 1000);
    if (period <= 0) throw new Error(`$__timeGroup: interval must be positive, got ${a[1]}`);
    return `toStartOfInterval(toDateTime(${a[0]}), INTERVAL ${period} second)`;
  },
  interval: (_a, ctx) => formatDuration(ctx.intervalMs),
  interval_ms: (_a, ctx) => String(ctx.intervalMs),
  table: () => {
    throw new Error('$__table: no table name in query context');
  },
  column: () => {
    throw new Error('$__column: no column name in query context');
  },
};

function dateTimeFilter(a: string[], ctx: QueryContext): string {
  arity('dateTimeFilter', a, 2);
  const dates = `(${a[0]} >= ${toDate(ctx.from)} AND ${a[0]} <= ${toDate(ctx.to)})`;
  return `${dates} AND (${a[1]} >= ${toDateTime(ctx.from)} AND ${a[1]} <= ${toDateTime(ctx.to)})`;
}

/** Statement macros rewrite the whole query; the dashboards do not use them. */
const STATEMENT_MACROS = ['columns', 'rateColumns', 'perSecondColumns', 'increaseColumns', 'lttb'];

// Longest first, so `$__timeFilter_ms` is never read as `$__timeFilter` (macropro's order).
const MACRO_NAMES = Object.keys(MACROS).sort((a, b) => b.length - a.length || a.localeCompare(b));

/** Expands the backend macros of one statement, after blanking out its comments. */
export function expandMacros(sql: string, ctx: QueryContext): string {
  let query = stripComments(sql);
  for (const name of STATEMENT_MACROS) {
    if (new RegExp(`\\$__${name}(?!\\w)`).test(query)) {
      throw new Error(`statement macro $__${name} is not supported by this expander`);
    }
  }
  for (const name of MACRO_NAMES) {
    query = replaceMacro(query, `$__${name}`, (args) => MACROS[name]!(args, ctx));
  }
  return query;
}

/** macropro's `replaceAllMacro`: whole-name matches only, balanced and quote-aware arguments. */
function replaceMacro(query: string, token: string, expand: (args: string[]) => string): string {
  let out = '';
  let rest = query;
  for (let at = rest.indexOf(token); at !== -1; at = rest.indexOf(token)) {
    const after = at + token.length;
    if (after < rest.length && /\w/.test(rest[after]!)) {
      out += rest.slice(0, after);
      rest = rest.slice(after);
      continue;
    }
    out += rest.slice(0, at);
    rest = rest.slice(after);
    let raw = '';
    if (rest.startsWith('(')) {
      const end = closingParen(rest);
      // Unbalanced parentheses make a zero-argument call, as in macropro.
      if (end !== -1) {
        raw = rest.slice(1, end);
        rest = rest.slice(end + 1);
      }
    }
    out += expand(splitArgs(raw));
  }
  return out + rest;
}

/** Calls `visit` for each character outside quotes; `visit` returns true to stop. */
function scanQuoted(text: string, visit: (char: string, index: number) => boolean): void {
  let single = false;
  let double = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'" && !double) single = !single;
    else if (c === '"' && !single) double = !double;
    else if (!single && !double && visit(c, i) === true) return;
  }
}

function closingParen(text: string): number {
  let depth = 0;
  let end = -1;
  scanQuoted(text, (c, i) => {
    if (c === '(') depth++;
    if (c !== ')' || --depth !== 0) return false;
    end = i;
    return true;
  });
  return end;
}

function splitArgs(raw: string): string[] {
  const text = raw.trim();
  if (text === '') return [];
  const args: string[] = [];
  let depth = 0;
  let start = 0;
  scanQuoted(text, (c, i) => {
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      args.push(text.slice(start, i).trim());
      start = i + 1;
    }
    return false;
  });
  if (depth !== 0) throw new Error(`unbalanced parentheses in macro arguments: ${raw}`);
  args.push(text.slice(start).trim());
  return args;
}

/**
 * macropro's `StripComments` for `--` and `/* *\/`: comment bytes become spaces, string literals
 * ('' and "" escapes) are kept, so a macro inside a comment is never expanded.
 */
export function stripComments(sql: string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === c) {
          if (sql[j + 1] === c) j += 2;
          else break;
        } else j++;
      }
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const j = end === -1 ? sql.length : end;
      out += ' '.repeat(j - i);
      i = j;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      const j = end === -1 ? sql.length : end + 2;
      out += ' '.repeat(j - i);
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

// --- durations ------------------------------------------------------------------------------------

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const CALENDAR_MS: Record<string, number> = {
  d: 86_400_000,
  w: 7 * 86_400_000,
  M: (365.25 * 86_400_000) / 12,
  y: 365.25 * 86_400_000,
};

/** macropro's `ParseDuration` in milliseconds: Go durations plus bare `Nd`, `Nw`, `NM`, `Ny`. */
export function parseDuration(text: string): number {
  const calendar = /^(\d+)([dwMy])$/.exec(text);
  if (calendar) return Number(calendar[1]) * CALENDAR_MS[calendar[2]!]!;
  const go = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/.exec(text);
  if (!go && text !== '0') throw new Error(`invalid duration ${JSON.stringify(text)}`);
  let total = 0;
  for (const part of text.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(part[1]) * UNIT_MS[part[2]!]!;
  }
  return text.startsWith('-') ? -total : total;
}

/** macropro's `FormatDuration` (`$__interval`): the largest unit that fits, truncated. */
export function formatDuration(ms: number): string {
  const ladder: [number, string][] = [
    [365 * 86_400_000, 'y'],
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1000, 's'],
    [1, 'ms'],
  ];
  for (const [size, unit] of ladder) if (ms >= size) return `${Math.trunc(ms / size)}${unit}`;
  return '1ms';
}

// --- all together ---------------------------------------------------------------------------------

/**
 * The statement ClickHouse receives for a panel's `rawSql`. Anything still looking like a variable
 * or macro afterwards is an error: Grafana would send it as is and ClickHouse would reject it.
 */
export function expandQuery(rawSql: string, ctx: QueryContext): string {
  const sql = expandMacros(
    interpolateVariables(applyConditionalAll(rawSql, ctx.variables), ctx),
    ctx,
  );
  const leftover = /\$\{?\w+|\[\[\w+/.exec(stripComments(sql));
  if (leftover) throw new Error(`unexpanded ${leftover[0]} in:\n${sql}`);
  return sql;
}
