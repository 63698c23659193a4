import { describe, expect, it } from 'vitest';
import {
  applyConditionalAll,
  expandMacros,
  expandQuery,
  formatDuration,
  interpolateVariables,
  parseDuration,
  type QueryContext,
  stripComments,
  type TemplateVariable,
} from './support/grafana-sql.ts';

// 2026-01-02T03:04:05.678Z to 2026-01-03T04:05:06.789Z, 20-second interval.
const FROM_MS = 1767323045678;
const TO_MS = 1767413106789;
const ctx = (over: Partial<QueryContext> = {}): QueryContext => ({
  from: new Date(FROM_MS),
  to: new Date(TO_MS),
  intervalMs: 20_000,
  variables: [],
  ...over,
});
const team = (current: TemplateVariable['current']): TemplateVariable => ({
  name: 'team',
  current,
  options: ['search', 'support'],
});

describe('applyConditionalAll', () => {
  const sql = `WHERE $__conditionalAll(team IN (\${team:singlequote}), $team) AND x = 'y'`;

  it('becomes 1=1 for All, an empty pick and an empty value', () => {
    for (const current of [['$__all'], '$__all', [], '']) {
      expect(applyConditionalAll(sql, [team(current)])).toBe("WHERE 1=1 AND x = 'y'");
    }
  });

  it('keeps the condition for a pick, uninterpolated', () => {
    expect(applyConditionalAll(sql, [team(['search'])])).toBe(
      `WHERE team IN (\${team:singlequote}) AND x = 'y'`,
    );
    // Picking every option is not "All": the values are listed.
    expect(applyConditionalAll(sql, [team(['search', 'support'])])).toContain('team IN (');
  });

  it(`expands every occurrence, with nested parentheses and the \${var} form`, () => {
    const two = `$__conditionalAll(has(arrayMap(x -> lower(x), [a, b]), lower(team)), \${team}) OR $__conditionalAll(team = $team, $team)`;
    expect(applyConditionalAll(two, [team(['$__all'])])).toBe('1=1 OR 1=1');
    expect(applyConditionalAll(two, [team(['search'])])).toBe(
      'has(arrayMap(x -> lower(x), [a, b]), lower(team)) OR team = $team',
    );
  });

  it('keeps the condition when the variable is unknown', () => {
    expect(applyConditionalAll('$__conditionalAll(a = 1, $nope)', [team(['$__all'])])).toBe(
      'a = 1',
    );
  });

  it('stops at a call without exactly two arguments, as the plugin does', () => {
    const bad = '$__conditionalAll(a, b, $team) AND $__conditionalAll(c = 1, $team)';
    // The plugin walks from the last call backwards and returns as soon as one is malformed.
    expect(applyConditionalAll(bad, [team(['$__all'])])).toBe(
      '$__conditionalAll(a, b, $team) AND 1=1',
    );
  });
});

