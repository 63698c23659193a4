/**
 * @module
 * How the console writes numbers and times. Amounts arrive as exact decimal text from the reads;
 * they are rounded here for reading only, and every rendered amount keeps the exact text in its
 * `data-value` so nothing shown can drift from what the API gives.
 */
import { html } from 'hono/html';

/** An amount of USD for reading: cents, or four decimals under a cent. */
export function usdText(value: string | number): string {
  const n = Number(value);
  const digits = n !== 0 && Math.abs(n) < 0.01 ? 4 : 2;
  return `$${n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
}

/** A USD amount as markup: rounded text, the exact decimal in `data-value`. */
export function usd(value: string, testId?: string) {
  return html`<span class="num" data-value="${value}" data-testid="${testId}" title="${`$${value}`}">${usdText(value)}</span>`;
}

/** A whole number with thousands separators. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** A signed relative change (`+12.5%`), or `new` when there was nothing before. */
export function change(ratio: number | null): string {
  if (ratio === null) return 'new';
  const pct = ratio * 100;
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%`;
}

/** A fraction as a percentage. */
export function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

/** An instant in the configured zone, minutes precision (`2026-12-08 14:05`). */
export function localTime(at: Date, timezone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}

/** A store timestamp (`2026-12-08 14:05:00.123456789`, UTC) as an instant. */
export function storeTime(text: string): Date {
  return new Date(`${text.replace(' ', 'T').slice(0, 23)}Z`);
}
