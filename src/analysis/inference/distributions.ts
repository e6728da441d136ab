// Distribution functions behind the run-level intervals, the gate's power and Clopper–Pearson
// intervals: jStat's Student t (through the regularised incomplete beta function), noncentral t
// and beta. Relative error about 1e-7 (checked against exact values in
// test/analysis/distributions.test.ts), far below any digit an output shows.
import jstat from 'jstat';

const { jStat } = jstat;

/** Quantile of Student's t with `df` degrees of freedom (df may be fractional, as Welch–Satterthwaite gives). */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) return Number.NaN;
  return jStat.studentt.inv(p, df);
}

/** P(T ≤ x) for Student's t with `df` degrees of freedom. */
export function tCdf(x: number, df: number): number {
  if (!(df > 0) || Number.isNaN(x)) return Number.NaN;
  return jStat.studentt.cdf(x, df);
}

/** P(T ≤ x) for the noncentral t with `df` degrees of freedom and noncentrality `ncp` (the power of a t-test). */
export function noncentralTCdf(x: number, df: number, ncp: number): number {
  if (!(df > 0) || Number.isNaN(x) || Number.isNaN(ncp)) return Number.NaN;
  if (ncp === 0) return tCdf(x, df);
  return jStat.noncentralt.cdf(x, df, ncp);
}

/** Quantile of the beta distribution Beta(a, b). */
export function betaQuantile(p: number, a: number, b: number): number {
  if (!(p >= 0 && p <= 1) || !(a > 0) || !(b > 0)) return Number.NaN;
  return jStat.beta.inv(p, a, b);
}

/** P(Z ≤ x) for the standard normal. */
export function normalCdf(x: number): number {
  return jStat.normal.cdf(x, 0, 1);
}

/** Quantile of the standard normal. */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) return Number.NaN;
  return jStat.normal.inv(p, 0, 1);
}
