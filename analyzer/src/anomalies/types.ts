import type { ScopeField } from '@tokenwatch/config';

/** The rates watched for each entity. */
export const ANOMALY_METRICS = ['tokens', 'usd', 'calls'] as const;
/** One of {@link ANOMALY_METRICS}: tokens/min, USD/min or calls/min. */
export type AnomalyMetric = (typeof ANOMALY_METRICS)[number];

/**
 * Where an entity's normal rate came from: its trailing median, its hour-of-week median (used
 * when ≥ 3 distinct weeks exist; the larger of the two wins), or its parent cohort when it has
 * too little history of its own (a session: its agent's sessions; anything else: all entities of
 * its kind in the tenant).
 */
export type BaselineSource = 'trailing' | 'seasonal' | 'cohort';

/** One metric of one entity, per minute. */
export type MetricReading = {
  /** Median per-minute value over active minutes. */
  baseline: number;
  baselineSource: BaselineSource;
  /** Rate over the long window and over the short one, per minute. */
  long: number;
  short: number;
  /** Rate ÷ baseline (Infinity never occurs: a zero baseline is not evaluated, see `triggered`). */
  longRatio: number;
  shortRatio: number;
  /**
   * One-sided Poisson p-value of the short window's count (in units of a typical baseline call)
   * under the baseline rate: small means "really above normal", not a few calls by chance.
   */
  shortPValue: number;
  /**
   * Both ratios at or above the configured ratio, with a positive baseline, and the short
   * window's p-value below 0.01.
   */
  triggered: boolean;
  /**
   * Still burning by the long window: above the baseline and not significantly below the ratio
   * (p ≥ 0.01). What keeps an anomaly that fired open.
   */
  held: boolean;
};

/** A time window `(start, end]`. */
export type AnomalyWindow = { start: Date; end: Date };

/** An entity burning faster than its normal rate. */
export type Anomaly = {
  tenant: string;
  entity: { kind: ScopeField; value: string };
  /**
   * The firing test holds now. False only for held anomalies (`includeHeld`): the long window is
   * still up, the short window no longer shows it.
   */
  firing: boolean;
  /** The triggered (else held) metric with the highest long-window ratio. */
  metric: AnomalyMetric;
  /** Its long-window ratio, and its short-window ratio. */
  ratio: number;
  shortRatio: number;
  /** Its baseline per minute and where it came from. */
  baseline: number;
  baselineSource: BaselineSource;
  /** Every metric, triggered or not. */
  metrics: Record<AnomalyMetric, MetricReading>;
  /** Totals over the long window; USD is an exact decimal string. */
  current: { tokens: number; costUsd: string; calls: number };
  /** Model with the most tokens in the long window. */
  topModel: string;
  /** Long-window cost extrapolated to an hour (exact decimal string). */
  projectedCostPerHourUsd: string;
  window: { long: AnomalyWindow; short: AnomalyWindow };
};
