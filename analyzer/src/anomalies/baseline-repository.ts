/**
 * @module
 * Normal per-minute rates from the `llm_usage_1m` rollup. A sample is one ACTIVE minute (calls
 * > 0) of one entity, after summing every other rollup dimension (model, user, session, …) into
 * it: skipping that collapse would split an entity's minute into many small rows and divide its
 * baseline. Scans are bounded by tenant and minute ranges on the rollup's primary key.
 */
import type { ScopeField } from '@tokenwatch/config';
import { queryRows, type Store, TABLES } from '@tokenwatch/store';
import { z } from 'zod';
import { toChDateTime } from '../shared/duration.ts';
import { SCOPE_COLUMNS, TOKENS_SQL } from '../shared/scope.ts';
import { ANOMALY_QUERY_SETTINGS, entityTuplesSql } from './current-repository.ts';
import type { AnomalyMetric } from './types.ts';

/** Medians per metric; null when there were no samples. */
export type Medians = Record<AnomalyMetric, number> | null;

/** A minute range `[from, to)` in epoch ms. */
export type MinuteRange = { from: number; to: number };

/** An entity's own history: the trailing window and the same time of week in past weeks. */
export type EntityBaselineRow = {
  kind: ScopeField;
  value: string;
  trailingSamples: number;
  trailing: Medians;
  /** Distinct past weeks with at least one active minute in the seasonal slice. */
  seasonalWeeks: number;
  seasonal: Medians;
};

/** Median of the pooled samples of a cohort (all entities of a kind, or a session's agent). */
export type CohortBaselineRow = {
  kind: ScopeField;
  cohort: string;
  samples: number;
  medians: Medians;
};

const num = z.coerce.number();
const maybe = z.union([z.number(), z.null()]);

const EntityRow = z.object({
  kind: z.string(),
  value: z.string(),
  trailing_samples: num,
  t_tokens: maybe,
  t_usd: maybe,
  t_calls: maybe,
  seasonal_weeks: num,
  s_tokens: maybe,
  s_usd: maybe,
  s_calls: maybe,
});

const CohortRow = z.object({
  kind: z.string(),
  cohort: z.string(),
  samples: num,
  m_tokens: maybe,
  m_usd: maybe,
  m_calls: maybe,
});

const medians = (tokens: number | null, usd: number | null, calls: number | null): Medians =>
  tokens === null || usd === null || calls === null ? null : { tokens, usd, calls };

/** Per-minute sums of one entity; `minute_calls` names avoid shadowing the rollup's `calls`. */
const MINUTE_SUMS = `sum(calls) AS minute_calls,
          sum(${TOKENS_SQL}) AS minute_tokens,
          toFloat64(sum(total_cost)) AS minute_usd`;

const median = (column: string, condition?: string) =>
  condition
    ? `quantileExactInclusiveIf(0.5)(${column}, ${condition})`
    : `quantileExactInclusive(0.5)(${column})`;

/**
 * Trailing and seasonal medians of the given entities (`values[kind]` lists the entities of each
 * kind). The seasonal slices are the same hour of the week in each of the past weeks.
 */
