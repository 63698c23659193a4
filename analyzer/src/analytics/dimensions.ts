/** Dimensions cost can be grouped by, and the llm_calls / rollup column behind each. */
export const DIMENSIONS = {
  task: 'task_id',
  session: 'session_id',
  agent: 'agent',
  user: 'user_id',
  team: 'team',
  feature: 'feature',
  model: 'model',
  provider: 'provider',
  service: 'service',
  environment: 'environment',
} as const;

export type Dimension = keyof typeof DIMENSIONS;

/** Dimensions the per-minute rollup carries: queries grouped only by these read the rollup. */
export const ROLLUP_DIMENSIONS: ReadonlySet<Dimension> = new Set([
  'session',
  'agent',
  'user',
  'team',
  'feature',
  'model',
  'provider',
  'service',
  'environment',
]);

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
