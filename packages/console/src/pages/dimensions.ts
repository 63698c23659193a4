import { DIMENSION_TABLE } from '@tokenwatch/schema';

/** The dimensions of the per-minute rollup, as select choices (what cost-series groups by). */
export const ROLLUP_CHOICES: readonly (readonly [string, string])[] = DIMENSION_TABLE.filter(
  (d) => d.rollup,
).map((d) => [d.name, d.name] as const);
