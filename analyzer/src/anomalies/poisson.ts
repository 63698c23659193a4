/**
 * @module
 * Poisson tails, for judging small counts: 10 calls in 30 seconds say little about a rate, and a
 * ratio computed from them swings by ±30 % on noise alone. Computed through the regularized
 * incomplete gamma function (Numerical Recipes §6.2), accurate for counts in the millions.
 */

const LANCZOS = [
  76.18009172947146, -86.50532032941678, 24.01409824083091, -1.231739572450155,
  0.1208650973866179e-2, -0.5395239384953e-5,
];

/** ln Γ(x) for x > 0 (Lanczos approximation, relative error below 2e-10). */
export function logGamma(x: number): number {
  let y = x;
  const tmp = x + 5.5 - (x + 0.5) * Math.log(x + 5.5);
  let series = 1.000000000190015;
  for (const c of LANCZOS) series += c / ++y;
  return -tmp + Math.log((2.5066282746310007 * series) / x);
}

const EPS = 1e-14;
const MAX_ITERATIONS = 10_000;

/** The regularized lower incomplete gamma function P(a, x), a > 0, x ≥ 0. */
export function regularizedGammaP(a: number, x: number): number {
  if (x <= 0) return 0;
  const front = Math.exp(-x + a * Math.log(x) - logGamma(a));
  if (x < a + 1) {
    // Series: converges quickly below the mode.
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < MAX_ITERATIONS; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * EPS) break;
    }
    return Math.min(1, sum * front);
  }
  // Continued fraction (modified Lentz) for Q = 1 − P above the mode.
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return Math.max(0, 1 - front * h);
}

/**
 * P(X ≥ k) for X ~ Poisson(λ): how likely a count at least this high is when the rate is λ.
 * Fractional counts are rounded down (a weaker claim, so the test stays conservative).
 *
 * @example
 * poissonUpperTail(8, 2.5); // ≈ 0.0042: 8 calls in 30 s are not a 5-calls-a-minute agent
 */
export function poissonUpperTail(k: number, lambda: number): number {
  const n = Math.floor(k);
  if (n <= 0) return 1;
  if (lambda <= 0) return 0;
  return regularizedGammaP(n, lambda);
}

/**
 * P(X ≤ k) for X ~ Poisson(λ): how likely a count this low is when the rate is λ. Fractional
 * counts are rounded down.
 *
 * @example
 * poissonLowerTail(18, 30); // ≈ 0.013: 18 calls where 30 were due is still within noise at p 0.01
 */
export function poissonLowerTail(k: number, lambda: number): number {
  const n = Math.floor(k);
  if (n < 0) return 0;
  if (lambda <= 0) return 1;
  return 1 - regularizedGammaP(n + 1, lambda);
}
