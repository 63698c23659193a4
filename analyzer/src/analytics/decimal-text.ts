import { Decimal } from '@tokenwatch/pricing';

/** Exact arithmetic on the decimal strings ClickHouse returns for money. */
export function subtractDecimal(a: string, b: string): string {
  return Decimal.from(a).minus(Decimal.from(b)).format();
}

/** Sum of decimal strings, exactly. */
export function sumDecimals(values: readonly string[]): string {
  let sum = Decimal.ZERO;
  for (const value of values) sum = sum.plus(Decimal.from(value));
  return sum.format();
}

/** Orders decimal strings by value. */
export function compareDecimal(a: string, b: string): number {
  return Decimal.from(a).compare(Decimal.from(b));
}

/** A decimal string divided by a count, rounded half-even to 12 places. */
export function divideDecimal(a: string, count: number): string {
  return Decimal.from(a).dividedBy(Decimal.from(count)).format();
}