export async function getEntityBaselines(
  store: Store,
  q: {
    tenant: string;
    values: ReadonlyMap<ScopeField, readonly string[]>;
    trailing: MinuteRange;
    seasonal: readonly MinuteRange[];
  },
): Promise<EntityBaselineRow[]> {
  const kinds = [...q.values.keys()];
  if (kinds.length === 0) return [];
  const params: Record<string, unknown> = {
    tenant: q.tenant,
    kinds,
    t_from: toChDateTime(q.trailing.from),
    t_to: toChDateTime(q.trailing.to),
  };
  const ranges = ["(minute >= {t_from: DateTime('UTC')} AND minute < {t_to: DateTime('UTC')})"];
  const weekCases: string[] = [];
  q.seasonal.forEach((slice, i) => {
    params[`s${i}_from`] = toChDateTime(slice.from);
    params[`s${i}_to`] = toChDateTime(slice.to);
    const range = `(minute >= {s${i}_from: DateTime('UTC')} AND minute < {s${i}_to: DateTime('UTC')})`;
    ranges.push(range);
    weekCases.push(`${range}, ${i + 1}`);
  });
  // Only the entities under evaluation: by raw column before the fan-out, by kind after it.
  const raw: string[] = [];
  const fanned: string[] = [];
  kinds.forEach((kind, i) => {
    params[`k${i}`] = kind;
    params[`v${i}`] = q.values.get(kind) ?? [];
    raw.push(`${SCOPE_COLUMNS[kind]} IN {v${i}: Array(String)}`);
    fanned.push(`(e.1 = {k${i}: String} AND e.2 IN {v${i}: Array(String)})`);
  });
  const week = weekCases.length ? `multiIf(${weekCases.join(', ')}, 0)` : '0';
  const rows = await queryRows(store, {
    query: `SELECT
        kind,
        value,
        countIf(trailing) AS trailing_samples,
        ${median('minute_tokens', 'trailing')} AS t_tokens,
        ${median('minute_usd', 'trailing')} AS t_usd,
        ${median('minute_calls', 'trailing')} AS t_calls,
        uniqExactIf(week, week > 0) AS seasonal_weeks,
        ${median('minute_tokens', 'week > 0')} AS s_tokens,
        ${median('minute_usd', 'week > 0')} AS s_usd,
        ${median('minute_calls', 'week > 0')} AS s_calls
      FROM (
        SELECT
          e.1 AS kind,
          e.2 AS value,
          minute,
          ${MINUTE_SUMS},
          ${ranges[0]} AS trailing,
          ${week} AS week
        FROM ${TABLES.usage1m}
        ARRAY JOIN ${entityTuplesSql(kinds)} AS e
        WHERE tenant = {tenant: String}
          AND (${ranges.join(' OR ')})
          AND (${raw.join(' OR ')})
          AND (${fanned.join(' OR ')})
        GROUP BY kind, value, minute
        HAVING minute_calls > 0
      )
      GROUP BY kind, value`,
    params,
    settings: ANOMALY_QUERY_SETTINGS,
    schema: EntityRow,
  });
  return rows.map((r) => ({
    kind: r.kind as ScopeField,
    value: r.value,
    trailingSamples: r.trailing_samples,
    trailing: medians(r.t_tokens, r.t_usd, r.t_calls),
    seasonalWeeks: r.seasonal_weeks,
    seasonal: medians(r.s_tokens, r.s_usd, r.s_calls),
  }));
}

/**
 * Pooled trailing medians per cohort: for sessions one cohort per agent (a session's minutes
 * under that agent), for every other kind one cohort (`''`) holding all its entities.
 */
export async function getCohortBaselines(
  store: Store,
  q: { tenant: string; kinds: readonly ScopeField[]; trailing: MinuteRange },
): Promise<CohortBaselineRow[]> {
  if (q.kinds.length === 0) return [];
  const rows = await queryRows(store, {
    query: `SELECT
        kind,
        cohort,
        count() AS samples,
        ${median('minute_tokens')} AS m_tokens,
        ${median('minute_usd')} AS m_usd,
        ${median('minute_calls')} AS m_calls
      FROM (
        SELECT e.1 AS kind, e.2 AS value, e.3 AS cohort, minute, ${MINUTE_SUMS}
        FROM ${TABLES.usage1m}
        ARRAY JOIN ${entityTuplesSql(q.kinds, true)} AS e
        WHERE tenant = {tenant: String}
          AND minute >= {t_from: DateTime('UTC')}
          AND minute < {t_to: DateTime('UTC')}
        GROUP BY kind, value, cohort, minute
        HAVING minute_calls > 0
      )
      GROUP BY kind, cohort`,
    params: {
      tenant: q.tenant,
      kinds: q.kinds,
      t_from: toChDateTime(q.trailing.from),
      t_to: toChDateTime(q.trailing.to),
    },
    settings: ANOMALY_QUERY_SETTINGS,
    schema: CohortRow,
  });
  return rows.map((r) => ({
    kind: r.kind as ScopeField,
    cohort: r.cohort,
    samples: r.samples,
    medians: medians(r.m_tokens, r.m_usd, r.m_calls),
  }));
}
