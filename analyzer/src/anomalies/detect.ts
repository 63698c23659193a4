import type { AnomaliesConfig, ScopeField } from '@tokenwatch/config';
import { Decimal } from '@tokenwatch/pricing';
import type { Store } from '@tokenwatch/store';
import { floorMinute, MINUTE_MS, parseDuration } from '../shared/duration.ts';
import {
  type CohortBaselineRow,
  type EntityBaselineRow,
  getCohortBaselines,
  getEntityBaselines,
  type Medians,
  type MinuteRange,
} from './baseline-repository.ts';
import { getCurrentUsage } from './current-repository.ts';
import { type EntityUsage, sumEntityUsage } from './entity-usage.ts';
import { poissonLowerTail, poissonUpperTail } from './poisson.ts';
import {
  ANOMALY_METRICS,
  type Anomaly,
  type AnomalyMetric,
  type BaselineSource,
  type MetricReading,
} from './types.ts';

/** Options of {@link detectAnomalies}. */
export type DetectAnomaliesOptions = {
  tenant: string;
  now: Date;
  /** The `anomalies` section of the config, defaults applied. */
  config: AnomaliesConfig;
  /**
   * Also return entities that no longer meet the firing test but whose long window is still not
   * significantly below the ratio (`firing: false`): what keeps an open anomaly open.
   * @default false
   */
  includeHeld?: boolean;
};

/** Significance of the Poisson tests: a count this extreme happens by chance once in 100. */
export const ANOMALY_SIGNIFICANCE = 0.01;

const WEEK_MS = 7 * 86_400_000;
/** Past weeks searched for the seasonal baseline, and how many must have data to use it. */
const SEASONAL_WEEKS = 4;
const MIN_SEASONAL_WEEKS = 3;
const HOUR_MS = 3_600_000;

type Baseline = {
  medians: Record<AnomalyMetric, number>;
  sources: Record<AnomalyMetric, BaselineSource>;
};

/**
 * Flags entities (agents, sessions, users, teams, features, …) burning tokens, dollars or calls
 * faster than their own normal rate, in the spirit of the SRE workbook's multiwindow rule and
 * without `for:` timers: the rate over the long window (default 2 min) AND over the short window
 * (default 30 s, "still burning") must both be at least `ratio` × the baseline, the short window's
 * count must be significantly above the baseline (one-sided Poisson test, p < 0.01), and the long
 * window must hold at least `min_tokens` tokens and `min_cost_usd` dollars.
 *
 * Small counts are noisy: an agent at 4× its 5 calls a minute makes ~10 calls in 30 s, and falls
 * under 3× in one window out of five. The Poisson test keeps a few calls from firing; and once an
 * anomaly fires it is held (`includeHeld`) until its long window is significantly below the ratio
 * (p < 0.01) or back to normal, so noise does not end it either. Token and dollar counts are
 * tested in units of the baseline's typical call (baseline ÷ baseline calls per minute).
 *
 * Both windows are measured from `llm_calls` over `(now − W, now]`, to the nanosecond: the rollup's
 * minute buckets cannot measure 30 seconds. Baselines come from the rollup (`baseline-repository.ts`):
 * the median of active minutes over `baseline_window`, leaving out the last `baseline_exclude`;
 * the hour-of-week median when ≥ 3 of the past 4 weeks have data (the larger of the two wins);
 * with fewer than `min_active_minutes` samples of its own, the entity's parent cohort.
 *
 * Queries: one over the last `long_window` of `llm_calls`, one over the rollup for the entities
 * above the floors only, and one cohort query when some of them lack history.
 *
 * @example
 * const anomalies = await detectAnomalies(store, { tenant: 'acme', now: new Date(), config: config.anomalies });
 */
