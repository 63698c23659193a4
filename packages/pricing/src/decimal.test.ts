import { describe, expect, it } from 'vitest';
import { Decimal, divideHalfEven, formatScaled, powerOfTen } from './decimal.ts';

const d = (value: string | number) => Decimal.from(value);

describe('Decimal', () => {
  it('adds where binary floating point does not', () => {
    expect(0.1 + 0.2).toBe(0.30000000000000004);
    expect(d(0.1).plus(d(0.2)).format()).toBe('0.3');

    let float = 0;
    let exact = Decimal.ZERO;
    for (let i = 0; i < 10; i++) {
      float += 0.1;
      exact = exact.plus(d(0.1));
    }
    expect(float).toBe(0.9999999999999999);
    expect(exact.format()).toBe('1');
  });

  it('prices tokens exactly where float math leaves a tail', () => {
    // gpt-4o: 800 uncached input at $2.5/M, 200 cache-read at $1.25/M, 100 output at $10/M
    // = 0.002 + 0.00025 + 0.001 = 0.00325.
    expect((800 * 2.5) / 1e6 + (200 * 1.25) / 1e6 + (100 * 10) / 1e6).toBe(0.0032500000000000003);
    const input = d(2.5).timesInteger(800).shiftLeft(6);
    const cacheRead = d(1.25).timesInteger(200).shiftLeft(6);
    const output = d(10).timesInteger(100).shiftLeft(6);
    expect(input.plus(cacheRead).plus(output).format()).toBe('0.00325');

    expect(1.1 * 3).toBe(3.3000000000000003);
    expect(d(1.1).timesInteger(3).format()).toBe('3.3');
    expect(d('1.1').times(d('3')).format()).toBe('3.3');

    // 0.075 $/M (gpt-4o-mini cache read) × 333 tokens = 0.000024975 $, exact at 12 places.
    expect(String((0.075 * 333) / 1e6)).toBe('0.000024974999999999997');
    expect(d(0.075).timesInteger(333).shiftLeft(6).format()).toBe('0.000024975');
  });

  it('reads numbers through their shortest text, never their binary expansion', () => {
    // 0.1 as a double is 0.1000000000000000055511151231257827…; the author meant one tenth.
    expect(d(0.1).units).toBe(100_000_000_000_000_000_000_000n);
    expect(d(1.5e-7).format(24)).toBe('0.00000015');
    expect(d(2e21).format()).toBe('2000000000000000000000');
    expect(d(-0).format()).toBe('0');
    expect(d(Number.MAX_SAFE_INTEGER).format()).toBe('9007199254740991');
  });

  it('parses decimal text with sign, fraction and exponent', () => {
    expect(d('2.50').format()).toBe('2.5');
    expect(d('-3').format()).toBe('-3');
    expect(d('+3.25').format()).toBe('3.25');
    expect(d('1.5e-7').format()).toBe('0.00000015');
    expect(d('12E3').format()).toBe('12000');
    expect(d('000.000350').format()).toBe('0.00035');
    expect(Decimal.from(7n).format()).toBe('7');
    expect(d('123456789012345678901234567890.123456789012').format()).toBe(
      '123456789012345678901234567890.123456789012',
    );
  });

  it('rejects what is not a finite decimal', () => {
    for (const bad of ['', 'abc', '1.2.3', '.5', '5.', '1e', '0x10', ' 1', '1e61', '1e-61']) {
      expect(() => d(bad)).toThrow(RangeError);
    }
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => d(bad)).toThrow(RangeError);
    }
    expect(Decimal.tryFrom('nope')).toBeUndefined();
    expect(Decimal.tryFrom(undefined)).toBeUndefined();
    expect(Decimal.tryFrom('0.5')?.format()).toBe('0.5');
  });

  it('rounds half-even at 12 places when formatting', () => {
    expect(d('0.0000000000005').format()).toBe('0'); // tie, 0 is even
    expect(d('0.0000000000015').format()).toBe('0.000000000002'); // tie, up to even 2
    expect(d('0.0000000000025').format()).toBe('0.000000000002'); // tie, down to even 2
    expect(d('0.00000000000250000001').format()).toBe('0.000000000003'); // above the tie
    expect(d('0.0000000000024999999').format()).toBe('0.000000000002'); // below the tie
    expect(d('-0.0000000000015').format()).toBe('-0.000000000002');
    expect(d('-0.0000000000004').format()).toBe('0'); // no "-0"
    expect(d('0.9999999999995').format()).toBe('1'); // tie, carries into the whole part
    expect(d('1.23456789').format(4)).toBe('1.2346');
    expect(d('2.5').round(0).format()).toBe('2');
    expect(d('3.5').round(0).format()).toBe('4');
  });

  it('rounds half-even at the 24th place internally', () => {
    expect(d('0.0000000000000000000000015').units).toBe(2n);
    expect(d('0.0000000000000000000000025').units).toBe(2n);
    expect(d('0.0000000000000000000000025000001').units).toBe(3n);
    expect(d('-0.0000000000000000000000035').units).toBe(-4n);
  });

  it('divides with half-even rounding and refuses zero', () => {
    expect(d(1).dividedBy(d(3)).format()).toBe('0.333333333333');
    expect(d(2).dividedBy(d(3)).format()).toBe('0.666666666667');
    expect(d(2).dividedBy(d(3)).format(24)).toBe('0.666666666666666666666667');
    expect(d(-1).dividedBy(d(8)).format()).toBe('-0.125');
    expect(d(1).dividedBy(d(-8)).format()).toBe('-0.125');
    expect(() => d(1).dividedBy(Decimal.ZERO)).toThrow(RangeError);
  });

  it('multiplies decimals, compares, and guards integer multiplication', () => {
    // 20% off $0.0123 is $0.00984; in floats 0.0123 × 0.8 is 0.009840000000000002.
    expect(String(0.0123 * 0.8)).toBe('0.009840000000000002');
    expect(
      d('0.0123')
        .times(Decimal.ONE.minus(d('0.2')))
        .format(),
    ).toBe('0.00984');
    expect(d('1.5').compare(d('1.50'))).toBe(0);
    expect(d('1.5').compare(d('1.6'))).toBe(-1);
    expect(d('-1').isNegative()).toBe(true);
    expect(d('0.000').isZero()).toBe(true);
    expect(d('2').equals(d(2))).toBe(true);
    expect(() => d(1).timesInteger(1.5)).toThrow(RangeError);
    expect(
      d(1)
        .timesInteger(2n ** 70n)
        .format(),
    ).toBe('1180591620717411303424');
    expect(`${d('0.00035')}`).toBe('0.00035');
  });

  it('exposes the scaled-integer helpers the pricer uses on its hot path', () => {
    expect(formatScaled(350n, 6)).toBe('0.00035');
    expect(formatScaled(-350n, 6)).toBe('-0.00035');
    expect(formatScaled(1_000_000n, 6)).toBe('1');
    expect(formatScaled(0n, 12)).toBe('0');
    expect(formatScaled(12_695_000_000n, 12)).toBe('0.012695');
    expect(divideHalfEven(25n, 10n)).toBe(2n);
    expect(divideHalfEven(35n, 10n)).toBe(4n);
    expect(divideHalfEven(-25n, 10n)).toBe(-2n);
    expect(divideHalfEven(-26n, 10n)).toBe(-3n);
    expect(powerOfTen(18)).toBe(1_000_000_000_000_000_000n);
  });
});