describe('interpolateVariables', () => {
  const vars = (current: TemplateVariable['current'], extra: Partial<TemplateVariable> = {}) =>
    ctx({ variables: [{ ...team(current), ...extra }] });

  it('formats multi-value picks', () => {
    const c = vars(['search', "o'brien"]);
    expect(interpolateVariables(`\${team:singlequote}`, c)).toBe("'search','o\\'brien'");
    expect(interpolateVariables(`\${team:sqlstring}`, c)).toBe("'search','o''brien'");
    expect(interpolateVariables(`\${team:csv}`, c)).toBe("search,o'brien");
    expect(interpolateVariables(`\${team:doublequote}`, c)).toBe('"search","o\'brien"');
    // Without a format, the plugin's own: quoted, not escaped.
    expect(interpolateVariables('$team', c)).toBe("'search','o'brien'");
    expect(interpolateVariables('[[team]]', c)).toBe("'search','o'brien'");
  });

  it('formats single values', () => {
    expect(interpolateVariables(`\${team:sqlstring} $team \${team}`, vars('search'))).toBe(
      "'search' search search",
    );
  });

  it('expands All to every option, or to a custom all value verbatim', () => {
    expect(interpolateVariables(`\${team:singlequote}`, vars(['$__all']))).toBe(
      "'search','support'",
    );
    const custom = vars(['$__all'], { allValue: '.*' });
    expect(interpolateVariables(`\${team:singlequote}`, custom)).toBe('.*');
  });

  it('leaves macros and unknown names for the backend', () => {
    const sql = `$__timeFilter(t) AND $__interval_s AND $unknown AND \${also_unknown:csv}`;
    expect(interpolateVariables(sql, ctx())).toBe(sql);
  });

  it('fills in the interval and scoped variables', () => {
    const c = ctx({ intervalMs: 300_000, scoped: { '__value.raw': 'abc', who: 'me' } });
    expect(interpolateVariables(`$__interval $__interval_ms \${__value.raw} $who`, c)).toBe(
      '5m 300000 abc me',
    );
  });

  it('rejects formats and field paths it does not know', () => {
    expect(() => interpolateVariables(`\${team:percentencode}`, vars('a'))).toThrow(/format/);
    expect(() => interpolateVariables(`\${team.value}`, vars('a'))).toThrow(/field path/);
  });
});

describe('expandMacros', () => {
  const expand = (sql: string, over: Partial<QueryContext> = {}) => expandMacros(sql, ctx(over));

  it('expands the time filters', () => {
    expect(expand('$__timeFilter(ts)')).toBe(
      'ts >= toDateTime(1767323045) AND ts <= toDateTime(1767413106)',
    );
    expect(expand('$__timeFilter_ms(ts)')).toBe(
      'ts >= fromUnixTimestamp64Milli(1767323045678) AND ts <= fromUnixTimestamp64Milli(1767413106789)',
    );
    expect(expand('$__dateFilter(d)')).toBe(
      "d >= toDate('2026-01-02') AND d <= toDate('2026-01-03')",
    );
    const dt =
      "(d >= toDate('2026-01-02') AND d <= toDate('2026-01-03')) AND (ts >= toDateTime(1767323045) AND ts <= toDateTime(1767413106))";
    expect(expand('$__dateTimeFilter(d, ts)')).toBe(dt);
    expect(expand('$__dt(d, ts)')).toBe(dt);
    expect(expand('$__timeFrom(ts) $__timeTo(ts)')).toBe(
      'ts >= toDateTime(1767323045) ts <= toDateTime(1767413106)',
    );
  });

  it('expands the time values', () => {
    expect(expand('$__fromTime $__toTime $__fromTime_ms $__toTime_ms')).toBe(
      'toDateTime(1767323045) toDateTime(1767413106) fromUnixTimestamp64Milli(1767323045678) fromUnixTimestamp64Milli(1767413106789)',
    );
  });

  it('expands intervals, with a floor of one second or millisecond', () => {
    expect(expand('$__timeInterval(ts)')).toBe(
      'toStartOfInterval(toDateTime(ts), INTERVAL 20 second)',
    );
    expect(expand('$__timeInterval_ms(ts)')).toBe(
      'toStartOfInterval(toDateTime64(ts, 3), INTERVAL 20000 millisecond)',
    );
    expect(expand('$__interval_s')).toBe('20');
    expect(expand('$__interval $__interval_ms')).toBe('20s 20000');
    expect(expand('$__timeInterval(ts) $__interval_s', { intervalMs: 1500 })).toBe(
      'toStartOfInterval(toDateTime(ts), INTERVAL 1 second) 1',
    );
    expect(expand('$__timeInterval_ms(ts)', { intervalMs: 0 })).toContain('INTERVAL 1 millisecond');
  });

  it('groups by a fixed period', () => {
    expect(expand('$__timeGroup(ts, 5m)')).toBe(
      'toStartOfInterval(toDateTime(ts), INTERVAL 300 second)',
    );
    expect(expand("$__timeGroup(ts, '1h30m')")).toContain('INTERVAL 5400 second');
    expect(expand('$__timeGroup(ts, 1d)')).toContain('INTERVAL 86400 second');
    expect(() => expand('$__timeGroup(ts, soon)')).toThrow(/duration/);
  });

  it('matches whole names, longest first', () => {
    expect(expand('$__timeFilter_ms(a) $__timeFilter(b)')).toBe(
      'a >= fromUnixTimestamp64Milli(1767323045678) AND a <= fromUnixTimestamp64Milli(1767413106789) b >= toDateTime(1767323045) AND b <= toDateTime(1767413106)',
    );
    expect(expand('$__interval_s $__interval_ms $__interval')).toBe('20 20000 20s');
    expect(expand('$__timeFilterX')).toBe('$__timeFilterX');
  });

  it('keeps nested parentheses and quoted commas in one argument', () => {
    expect(expand("$__timeFilter(toDateTime(ts, 'UTC'))")).toBe(
      "toDateTime(ts, 'UTC') >= toDateTime(1767323045) AND toDateTime(ts, 'UTC') <= toDateTime(1767413106)",
    );
  });

  it('checks argument counts', () => {
    expect(() => expand('$__timeFilter()')).toThrow(/expected 1/);
    expect(() => expand('$__timeFilter(a, b)')).toThrow(/expected 1/);
    expect(() => expand('$__timeFrom')).toThrow(/expected 1/);
    expect(() => expand('$__dt(a)')).toThrow(/expected 2/);
  });

  it('does not expand macros inside comments', () => {
    const line = '-- $__timeFilter(ts)';
    const block = '/* $__fromTime */';
    expect(expand(`SELECT 1 ${line}\n${block} $__interval_s`)).toBe(
      `SELECT 1 ${' '.repeat(line.length)}\n${' '.repeat(block.length)} 20`,
    );
  });

  it('refuses what it does not implement', () => {
    expect(() => expand('$__columns(t, k, v)')).toThrow(/statement macro/);
    expect(() => expand('$__table')).toThrow(/table/);
  });
});