export async function detectAnomalies(
  store: Store,
  options: DetectAnomaliesOptions,
): Promise<Anomaly[]> {
  const { tenant, config } = options;
  const nowMs = options.now.getTime();
  const longMs = parseDuration(config.long_window);
  const shortMs = parseDuration(config.short_window);
  const kinds = [...new Set(config.entities)];
  if (kinds.length === 0) return [];
  const nowNs = BigInt(nowMs) * 1_000_000n;
  const usage = sumEntityUsage(
    await getCurrentUsage(store, {
      tenant,
      kinds,
      longFrom: nowNs - BigInt(longMs) * 1_000_000n,
      shortFrom: nowNs - BigInt(shortMs) * 1_000_000n,
      to: nowNs,
    }),
  );
  const minCost = Decimal.from(config.min_cost_usd);
  const candidates = usage.filter(
    (u) => u.tokensLong >= config.min_tokens && u.costLong.compare(minCost) >= 0,
  );
  if (candidates.length === 0) return [];

  const trailing: MinuteRange = {
    from: floorMinute(nowMs - parseDuration(config.baseline_window)),
    to: floorMinute(nowMs - parseDuration(config.baseline_exclude)),
  };
  const seasonal = Array.from({ length: SEASONAL_WEEKS }, (_, i) => {
    const center = nowMs - (i + 1) * WEEK_MS;
    return { from: floorMinute(center - HOUR_MS / 2), to: floorMinute(center + HOUR_MS / 2) };
  });
  const values = new Map<ScopeField, string[]>();
  for (const c of candidates) {
    const list = values.get(c.kind);
    if (list) list.push(c.value);
    else values.set(c.kind, [c.value]);
  }
  const own = new Map<string, Baseline>();
  for (const row of await getEntityBaselines(store, { tenant, values, trailing, seasonal })) {
    const baseline = ownBaseline(row, config.min_active_minutes);
    if (baseline) own.set(entityKey(row.kind, row.value), baseline);
  }
  const cold = candidates.filter((c) => !own.has(entityKey(c.kind, c.value)));
  const cohorts = new Map<string, CohortBaselineRow>();
  if (cold.length > 0) {
    const coldKinds = [...new Set(cold.map((c) => c.kind))];
    for (const row of await getCohortBaselines(store, { tenant, kinds: coldKinds, trailing })) {
      cohorts.set(entityKey(row.kind, row.cohort), row);
    }
  }

  const anomalies: Anomaly[] = [];
  for (const entity of candidates) {
    const baseline =
      own.get(entityKey(entity.kind, entity.value)) ??
      cohortBaseline(
        cohorts.get(entityKey(entity.kind, cohortOf(entity))),
        config.min_active_minutes,
      );
    if (!baseline) continue;
    const anomaly = judge(entity, baseline, {
      tenant,
      nowMs,
      longMs,
      shortMs,
      ratio: config.ratio,
    });
    if (anomaly && (anomaly.firing || options.includeHeld)) anomalies.push(anomaly);
  }
  return anomalies.sort(
    (a, b) =>
      b.ratio - a.ratio ||
      a.entity.kind.localeCompare(b.entity.kind) ||
      a.entity.value.localeCompare(b.entity.value),
  );
}

const entityKey = (kind: string, value: string) => `${kind}\u0000${value}`;

/** A session's cohort is its agent's sessions; every other kind pools its whole tenant (`''`). */
const cohortOf = (entity: EntityUsage) => (entity.kind === 'session' ? entity.parentAgent : '');

const same = (source: BaselineSource) => ({ tokens: source, usd: source, calls: source });

/**
 * The entity's own baseline, or undefined when it has too little history: trailing median when it
 * has enough samples, hour-of-week median when enough weeks; per metric the larger (widest band).
 */
function ownBaseline(row: EntityBaselineRow, minSamples: number): Baseline | undefined {
  const trailing = row.trailingSamples >= minSamples ? row.trailing : null;
  const seasonal = row.seasonalWeeks >= MIN_SEASONAL_WEEKS ? row.seasonal : null;
  if (!trailing && !seasonal) return undefined;
  if (!trailing || !seasonal) {
    const only = (trailing ?? seasonal) as NonNullable<Medians>;
    return { medians: { ...only }, sources: same(trailing ? 'trailing' : 'seasonal') };
  }
  const medians = { ...trailing };
  const sources = same('trailing');
  for (const m of ANOMALY_METRICS) {
    if (seasonal[m] > trailing[m]) {
      medians[m] = seasonal[m];
      sources[m] = 'seasonal';
    }
  }
  return { medians, sources };
}

