import { Decimal } from '@tokenwatch/pricing';

/** `$1,234.57` from a decimal string, rounded to cents for display only. */
export function usd(value: string): string {
  const [whole = '0', cents = ''] = Decimal.from(value).format(2).split('.');
  const negative = whole.startsWith('-');
  const digits = negative ? whole.slice(1) : whole;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}$${grouped}.${cents.padEnd(2, '0')}`;
}

/** `+12.5%` / `-3%`, `new` for a null ratio. */
export function signedPercent(ratio: number | null): string {
  if (ratio === null) return 'new';
  const p = Math.round(ratio * 1000) / 10;
  return `${p > 0 ? '+' : ''}${p}%`;
}

/** `42.5%` from a 0–1 share. */
export function percent(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}

/** Change in dollars with its sign: `+$1.00`. */
export function signedUsd(value: string): string {
  const text = usd(value);
  return text.startsWith('-') ? text : `+${text}`;
}
