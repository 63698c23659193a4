/**
 * @module
 * The dashboard variables every Tokenwatch dashboard has, and the SQL filter they turn into.
 * Each filter is `$__conditionalAll(column IN (${var:singlequote}), $var)`: the plugin replaces it
 * with `1=1` when the variable selects All or nothing, and otherwise quotes every picked value.
 */
import type { VariableModel } from '@grafana/schema';
import { queryVariable, sql } from './grafana.ts';

/** The filter variables, in the order they narrow each other. */
export const FILTER_VARIABLES = [
  'tenant',
  'environment',
  'project',
  'team',
  'agent',
  'model',
] as const;
/** One of the filter variables. */
export type FilterVariable = (typeof FILTER_VARIABLES)[number];

const condition = (variable: FilterVariable, column: string) =>
  `$__conditionalAll(${column} IN (\${${variable}:singlequote}), $${variable})`;

/**
 * The conditions for the given variables, joined with AND, on columns of the same names (with a
 * table alias prefix such as `c.`). `llm_calls.model` is an ALIAS column, so it filters too.
 */
export function filterSql(
  prefix = '',
  variables: readonly FilterVariable[] = FILTER_VARIABLES,
): string {
  return variables.map((v) => condition(v, `${prefix}${v}`)).join('\nAND ');
}

/** The tenant condition alone, on another column name (otel_traces has `TenantId`). */
export const tenantFilter = (column = 'tenant') => condition('tenant', column);

/** The rollup's time filter and every variable: the usual WHERE clause on llm_usage_1m. */
export const ROLLUP_WHERE = sql`$__timeFilter(minute)\n  AND ${filterSql()}`;

/** The same on raw calls (`FROM llm_calls AS c`). */
export const CALLS_WHERE = sql`$__timeFilter(c.start_time)\n  AND ${filterSql('c.')}`;

/** A label for a dimension value in a legend: empty means the calls carried no attribution. */
export const seriesLabel = (column: string) => `if(${column} = '', '(unattributed)', ${column})`;

/**
 * The filter variables: values seen in the rollup over the dashboard's time range, each list
 * narrowed by the variables before it. Empty values are left out of the lists (they cannot be
 * picked in Grafana's multi-select); unattributed rows show under All.
 */
export function filterVariables(): VariableModel[] {
  const labels: Record<FilterVariable, string> = {
    tenant: 'Tenant',
    environment: 'Environment',
    project: 'Project',
    team: 'Team',
    agent: 'Agent',
    model: 'Model',
  };
  return FILTER_VARIABLES.map((name, i) => {
    const narrowing = FILTER_VARIABLES.slice(0, i);
    const where = [
      '$__timeFilter(minute)',
      `${name} != ''`,
      ...narrowing.map((v) => filterSql('', [v])),
    ].join('\n  AND ');
    return queryVariable(
      name,
      labels[name],
      sql`
        SELECT DISTINCT ${name}
        FROM llm_usage_1m
        WHERE ${where}
        ORDER BY ${name}`,
    );
  });
}
