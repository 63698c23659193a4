/**
 * @module
 * Building blocks of the reads' query and result schemas: time parameters in the shared time
 * grammar, dimensions, the one row limit, and the value types results are made of.
 */
import { z } from 'zod';
import { type Dimension, parseDimensions } from '../analytics/dimensions.ts';
import { parseTime, type TimeEdge } from '../shared/time-grammar.ts';
import type { QueryContext, Truncation } from './contract.ts';

/** How many rows a list of any read shows unless `limit` says otherwise. */
export const ROW_LIMIT = 100;

/** The most rows a `limit` may ask for. */
export const MAX_ROW_LIMIT = 10_000;

/** Runs a parser that throws, as a zod issue carrying its message. */
function parsed<T>(parse: (value: string) => T) {
  return (value: string, ctx: { issues: z.core.$ZodRawIssue[] }): T => {
    try {
      return parse(value);
    } catch (err) {
      ctx.issues.push({ code: 'custom', message: (err as Error).message, input: value });
      return z.NEVER;
    }
  };
}

/**
 * A time parameter in the shared grammar (`7d`, `yesterday`, `2026-W49`, ISO times), read against
 * the query context's clock and time zone. `edge: 'end'` makes a day or week given as the end of
 * a range include it whole. `fallback` is the value when the parameter is absent, in the grammar
 * too (`'now'`, `'7d'`); without one the parameter is optional.
 */
export function timeParam(
  context: QueryContext,
  options: { fallback: string; edge?: TimeEdge },
): z.ZodType<Date, string | undefined>;
export function timeParam(
  context: QueryContext,
  options?: { edge?: TimeEdge },
): z.ZodType<Date | undefined, string | undefined>;
export function timeParam(
  context: QueryContext,
  options: { fallback?: string; edge?: TimeEdge } = {},
): z.ZodType<Date | undefined, string | undefined> {
  const read = parsed((value) => parseTime(value, { ...context, edge: options.edge }));
  return options.fallback === undefined
    ? z
        .string()
        .optional()
        .transform((value, ctx) => (value === undefined ? undefined : read(value, ctx)))
    : z.string().default(options.fallback).transform(read);
}

/**
 * `since` and `until` of a read over a range: `since` from the given default, `until` now; a day
 * or week given as `until` is included whole. Spread into the query object.
 */
export function rangeParams(context: QueryContext, defaults: { since: string; until: string }) {
  return {
    since: timeParam(context, { fallback: defaults.since }),
    until: timeParam(context, { fallback: defaults.until, edge: 'end' }),
  };
}

/** The time range of a query's `since` and `until`. */
export function rangeOf(query: { since: Date; until: Date }): { from: Date; to: Date } {
  return { from: query.since, to: query.until };
}

/** A comma-separated list of dimensions (`agent,model`); unknown names are refused. */
export function dimensionsParam(fallback?: string): z.ZodType<Dimension[], string | undefined> {
  const read = parsed(parseDimensions);
  return fallback === undefined
    ? z
        .string()
        .optional()
        .transform((value, ctx) => (value === undefined ? [] : read(value, ctx)))
    : z.string().default(fallback).transform(read);
}

/** A count of rows to show, without a default. */
export function rowCountParam() {
  return z.coerce.number().int().min(1).max(MAX_ROW_LIMIT);
}

/** The row limit of every list a read returns: {@link ROW_LIMIT} unless asked otherwise. */
export function limitParam() {
  return rowCountParam().default(ROW_LIMIT);
}

/** An IANA time zone name (`Europe/Berlin`); an unknown one is refused. */
export function timezoneParam(fallback: string): z.ZodType<string, string | undefined> {
  return z
    .string()
    .default(fallback)
    .transform(
      parsed((value) => {
        new Intl.DateTimeFormat('en-US', { timeZone: value });
        return value;
      }),
    );
}

/** An instant: a Date in process, an ISO time on the wire; a Date either way once parsed. */
export const Instant = z
  .union([z.date(), z.iso.datetime({ offset: true })])
  .transform((value) => new Date(value));

/** A half-open time range `[from, to)`. */
export const RangeSchema = z.object({ from: Instant, to: Instant });

/** An exact decimal amount (USD, or whole tokens), as text so no digit is lost. */
export const DecimalText = z.string().regex(/^-?\d+(\.\d+)?$/, 'a decimal amount as text');

/** A count of things. */
export const Count = z.number().int().nonnegative();

/** The lists of a result the row limit cut, by field name; empty when nothing was cut. */
export const TruncatedSchema = z.record(z.string(), z.object({ shown: Count, total: Count }));

/** The first `limit` rows of a list that is already complete in memory, and whether it was cut. */
export function firstRows<T>(rows: readonly T[], limit: number): { rows: T[]; cut?: Truncation } {
  return rows.length > limit
    ? { rows: rows.slice(0, limit), cut: { shown: limit, total: rows.length } }
    : { rows: [...rows] };
}

/** The `truncated` field of a result from the lists' cuts, leaving out the lists shown whole. */
export function truncations(
  cuts: Record<string, Truncation | undefined>,
): Record<string, Truncation> {
  const truncated: Record<string, Truncation> = {};
  for (const [name, cut] of Object.entries(cuts))
    if (cut && cut.shown < cut.total) truncated[name] = cut;
  return truncated;
}
