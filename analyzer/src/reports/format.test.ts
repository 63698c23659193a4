import { describe, expect, it } from 'vitest';
import { signedUsd, usd } from './format.ts';

describe('usd', () => {
  it('shows a cent and more in cents, grouped', () => {
    expect(usd('1234.567')).toBe('$1,234.57');
    expect(usd('0.0618')).toBe('$0.06');
    expect(usd('0.01')).toBe('$0.01');
    expect(usd('2')).toBe('$2.00');
    expect(usd('-1.1')).toBe('-$1.10');
    expect(usd('0')).toBe('$0.00');
  });

  it('shows an amount under a cent with two significant digits, never $0.00', () => {
    expect(usd('0.0061834')).toBe('$0.0062');
    expect(usd('0.006')).toBe('$0.006');
    expect(usd('0.000412345')).toBe('$0.00041');
    expect(usd('0.000000000001')).toBe('$0.000000000001');
    expect(usd('-0.0041')).toBe('-$0.0041');
    // Half-even, as every other rounding of money here.
    expect(usd('0.00625')).toBe('$0.0062');
    expect(usd('0.00635')).toBe('$0.0064');
    // Rounds up to a whole cent: shown in cents.
    expect(usd('0.00996')).toBe('$0.01');
    expect(usd('-0.00999')).toBe('-$0.01');
  });

  it('signs changes the same way', () => {
    expect(signedUsd('0.0041')).toBe('+$0.0041');
    expect(signedUsd('-0.0041')).toBe('-$0.0041');
    expect(signedUsd('0.91')).toBe('+$0.91');
  });
});
