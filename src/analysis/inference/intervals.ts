// Inference with the run as the unit: one value per run (its throughput = Σ tokens ÷ Σ seconds
// over its measured steps), Student t intervals on the logs of those values, ratios paired by the
// ABBA blocks where the design has them, statements that follow the interval, and Clopper–Pearson
// intervals for rates. Pure functions; the method and its sources: docs/metrics.md "Intervals".
import { CI_LEVEL, WITHIN_RUN_SPREAD } from './constants.ts';
import { betaQuantile, tQuantile } from './distributions.ts';
import { mean, quantile, sampleSd, sortSamples } from './stats.ts';
import type { Estimate } from '../../records/summary.ts';
import { formatNumber } from '../../value-format.ts';

/** A confidence interval from two runs or more. */
export interface ConfidenceInterval {
  kind: 'confidence';
  low: number;
  high: number;
  level: number;
  /** Degrees of freedom of the t quantile used. */
  df: number;
  method: string;
}

/** With one run there is no confidence interval: only how that run's steps varied, labelled as such. */
export interface WithinRunSpread {
  kind: 'within_run_spread';
  low: number;
  high: number;
  method: string;
}

export type Spread = ConfidenceInterval | WithinRunSpread;

/** exp(mean(ln x)); NaN for an empty sample or a value ≤ 0. */
export function geometricMean(xs: readonly number[]): number {
  if (xs.length === 0 || xs.some((x) => !(x > 0))) return Number.NaN;
  return Math.exp(mean(xs.map(Math.log)));
}

/** The t quantile for a two-sided interval of `level`. */
export function tCritical(level: number, df: number): number {
  return tQuantile((1 + level) / 2, df);
}

/**
 * Student t interval on the logs of per-run values, back-transformed: exp(ȳ ± t_{(1+level)/2, n−1}
 * · s/√n), ȳ and s the mean and sample standard deviation of ln x. An interval for the geometric
 * mean of the runs (a ratio scale: multiplicative noise becomes additive). Undefined with fewer
 * than two runs or a value ≤ 0.
 */
export function logTInterval(values: readonly number[], level: number = CI_LEVEL): ConfidenceInterval | undefined {
  const n = values.length;
  if (n < 2 || values.some((x) => !(x > 0))) return undefined;
  const logs = values.map(Math.log);
  const half = tCritical(level, n - 1) * (sampleSd(logs) / Math.sqrt(n));
  const center = mean(logs);
  return {
    kind: 'confidence',
    low: Math.exp(center - half),
    high: Math.exp(center + half),
    level,
    df: n - 1,
    method: `t interval on the log of ${n} per-run values (df ${n - 1})`,
  };
}

/** The 25th–75th percentile of one run's per-step values: its spread, not a confidence interval. */
export function withinRunSpread(perStep: readonly number[]): WithinRunSpread | undefined {
  const finite = perStep.filter((x) => Number.isFinite(x));
  if (finite.length === 0) return undefined;
  const s = sortSamples(finite);
  return {
    kind: 'within_run_spread',
    low: quantile(s, WITHIN_RUN_SPREAD.low),
    high: quantile(s, WITHIN_RUN_SPREAD.high),
    method: `one run: no confidence interval; ${100 * WITHIN_RUN_SPREAD.low}th–${100 * WITHIN_RUN_SPREAD.high}th percentile of its ${finite.length} per-step values`,
  };
}

/** A mode's figure with the runs it rests on. */
export interface RunLevelEstimate {
  /** Geometric mean of the per-run values (the one run's value when there is one). */
  value: number;
  run_values: number[];
  n_runs: number;
  /** A confidence interval from ≥ 2 runs; with one run only its within-run spread; null when neither exists. */
  interval: Spread | null;
}

/**
 * The figure of a mode from its per-run values: their geometric mean with a log-t interval; with
 * one run, that run's value and the spread of `oneRunSteps` (its per-step values) instead.
 */
export function runLevelEstimate(
  runValues: readonly number[],
  level: number = CI_LEVEL,
  oneRunSteps: readonly number[] = [],
): RunLevelEstimate {
  const n = runValues.length;
  const interval = n >= 2 ? logTInterval(runValues, level) : n === 1 ? withinRunSpread(oneRunSteps) : undefined;
  return { value: n === 1 ? runValues[0]! : geometricMean(runValues), run_values: [...runValues], n_runs: n, interval: interval ?? null };
}

/** A per-run value with the ABBA block it ran in (the repeat: modes alternate order within each). */
export interface BlockValue {
  block: number;
  value: number;
}

/** candidate ÷ baseline of run-level values. */
export interface RatioEstimate {
  /** exp(mean log difference): the ratio of geometric means (paired: the geometric mean of per-block ratios). */
  ratio: number;
  /** paired: by ABBA block; two_sample: Welch; single_runs: one run on a side, no interval. */
  design: 'paired' | 'two_sample' | 'single_runs';
  n_baseline: number;
  n_candidate: number;
  /** Blocks with a run of both (paired design). */
  n_pairs?: number;
  interval: ConfidenceInterval | null;
}

/**
 * Paired by block: d_k = ln c_k − ln b_k over the blocks both sides ran, exp(d̄ ± t_{n−1} · s_d/√n).
 * The two runs of a block ran back to back, so machine drift between blocks cancels in d_k.
 * Undefined with fewer than two common blocks.
 */
