/**
 * @module
 * The few statistics the ingest benchmark's tables print: medians of runs, percentiles of
 * latency samples, and number formats.
 */

/** The median, ignoring NaN; NaN when nothing is left. */
export function median(values: number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile of ascending samples (p in 0–100); NaN for no samples. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** p50 / p95 / p99 / max of latency samples in milliseconds, as a table cell. */
export function latencyCell(samples: number[]): string {
  if (samples.length === 0) return 'n/a';
  const sorted = [...samples].sort((a, b) => a - b);
  return [50, 95, 99, 100].map((p) => Math.round(percentile(sorted, p))).join(' / ');
}

/** A whole number with thousands separators. */
export const thousands = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Bytes as whole MiB. */
export const mib = (bytes: number): string => `${Math.round(bytes / 1024 / 1024)} MiB`;
