/**
 * @module
 * Exact decimal arithmetic for money: a bigint holding the value times 10^24. Prices arrive as
 * decimal text (config, ClickHouse) or as doubles written by people (the bundled price data), so
 * parsing goes through the shortest decimal text of a double, never through binary arithmetic.
 *
 * Why 24 fractional digits: costs leave at 12 places (the `Decimal(18, 12)` columns); a per-million
 * price with up to 12 places divided by a million needs 18; 6 more keep a discount multiplication
 * exact in practice. Anything finer than 10^-24 is rounded half-even when it is computed. The
 * pricer goes further: it keeps rate × tokens × (1 − discount) as an exact scaled integer and
 * rounds once, at the output (see `divideHalfEven` and `formatScaled`).
 *
 * Rounding is half-even (banker's rounding) everywhere: the per-call costs are summed over millions
 * of calls, and half-up would bias every tie in the same direction.
 */

/** Fractional digits held internally. */
export const INTERNAL_FRACTION_DIGITS = 24;
/** Fractional digits of the formatted output, matching the store's `Decimal(18, 12)` columns. */
export const OUTPUT_FRACTION_DIGITS = 12;

const SCALE = 10n ** BigInt(INTERNAL_FRACTION_DIGITS);
// Caps the exponent a parsed text may carry, so `1e999999999` cannot make a gigantic bigint.
const MAX_EXPONENT = 60;
const DECIMAL_TEXT = /^([+-]?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

const POWERS_OF_TEN: bigint[] = [];

/** 10^digits as a bigint, memoized (the pricer asks for the same few powers on every call). */
export function powerOfTen(digits: number): bigint {
  let power = POWERS_OF_TEN[digits];
  if (power === undefined) {
    power = 10n ** BigInt(digits);
    POWERS_OF_TEN[digits] = power;
  }
  return power;
}

/** `numerator / denominator` rounded half-even; the denominator must be positive. */
export function divideHalfEven(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  const remainder = numerator % denominator;
  if (remainder === 0n) return quotient;
  const twice = (remainder < 0n ? -remainder : remainder) * 2n;
  const awayFromZero = twice > denominator || (twice === denominator && quotient % 2n !== 0n);
  if (!awayFromZero) return quotient;
  return numerator < 0n ? quotient - 1n : quotient + 1n;
}

/**
 * Plain decimal text of `scaled` × 10^-fractionDigits, with no exponent, no trailing zeros and no
 * `-0`: `formatScaled(350n, 6)` is `'0.00035'`.
 */
export function formatScaled(scaled: bigint, fractionDigits: number): string {
  if (scaled === 0n) return '0';
  const negative = scaled < 0n;
  let digits = (negative ? -scaled : scaled).toString();
  if (digits.length <= fractionDigits) {
    digits = '0'.repeat(fractionDigits + 1 - digits.length) + digits;
  }
  const point = digits.length - fractionDigits;
  // Trailing zeros are trimmed by scanning, not a regex: this runs five times per priced span.
  let end = digits.length;
  while (end > point && digits.charCodeAt(end - 1) === 48) end--;
  const whole = digits.slice(0, point);
  const text = end > point ? `${whole}.${digits.slice(point, end)}` : whole;
  return negative ? `-${text}` : text;
}

/**
 * An immutable exact decimal. Create one with {@link Decimal.from}; format it with
 * {@link Decimal.format} (or `String(d)`), which rounds half-even to 12 places.
 *
 * @example
 * ```ts
 * Decimal.from(0.1).plus(Decimal.from(0.2)).format(); // '0.3' (0.1 + 0.2 is 0.30000000000000004)
 * Decimal.from('2.5').timesInteger(1234).shiftLeft(6).format(); // '0.003085'
 * ```
 */
export class Decimal {
  /** The value times 10^24. */
  readonly units: bigint;

  private constructor(units: bigint) {
    this.units = units;
  }

  static readonly ZERO = new Decimal(0n);
  static readonly ONE = new Decimal(SCALE);

  /** The decimal whose value is `units` × 10^-24. */
  static fromUnits(units: bigint): Decimal {
    return new Decimal(units);
  }

  /**
   * Reads a decimal from text (`"0.075"`, `"-3"`, `"1.5e-7"`), a finite number or a bigint.
   * A number is read through its shortest round-trip text, so `0.1` is exactly one tenth.
   * Digits beyond the 24th decimal place are rounded half-even.
   *
   * @throws {RangeError} for NaN, infinities, malformed text or an exponent beyond ±60
   */
  static from(value: string | number | bigint | Decimal): Decimal {
    if (value instanceof Decimal) return value;
    if (typeof value === 'bigint') return new Decimal(value * SCALE);
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
      if (Number.isSafeInteger(value)) return new Decimal(BigInt(value) * SCALE);
      return Decimal.parse(String(value));
    }
    return Decimal.parse(value);
  }

  /** Like {@link Decimal.from} but returns undefined instead of throwing. */
  static tryFrom(
    value: string | number | bigint | Decimal | undefined | null,
  ): Decimal | undefined {
    if (value === undefined || value === null) return undefined;
    try {
      return Decimal.from(value);
    } catch {
      return undefined;
    }
  }

  private static parse(text: string): Decimal {
    const match = DECIMAL_TEXT.exec(text);
    if (!match) throw new RangeError(`not a decimal number: ${JSON.stringify(text)}`);
    const [, sign = '', whole = '', fraction = '', exponentText = '0'] = match;
    const exponent = Number(exponentText);
    if (Math.abs(exponent) > MAX_EXPONENT) {
      throw new RangeError(`exponent out of range: ${JSON.stringify(text)}`);
    }
    let digits = BigInt(whole + fraction);
    if (sign === '-') digits = -digits;
    // digits × 10^(exponent − fraction length) expressed in units of 10^-24.
    const shift = INTERNAL_FRACTION_DIGITS + exponent - fraction.length;
    const units =
      shift >= 0 ? digits * powerOfTen(shift) : divideHalfEven(digits, powerOfTen(-shift));
    return new Decimal(units);
  }

  plus(other: Decimal): Decimal {
    return new Decimal(this.units + other.units);
  }

  minus(other: Decimal): Decimal {
    return new Decimal(this.units - other.units);
  }

  /** Product, rounded half-even at the 24th place. */
  times(other: Decimal): Decimal {
    return new Decimal(divideHalfEven(this.units * other.units, SCALE));
  }

  /**
   * Product with a whole number (a token count): always exact.
   *
   * @throws {RangeError} when `count` is not a safe integer
   */
  timesInteger(count: number | bigint): Decimal {
    if (typeof count === 'number' && !Number.isSafeInteger(count)) {
      throw new RangeError(`not a safe integer: ${count}`);
    }
    return new Decimal(this.units * BigInt(count));
  }

  /**
   * Quotient, rounded half-even at the 24th place.
   *
   * @throws {RangeError} when dividing by zero
   */
  dividedBy(other: Decimal): Decimal {
    if (other.units === 0n) throw new RangeError('division by zero');
    const numerator = this.units * SCALE;
    return new Decimal(
      other.units < 0n
        ? divideHalfEven(-numerator, -other.units)
        : divideHalfEven(numerator, other.units),
    );
  }

  /** Divides by 10^digits (`shiftLeft(6)` turns a per-million price into a per-token one). */
  shiftLeft(digits: number): Decimal {
    return new Decimal(divideHalfEven(this.units, powerOfTen(digits)));
  }

  /** Rounds half-even to `fractionDigits` places (0 to 24). */
  round(fractionDigits: number = OUTPUT_FRACTION_DIGITS): Decimal {
    const drop = INTERNAL_FRACTION_DIGITS - fractionDigits;
    if (drop <= 0) return this;
    const step = powerOfTen(drop);
    return new Decimal(divideHalfEven(this.units, step) * step);
  }

  /** -1, 0 or 1 as this is below, equal to or above `other`. */
  compare(other: Decimal): -1 | 0 | 1 {
    return this.units < other.units ? -1 : this.units > other.units ? 1 : 0;
  }

  equals(other: Decimal): boolean {
    return this.units === other.units;
  }

  isZero(): boolean {
    return this.units === 0n;
  }

  isNegative(): boolean {
    return this.units < 0n;
  }

  /**
   * Plain decimal text rounded half-even to at most `maxFractionDigits` places (default 12): no
   * exponent, no trailing zeros, no `-0`.
   *
   * @example
   * ```ts
   * Decimal.from('0.000350').format(); // '0.00035'
   * Decimal.from('0.0000000000005').format(); // '0' (a tie rounds to the even neighbour)
   * ```
   */
  format(maxFractionDigits: number = OUTPUT_FRACTION_DIGITS): string {
    const places = Math.min(Math.max(maxFractionDigits, 0), INTERNAL_FRACTION_DIGITS);
    const drop = INTERNAL_FRACTION_DIGITS - places;
    return formatScaled(
      drop === 0 ? this.units : divideHalfEven(this.units, powerOfTen(drop)),
      places,
    );
  }

  /** Same as {@link Decimal.format} with 12 places, so template literals print money correctly. */
  toString(): string {
    return this.format();
  }
}