export function pairedRatio(
  baseline: readonly BlockValue[],
  candidate: readonly BlockValue[],
  level: number = CI_LEVEL,
): RatioEstimate | undefined {
  const byBlock = new Map(baseline.map((b) => [b.block, b.value]));
  const d = candidate.filter((c) => byBlock.has(c.block)).map((c) => Math.log(c.value / byBlock.get(c.block)!));
  const n = d.length;
  if (n < 2 || d.some((x) => !Number.isFinite(x))) return undefined;
  const center = mean(d);
  const half = tCritical(level, n - 1) * (sampleSd(d) / Math.sqrt(n));
  return {
    ratio: Math.exp(center),
    design: 'paired',
    n_baseline: baseline.length,
    n_candidate: candidate.length,
    n_pairs: n,
    interval: {
      kind: 'confidence',
      low: Math.exp(center - half),
      high: Math.exp(center + half),
      level,
      df: n - 1,
      method: `paired t interval on the log ratio of ${n} ABBA blocks (df ${n - 1})`,
    },
  };
}

/**
 * Two independent samples of runs: ln ratio = mean ln c − mean ln b with Welch's standard error
 * √(s_c²/n_c + s_b²/n_b) and Welch–Satterthwaite degrees of freedom (Welch 1947). With one run on
 * either side there is no variance to estimate that side's spread, so no interval.
 */
export function twoSampleRatio(baseline: readonly number[], candidate: readonly number[], level: number = CI_LEVEL): RatioEstimate {
  const nb = baseline.length;
  const nc = candidate.length;
  const ratio = geometricMean(candidate) / geometricMean(baseline);
  const base = { ratio, n_baseline: nb, n_candidate: nc };
  if (nb < 2 || nc < 2 || !Number.isFinite(ratio)) return { ...base, design: 'single_runs', interval: null };
  const vb = sampleSd(baseline.map(Math.log)) ** 2 / nb;
  const vc = sampleSd(candidate.map(Math.log)) ** 2 / nc;
  const se = Math.sqrt(vb + vc);
  const df = se > 0 ? (vb + vc) ** 2 / (vb ** 2 / (nb - 1) + vc ** 2 / (nc - 1)) : nb + nc - 2;
  const half = tCritical(level, df) * se;
  return {
    ...base,
    design: 'two_sample',
    interval: {
      kind: 'confidence',
      low: ratio * Math.exp(-half),
      high: ratio * Math.exp(half),
      level,
      df,
      method: `Welch t interval on the log ratio, ${nb} and ${nc} runs (df ${formatNumber(df, { decimals: 1 })})`,
    },
  };
}

/** Paired by ABBA block when at least two blocks have a run of both, else two independent samples. */
export function blockRatio(baseline: readonly BlockValue[], candidate: readonly BlockValue[], level: number = CI_LEVEL): RatioEstimate {
  return (
    pairedRatio(baseline, candidate, level) ??
    twoSampleRatio(
      baseline.map((b) => b.value),
      candidate.map((c) => c.value),
      level,
    )
  );
}

/**
 * What an interval of a speed ratio (higher = candidate faster) lets one say: `faster` or `slower`
 * only when it excludes 1; otherwise `unresolved`, with `within` the largest change it still
 * allows, max(high − 1, 1 − low); `no_interval` with a single run on a side.
 */
export type Resolution = { kind: 'faster' | 'slower' } | { kind: 'unresolved'; within: number } | { kind: 'no_interval' };

export function resolveChange(e: { interval: Pick<ConfidenceInterval, 'low' | 'high'> | null }): Resolution {
  const iv = e.interval;
  if (!iv || !Number.isFinite(iv.low) || !Number.isFinite(iv.high)) return { kind: 'no_interval' };
  if (iv.low > 1) return { kind: 'faster' };
  if (iv.high < 1) return { kind: 'slower' };
  return { kind: 'unresolved', within: Math.max(iv.high - 1, 1 - iv.low) };
}

/** A rate k/n with its exact (Clopper–Pearson 1934) interval. */
export interface Proportion {
  k: number;
  n: number;
  rate: number;
  low: number;
  high: number;
  level: number;
}

/**
 * Clopper–Pearson interval of a binomial rate: low = B((1 − level)/2; k, n − k + 1) (0 when k = 0),
 * high = B((1 + level)/2; k + 1, n − k) (1 when k = n), B the beta quantile. Exact: its coverage is
 * at least `level` for every true rate.
 */
export function clopperPearson(k: number, n: number, level: number = CI_LEVEL): Proportion {
  if (!(Number.isInteger(k) && Number.isInteger(n) && n >= 0 && k >= 0 && k <= n)) {
    throw new RangeError(`clopperPearson: need integers 0 ≤ k ≤ n, got k = ${k}, n = ${n}`);
  }
  if (n === 0) return { k, n, rate: Number.NaN, low: 0, high: 1, level };
  const a = (1 - level) / 2;
  return {
    k,
    n,
    rate: k / n,
    low: k === 0 ? 0 : betaQuantile(a, k, n - k + 1),
    high: k === n ? 1 : betaQuantile(1 - a, k + 1, n - k),
    level,
  };
}

/** A ratio of runs as summary.json stores it. */
export function ratioEstimate(r: RatioEstimate, nSteps: number): Estimate {
  const iv = r.interval;
  return {
    value: r.ratio,
    ...(iv ? { low: iv.low, high: iv.high, interval: 'confidence' as const, ci_level: iv.level, method: iv.method } : {}),
    n_steps: nSteps,
    n_runs: Math.min(r.n_baseline, r.n_candidate),
  };
}
