import { z } from 'zod';
import { ANOMALY_METRICS, detectAnomalies, listAnomalyHistory } from '../anomalies/index.ts';
import { parseTime } from '../shared/time-grammar.ts';
import { defineRead } from './contract.ts';
import {
  Count,
  DecimalText,
  firstRows,
  Instant,
  limitParam,
  RangeSchema,
  ROW_LIMIT,
  TruncatedSchema,
  timeParam,
  truncations,
} from './schemas.ts';

const Metric = z.enum(ANOMALY_METRICS);
const BaselineSource = z.enum(['trailing', 'seasonal', 'cohort']);
const Entity = z.object({ kind: z.string(), value: z.string() });

/** One metric of one entity, per minute (see `anomalies/types.ts`). */
const MetricReadingSchema = z.object({
  baseline: z.number(),
  baselineSource: BaselineSource,
  long: z.number(),
  short: z.number(),
  longRatio: z.number(),
  shortRatio: z.number(),
  shortPValue: z.number(),
  triggered: z.boolean(),
  held: z.boolean(),
});

const WindowSchema = z.object({ start: Instant, end: Instant });

/** An entity burning faster than its normal rate, now. */
export const AnomalySchema = z.object({
  tenant: z.string(),
  entity: Entity,
  firing: z.boolean(),
  metric: Metric,
  ratio: z.number(),
  shortRatio: z.number(),
  baseline: z.number(),
  baselineSource: BaselineSource,
  metrics: z.record(Metric, MetricReadingSchema),
  current: z.object({ tokens: Count, costUsd: DecimalText, calls: Count }),
  topModel: z.string(),
  projectedCostPerHourUsd: DecimalText,
  window: z.object({ long: WindowSchema, short: WindowSchema }),
});

/** An anomaly the alert engine recorded, from start to end. */
export const AnomalyOccurrenceSchema = z.object({
  tenant: z.string(),
  entity: Entity,
  startedAt: Instant,
  endedAt: Instant,
  ongoing: z.boolean(),
  metric: Metric,
  peakRatio: z.number(),
  peakAt: Instant,
  baseline: z.number(),
  costUsd: DecimalText,
  calls: Count,
  tokens: Count,
  topModel: z.string(),
  version: z.number(),
});

/**
 * What `anomalies` answers: what burns at `at`, or with `since`/`until` the anomalies recorded
 * in that range.
 */
export const AnomaliesResultSchema = z.union([
  z.object({ at: Instant, anomalies: z.array(AnomalySchema), truncated: TruncatedSchema }),
  z.object({
    range: RangeSchema,
    anomalies: z.array(AnomalyOccurrenceSchema),
    truncated: TruncatedSchema,
  }),
]);

const defaults = { at: 'now', since: '24h', until: 'now', limit: String(ROW_LIMIT) } as const;

/**
 * `anomalies`: entities spending at least the configured ratio of their own normal rate at `at`
 * (burn-rate anomalies, with the anomaly settings in effect); with `since` or `until`, those the
 * alert engine recorded in that range, with start, end, peak ratio and cost.
 */
export const anomaliesRead = defineRead({
  name: 'anomalies',
  path: '/anomalies',
  query: (context) =>
    z
      .object({
        at: timeParam(context),
        since: timeParam(context),
        until: timeParam(context, { edge: 'end' }),
        limit: limitParam(),
      })
      .superRefine((query, ctx) => {
        if (query.at && (query.since || query.until))
          ctx.addIssue({ code: 'custom', path: ['at'], message: 'give either at or since/until' });
      })
      // A range when either end is given, each end defaulting; else a moment.
      .transform(({ at, since, until, limit }) =>
        since || until
          ? {
              since: since ?? parseTime(defaults.since, context),
              until: until ?? parseTime(defaults.until, context),
              limit,
            }
          : { at: at ?? parseTime(defaults.at, context), limit },
      ),
  defaults,
  result: AnomaliesResultSchema,
  async run({ store, settings, tenant }, query) {
    if (query.since !== undefined) {
      const range = { from: query.since, to: query.until };
      const anomalies = firstRows(
        await listAnomalyHistory(store, { tenant, ...range }),
        query.limit,
      );
      return {
        range,
        anomalies: anomalies.rows,
        truncated: truncations({ anomalies: anomalies.cut }),
      };
    }
    const anomalies = firstRows(
      await detectAnomalies(store, { tenant, now: query.at, config: settings.config.anomalies }),
      query.limit,
    );
    return {
      at: query.at,
      anomalies: anomalies.rows,
      truncated: truncations({ anomalies: anomalies.cut }),
    };
  },
  print: {
    tables: (result) => {
      const iso = (d: Date) => d.toISOString();
      if ('range' in result) {
        return [
          {
            records: result.anomalies.map((a) => ({
              entity: `${a.entity.kind}=${a.entity.value}`,
              started: iso(a.startedAt),
              ended: a.ongoing ? 'ongoing' : iso(a.endedAt),
              metric: a.metric,
              peak_ratio: a.peakRatio.toFixed(1),
              cost_usd: a.costUsd,
              calls: a.calls,
              top_model: a.topModel,
            })),
            truncated: result.truncated.anomalies,
            empty: `No burn-rate anomalies from ${iso(result.range.from)} to ${iso(result.range.to)}.`,
          },
        ];
      }
      return [
        {
          records: result.anomalies.map((a) => ({
            entity: `${a.entity.kind}=${a.entity.value}`,
            metric: a.metric,
            ratio: a.ratio.toFixed(1),
            baseline_per_min: a.baseline,
            top_model: a.topModel,
            usd_per_hour: a.projectedCostPerHourUsd,
          })),
          truncated: result.truncated.anomalies,
          empty: 'No burn-rate anomalies.',
        },
      ];
    },
  },
});