function cohortBaseline(
  row: CohortBaselineRow | undefined,
  minSamples: number,
): Baseline | undefined {
  if (!row?.medians || row.samples < minSamples) return undefined;
  return { medians: { ...row.medians }, sources: same('cohort') };
}

function judge(
  entity: EntityUsage,
  baseline: Baseline,
  ctx: { tenant: string; nowMs: number; longMs: number; shortMs: number; ratio: number },
): Anomaly | undefined {
  const longMinutes = ctx.longMs / MINUTE_MS;
  const shortMinutes = ctx.shortMs / MINUTE_MS;
  const totals: Record<AnomalyMetric, [number, number]> = {
    tokens: [entity.tokensLong, entity.tokensShort],
    usd: [Number(entity.costLong.format()), Number(entity.costShort.format())],
    calls: [entity.callsLong, entity.callsShort],
  };
  const baseCalls = baseline.medians.calls;
  const metrics = {} as Record<AnomalyMetric, MetricReading>;
  let headline: AnomalyMetric | undefined;
  let held: AnomalyMetric | undefined;
  for (const m of ANOMALY_METRICS) {
    const base = baseline.medians[m];
    const long = totals[m][0] / longMinutes;
    const short = totals[m][1] / shortMinutes;
    // A zero baseline (usage never reported, unpriced model) says nothing about this metric.
    const usable = base > 0 && baseCalls > 0;
    const longRatio = usable ? long / base : 0;
    const shortRatio = usable ? short / base : 0;
    // Counts in units of a typical call, so tokens and dollars are tested like calls.
    const perCall = usable ? base / baseCalls : 1;
    const shortPValue = usable
      ? poissonUpperTail(totals[m][1] / perCall, baseCalls * shortMinutes)
      : 1;
    const triggered =
      usable &&
      longRatio >= ctx.ratio &&
      shortRatio >= ctx.ratio &&
      shortPValue < ANOMALY_SIGNIFICANCE;
    const stillUp =
      usable &&
      longRatio > 1 &&
      poissonLowerTail(totals[m][0] / perCall, ctx.ratio * baseCalls * longMinutes) >=
        ANOMALY_SIGNIFICANCE;
    metrics[m] = {
      baseline: base,
      baselineSource: baseline.sources[m],
      long,
      short,
      longRatio,
      shortRatio,
      shortPValue,
      triggered,
      held: stillUp,
    };
    // Ties (up to float noise: dollars are decimals) go to the earlier metric, tokens first.
    const higher = (than: AnomalyMetric | undefined) =>
      !than || longRatio > metrics[than].longRatio * (1 + 1e-9);
    if (triggered && higher(headline)) headline = m;
    if (stillUp && higher(held)) held = m;
  }
  const top = headline ?? held;
  if (!top) return undefined;
  const reading = metrics[top];
  return {
    tenant: ctx.tenant,
    entity: { kind: entity.kind, value: entity.value },
    firing: headline !== undefined,
    metric: top,
    ratio: reading.longRatio,
    shortRatio: reading.shortRatio,
    baseline: reading.baseline,
    baselineSource: reading.baselineSource,
    metrics,
    current: {
      tokens: entity.tokensLong,
      costUsd: entity.costLong.format(),
      calls: entity.callsLong,
    },
    topModel: entity.topModel,
    projectedCostPerHourUsd: entity.costLong
      .timesInteger(HOUR_MS)
      .dividedBy(Decimal.from(ctx.longMs))
      .format(),
    window: {
      long: { start: new Date(ctx.nowMs - ctx.longMs), end: new Date(ctx.nowMs) },
      short: { start: new Date(ctx.nowMs - ctx.shortMs), end: new Date(ctx.nowMs) },
    },
  };
}