describe('stripComments', () => {
  it('keeps string literals, doubled quotes included', () => {
    expect(stripComments("SELECT '--x', 'it''s /* no */' -- gone")).toBe(
      `SELECT '--x', 'it''s /* no */' ${' '.repeat(7)}`,
    );
  });
});

describe('durations', () => {
  it('parses Go and calendar durations', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('2w')).toBe(14 * 86_400_000);
    expect(parseDuration('0')).toBe(0);
    expect(() => parseDuration('5')).toThrow();
  });

  it('formats in the largest unit, truncated', () => {
    expect(formatDuration(90 * 60_000)).toBe('1h');
    expect(formatDuration(1500)).toBe('1s');
    expect(formatDuration(0)).toBe('1ms');
    expect(formatDuration(400 * 86_400_000)).toBe('1y');
  });
});

describe('expandQuery', () => {
  it('applies $__conditionalAll, then variables, then macros', () => {
    const sql = `SELECT $__timeInterval(m) AS t FROM x WHERE $__timeFilter(m) AND $__conditionalAll(team IN (\${team:singlequote}), $team)`;
    expect(expandQuery(sql, ctx({ variables: [team(['search'])] }))).toBe(
      "SELECT toStartOfInterval(toDateTime(m), INTERVAL 20 second) AS t FROM x WHERE m >= toDateTime(1767323045) AND m <= toDateTime(1767413106) AND team IN ('search')",
    );
  });

  it('fails on anything left unexpanded', () => {
    expect(() => expandQuery('SELECT $nope', ctx())).toThrow(/unexpanded \$nope/);
    expect(() => expandQuery('SELECT $__conditionalAll(a, b, $c)', ctx())).toThrow(/unexpanded/);
  });
});
