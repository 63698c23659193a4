/** Milliseconds per unit of the config's duration strings (`30s`, `15m`, `24h`, `7d`). */
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

const DURATION = /^(\d+)(s|m|h|d)$/;

/** One minute in milliseconds: the rollup's resolution. */
export const MINUTE_MS = 60_000;

/**
 * Parses a config duration such as `30s`, `2m`, `24h` or `7d` into milliseconds.
 *
 * @throws {RangeError} for anything else, or for a zero duration
 * @example
 * parseDuration('2m'); // 120000
 */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text);
  if (!match)
    throw new RangeError(`not a duration: ${JSON.stringify(text)} (e.g. 30s, 15m, 24h, 7d)`);
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (!Number.isSafeInteger(ms) || ms <= 0) throw new RangeError(`duration out of range: ${text}`);
  return ms;
}

/** Start of the UTC minute holding `ms` (the rollup's `minute` of a call at that instant). */
export function floorMinute(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

/** Formats epoch milliseconds as a ClickHouse `DateTime('UTC')` parameter (whole seconds). */
export function toChDateTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** Formats epoch milliseconds as a ClickHouse `DateTime64(3, 'UTC')` parameter. */
export function toChDateTime64ms(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}
