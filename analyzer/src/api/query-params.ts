import { HTTPException } from 'hono/http-exception';
import { z } from 'zod';
import { type Dimension, parseDimensions } from '../analytics/dimensions.ts';
import { parseSince, type TimeRange } from '../analytics/time-range.ts';

/** Query parameters shared by the analytics routes: `since` (15m, 7d, ISO) and `until` (default now). */
export const RangeQuery = z.object({
  since: z.string().default('24h'),
  until: z.string().optional(),
});

/** Parses and validates query parameters; a bad value is a 400 naming the parameter. */
export function parseQuery<S extends z.ZodType>(
  schema: S,
  query: Record<string, string>,
): z.infer<S> {
  const parsed = schema.safeParse(query);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new HTTPException(400, {
      message: `${issue.path.join('.') || 'query'}: ${issue.message}`,
    });
  }
  return parsed.data;
}

/** The time range of `since`/`until`, as a 400 when either is not a time. */
export function rangeOf(
  query: { since: string; until?: string | undefined },
  now = new Date(),
): TimeRange {
  try {
    const to = query.until ? parseSince(query.until, now, 'UTC', 'end') : now;
    return { from: parseSince(query.since, now), to };
  } catch (err) {
    throw new HTTPException(400, { message: (err as Error).message });
  }
}

/** The `by` parameter as dimensions, as a 400 when one is unknown. */
export function dimensionsOf(value: string | undefined): Dimension[] {
  try {
    return value ? parseDimensions(value) : [];
  } catch (err) {
    throw new HTTPException(400, { message: (err as Error).message });
  }
}
