import { dimensionsWith } from '@tokenwatch/schema';
import type { Attributes, DecodedTraces } from '../otlp/types.ts';

/** What the span limits cut, for /metrics. */
export type LimitStats = { attributesDropped: number; valuesTruncated: number };

// Keys Tokenwatch reads are kept first when a span has too many attributes (an embeddings span
// carries one attribute per vector, which must not crowd out its model).
const MEANINGFUL =
  /^(gen_ai\.|llm\.|ai\.(usage|model|operationId|response\.model|telemetry)|tokenwatch\.|openinference\.|embedding\.model_name$|anthropic\.usage\.|traceloop\.|session\.id|user\.id|enduser\.id|error\.type|service\.name|deployment\.)/;

function limitAttributes(
  attrs: Attributes,
  maxCount: number,
  maxLength: number,
  stats: LimitStats,
): Attributes {
  let keys = Object.keys(attrs);
  let out = attrs;
  if (keys.length > maxCount) {
    const kept = [
      ...keys.filter((k) => MEANINGFUL.test(k)),
      ...keys.filter((k) => !MEANINGFUL.test(k)),
    ].slice(0, maxCount);
    stats.attributesDropped += keys.length - kept.length;
    out = {};
    for (const key of kept) out[key] = attrs[key]!;
    keys = kept;
  }
  for (const key of keys) {
    const value = out[key];
    if (typeof value === 'string' && value.length > maxLength) {
      if (out === attrs) out = { ...attrs };
      out[key] = value.slice(0, maxLength);
      stats.valuesTruncated++;
    }
  }
  return out;
}

/**
 * Applies the per-span limits in place: attributes beyond `maxAttributes` (Tokenwatch's keys
 * kept first) and string values beyond `maxValueLength` characters. Counts what was cut.
 */
export function applySpanLimits(
  traces: DecodedTraces,
  maxAttributes: number,
  maxValueLength: number,
): LimitStats {
  const stats: LimitStats = { attributesDropped: 0, valuesTruncated: 0 };
  for (const rs of traces.resourceSpans) {
    rs.resource.attributes = limitAttributes(
      rs.resource.attributes,
      maxAttributes,
      maxValueLength,
      stats,
    );
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) {
        span.attributes = limitAttributes(span.attributes, maxAttributes, maxValueLength, stats);
        for (const event of span.events) {
          event.attributes = limitAttributes(
            event.attributes,
            maxAttributes,
            maxValueLength,
            stats,
          );
        }
      }
    }
  }
  return stats;
}

/**
 * Dimensions stored as low-cardinality columns and rolled up, the ones a runaway value would hurt:
 * the dimension table's guarded rows.
 */
export const GUARDED_DIMENSIONS = dimensionsWith('guarded');
/** The name of a guarded dimension (also the `dimension` label of the capped-values metric). */
export type GuardedDimension = (typeof GUARDED_DIMENSIONS)[number]['name'];

/** Replacement for values over the limit. */
export const OTHER = '_other';

/**
 * Caps the distinct values of each guarded dimension per tenant per window (an hour by default):
 * once a dimension has `maxDistinct` values, new ones become `_other`. Values already seen in the
 * window keep passing.
 */
export class CardinalityGuard {
  private readonly maxDistinct: number;
  private readonly windowMs: number;
  private windowStart = 0;
  private seen = new Map<string, Set<string>>();

  constructor(maxDistinct: number, windowMs = 3_600_000) {
    this.maxDistinct = maxDistinct;
    this.windowMs = windowMs;
  }

  /** The value to store for `value` of `dimension` in `tenant`. */
  admit(tenant: string, dimension: GuardedDimension, value: string, nowMs = Date.now()): string {
    if (value === '') return value;
    if (nowMs - this.windowStart >= this.windowMs) {
      this.windowStart = nowMs;
      this.seen = new Map();
    }
    const key = `${tenant}\u0000${dimension}`;
    let values = this.seen.get(key);
    if (!values) {
      values = new Set();
      this.seen.set(key, values);
    }
    if (values.has(value)) return value;
    if (values.size >= this.maxDistinct) return OTHER;
    values.add(value);
    return value;
  }
}
