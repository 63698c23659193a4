import { describe, expect, it } from 'vitest';
import { poissonLowerTail, poissonUpperTail } from './poisson.ts';

/** P(X ≤ k) by summing the terms: the definition, for small counts. */
function lowerBySum(k: number, lambda: number): number {
  let term = Math.exp(-lambda);
  let sum = term;
  for (let i = 1; i <= k; i++) {
    term *= lambda / i;
    sum += term;
  }
  return sum;
}

describe('Poisson tails', () => {
  it('match the summed definition on both sides of the mean', () => {
    for (const [k, lambda] of [
      [8, 2.5],
      [7, 2.5],
      [18, 30],
      [40, 10],
      [5, 5],
      [300, 250],
    ] as const) {
      expect(poissonLowerTail(k, lambda)).toBeCloseTo(lowerBySum(k, lambda), 12);
      expect(poissonUpperTail(k, lambda)).toBeCloseTo(1 - lowerBySum(k - 1, lambda), 12);
    }
  });

  it('give the numbers the detector relies on', () => {
    // 8 calls in 30 s from a 5-calls-a-minute agent: significant; 7 is not (p ≈ 0.014).
    expect(poissonUpperTail(8, 2.5)).toBeCloseTo(0.004247, 6);
    expect(poissonUpperTail(7, 2.5)).toBeGreaterThan(0.01);
    // 18 calls in 2 min where 3× would be 30: still within noise of 3×; 17 is not.
    expect(poissonLowerTail(18, 30)).toBeGreaterThan(0.01);
    expect(poissonLowerTail(17, 30)).toBeLessThan(0.01);
  });

  it('round fractional counts down and handle the edges', () => {
    expect(poissonUpperTail(7.9, 2.5)).toBe(poissonUpperTail(7, 2.5));
    expect(poissonUpperTail(0, 3)).toBe(1);
    expect(poissonUpperTail(3, 0)).toBe(0);
    expect(poissonLowerTail(0, 0)).toBe(1);
    expect(poissonLowerTail(-1, 3)).toBe(0);
    expect(poissonUpperTail(100_000, 99_000)).toBeLessThan(0.001);
  });
});
