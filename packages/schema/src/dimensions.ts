/**
 * @module
 * The dimensions cost can be attributed to and grouped by, one row each. Every list of dimensions
 * elsewhere (config enums, the analyzer's column maps, the collector's attribution rules and
 * cardinality guard, the store's row converters, the attribution schema of calls and tasks) is
 * computed from this table, so adding a dimension is one row here plus a migration for its column
 * (ARCHITECTURE.md, "How to add a dimension").
 */

/** One dimension and the roles it plays. */
export type DimensionSpec = {
  /** The name users write: `cost --by <name>`, `scope: { <name>: … }`, `attribution.rules[].field`. */
  readonly name: string;
  /**
   * The `LlmCall` field holding the value, or null for a dimension computed from other fields
   * (only `model`: the response model, else the request model, as the `model` ALIAS column of
   * `llm_calls` computes it).
   */
  readonly field: string | null;
  /** The column in `llm_calls`, and in `llm_usage_1m` when {@link DimensionSpec.rollup}. */
  readonly column: string;
  /** Carried by the per-minute rollup `llm_usage_1m`: reports grouped only by these read it. */
  readonly rollup: boolean;
  /**
   * Part of the attribution a call and a task carry (`AttributionSchema`, a column of `tasks`
   * too): read from span attributes, and fillable by `attribution.rules`.
   */
  readonly attributable: boolean;
  /** Capped per tenant and hour by the collector's cardinality guard (`_other` beyond). */
  readonly guarded: boolean;
  /** Budgets, anomalies and alerts can scope by it (`scope`, `per`, `entities`). */
  readonly scopable: boolean;
};

/**
 * Every dimension, in the order they are listed to users. Rollup dimensions are in the rollup's
 * sorting key (a migration adds a new one there); guarded ones are low-cardinality columns where
 * one runaway value would bloat the rollup.
 */
export const DIMENSION_TABLE = [
  {
    name: 'agent',
    field: 'agent',
    column: 'agent',
    rollup: true,
    attributable: true,
    guarded: true,
    scopable: true,
  },
  {
    name: 'user',
    field: 'userId',
    column: 'user_id',
    rollup: true,
    attributable: true,
    guarded: false,
    scopable: true,
  },
  {
    name: 'team',
    field: 'team',
    column: 'team',
    rollup: true,
    attributable: true,
    guarded: true,
    scopable: true,
  },
  {
    name: 'feature',
    field: 'feature',
    column: 'feature',
    rollup: true,
    attributable: true,
    guarded: true,
    scopable: true,
  },
  {
    name: 'session',
    field: 'sessionId',
    column: 'session_id',
    rollup: true,
    attributable: true,
    guarded: false,
    scopable: true,
  },
  {
    name: 'project',
    field: 'project',
    column: 'project',
    rollup: true,
    attributable: true,
    guarded: true,
    scopable: true,
  },
  {
    name: 'service',
    field: 'service',
    column: 'service',
    rollup: true,
    attributable: true,
    guarded: true,
    scopable: true,
  },
  {
    name: 'environment',
    field: 'environment',
    column: 'environment',
    rollup: true,
    attributable: true,
    guarded: true,
    scopable: true,
  },
  {
    name: 'model',
    field: null,
    column: 'model',
    rollup: true,
    attributable: false,
    guarded: false,
    scopable: true,
  },
  {
    name: 'provider',
    field: 'provider',
    column: 'provider',
    rollup: true,
    attributable: false,
    guarded: false,
    scopable: false,
  },
  {
    name: 'task',
    field: 'taskId',
    column: 'task_id',
    rollup: false,
    attributable: false,
    guarded: false,
    scopable: false,
  },
] as const satisfies readonly DimensionSpec[];

/** A row of {@link DIMENSION_TABLE}. */
export type DimensionRow = (typeof DIMENSION_TABLE)[number];
/** The name of a dimension. */
export type DimensionName = DimensionRow['name'];
/** A role of a dimension, as a boolean column of the table. */
export type DimensionRole = 'rollup' | 'attributable' | 'guarded' | 'scopable';
/** The rows that play `role`. */
export type DimensionWith<R extends DimensionRole> = Extract<
  DimensionRow,
  { readonly [K in R]: true }
>;
/** The rows stored in a column of their own, from an `LlmCall` field. */
export type StoredDimension = Extract<DimensionRow, { readonly field: string }>;
/** `LlmCall` (and `Task`) fields of the attribution: session, agent, user, team, … */
export type AttributionField = DimensionWith<'attributable'>['field'];

/** The rows of the table that play `role`, in table order. */
export function dimensionsWith<R extends DimensionRole>(role: R): readonly DimensionWith<R>[] {
  return DIMENSION_TABLE.filter((d): d is DimensionWith<R> => d[role]);
}

/** The names of the dimensions that play `role`, in table order (e.g. for `z.enum`). */
export function dimensionNames<R extends DimensionRole>(
  role: R,
): readonly DimensionWith<R>['name'][] {
  // The generic row type does not narrow its name; the filter above guarantees it.
  return dimensionsWith(role).map((d) => d.name as DimensionWith<R>['name']);
}

/** The rows with a column of their own, filled from an `LlmCall` field (all but `model`). */
export const STORED_DIMENSIONS: readonly StoredDimension[] = DIMENSION_TABLE.filter(
  (d): d is StoredDimension => d.field !== null,
);

/** The row of each dimension by name. */
export const DIMENSION_BY_NAME = Object.fromEntries(DIMENSION_TABLE.map((d) => [d.name, d])) as {
  readonly [N in DimensionName]: Extract<DimensionRow, { readonly name: N }>;
};

/** The fields of a call a dimension's value is read from (`LlmCall` has more). */
type DimensionSource = { readonly [F in StoredDimension['field']]: string } & {
  readonly requestModel: string;
  readonly responseModel: string;
};

/**
 * The value a call (an `LlmCall`) carries for a dimension: its field, or for `model` the response
 * model, else the request model (what the `model` column holds).
 *
 * @example
 * ```ts
 * dimensionValue(call, DIMENSION_BY_NAME.project); // 'checkout'
 * ```
 */
export function dimensionValue(call: DimensionSource, dimension: DimensionRow): string {
  return dimension.field === null ? call.responseModel || call.requestModel : call[dimension.field];
}
