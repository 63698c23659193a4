import { Decimal } from '@tokenwatch/pricing';

const CENT = Decimal.from('0.01');

/**
 * Dollars for display: `$1,234.57` in cents from a cent up; a smaller non-zero amount with two
 * significant digits (`$0.0062`, `$0.00041`), so a cost under a cent never reads as `$0.00`.
 * The one rule of the Markdown and HTML renderers; JSON and CSV carry the exact decimals.
 *
 * @example
 * usd('1234.567'); // '$1,234.57'
 * usd('0.0061834'); // '$0.0062'
 */
export function usd(value: string): string {
  const amount = Decimal.from(value);
  if (amount.isZero() || abs(amount).compare(CENT) >= 0) return cents(amount);
  // Leading zeros after the point, then two significant digits, rounded half-even as elsewhere.
  const fraction = abs(amount).format().split('.')[1] ?? '';
  const zeros = fraction.length - fraction.replace(/^0+/, '').length;
  const rounded = Decimal.from(amount.format(zeros + 2));
  // 0.00995 rounds up to a whole cent.
  if (abs(rounded).compare(CENT) >= 0) return cents(rounded);
  return `${rounded.isNegative() ? '-' : ''}$${abs(rounded).format()}`;
}

const abs = (d: Decimal) => (d.isNegative() ? Decimal.ZERO.minus(d) : d);

function cents(amount: Decimal): string {
  const [whole = '0', fraction = ''] = amount.format(2).split('.');
  const negative = whole.startsWith('-');
  const digits = negative ? whole.slice(1) : whole;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}$${grouped}.${fraction.padEnd(2, '0')}`;
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
