import { createHash } from 'node:crypto';
import type { AlertValues } from './types.ts';

/**
 * The identity of an alert: sha256 (hex) of its labels sorted by name, so the same labels give the
 * same fingerprint across evaluations and restarts whatever order they were built in.
 *
 * @example
 * fingerprintOf({ alertname: 'runaway', tenant: 'acme' }); // 64 hex chars
 */
export function fingerprintOf(labels: Record<string, string>): string {
  const sorted = Object.keys(labels)
    .sort()
    .map((name) => [name, labels[name]]);
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex');
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/**
 * Fills `{{name}}` placeholders from `values`; unknown names stay as written (the config schema
 * rejects them, so this only happens with hand-built rules).
 */
export function renderTemplate(template: string, values: AlertValues): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    const value = values[name];
    return value === undefined ? whole : String(value);
  });
}

/** A number for people: at most `digits` decimals, no trailing zeros. */
export function formatNumber(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return String(value);
  return String(Number(value.toFixed(digits)));
}

/** A fraction (0.8) as a percentage (80). */
export function percent(fraction: number, digits = 1): string {
  return formatNumber(fraction * 100, digits);
}
