import { DIMENSION_TABLE, type DimensionName, dimensionsWith } from '@tokenwatch/schema';

/**
 * Dimensions cost can be grouped by, and the llm_calls / rollup column behind each: every row of
 * the dimension table.
 */
export const DIMENSIONS = Object.fromEntries(DIMENSION_TABLE.map((d) => [d.name, d.column])) as {
  readonly [N in DimensionName]: string;
};

export type Dimension = DimensionName;

/** Dimensions the per-minute rollup carries: queries grouped only by these read the rollup. */
export const ROLLUP_DIMENSIONS: ReadonlySet<Dimension> = new Set(
  dimensionsWith('rollup').map((d) => d.name),
);

/** Parses `agent,model` into dimensions, refusing unknown names. */
export function parseDimensions(value: string): Dimension[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!(name in DIMENSIONS)) {
      throw new Error(
        `unknown dimension ${JSON.stringify(name)} (use ${Object.keys(DIMENSIONS).join(', ')})`,
      );
    }
  }
  return [...new Set(names)] as Dimension[];
}
