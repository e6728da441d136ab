// The regression gate's rule on run-level values: candidate ÷ baseline of the geometric mean of
// per-run values, a t interval on its log whose variance is the runs' own spread pooled with the
// machine's noise profile, and three outcomes against the threshold. Also the gate's operating
// characteristics: the probability of each outcome for a true change, the smallest change it
// detects with a given probability, and the runs per side that would resolve an inconclusive
// comparison. docs/metrics.md "Regression gate".
import { noncentralTCdf } from './distributions.ts';
import { geometricMean, tCritical, type ConfidenceInterval } from './intervals.ts';
import { GATE } from '../constants.ts';
import type { LogVariance, NoiseModel } from './noise-model.ts';
import { sampleSd } from './stats.ts';
import { formatNumber } from '../../value-format.ts';

/**
 * regressed: the whole interval is beyond the threshold on the bad side; no_regression: none of
 * it is; inconclusive: it straddles the threshold (or there is no interval).
 */
export type GateOutcome = 'regressed' | 'no_regression' | 'inconclusive';

/** How the rule reads a ratio: threshold t as a fraction, and which direction is worse. */
export interface GateSense {
  threshold: number;
  higher_is_better: boolean;
  /** Two-sided level of each comparison's interval (1 − α/m for m comparisons: familyLevel). */
  level: number;
}

/** Each of m comparisons at level 1 − α/m (Bonferroni), so all m hold together with probability ≥ 1 − α. */
export function familyLevel(comparisons: number, alpha: number = GATE.family_alpha): number {
  return 1 - alpha / Math.max(1, comparisons);
}

/** The ratio beyond which a change counts: 1 − t when higher is better, 1 + t when lower is. */
export function boundary(s: Pick<GateSense, 'threshold' | 'higher_is_better'>): number {
  return s.higher_is_better ? 1 - s.threshold : 1 + s.threshold;
}

/** Where a comparison's variance came from. */
export interface ComparisonVariance extends LogVariance {
  source: 'runs' | 'runs and noise profile';
}

/**
 * The variance of ln(value per run) a comparison uses. Within a folder: the runs' own spread,
 * Σ (n − 1)·s² over both sides, pooled with the noise profile's (weighted by degrees of
 * freedom); between folders: the profile's between-session part (0 without a profile: a
 * comparison of two folders then cannot see it, and the verdict says so).
 */
export function comparisonVariance(baseline: readonly number[], candidate: readonly number[], noise?: NoiseModel): ComparisonVariance {
  let ss = 0;
  let df = 0;
  for (const side of [baseline, candidate]) {
    if (side.length < 2) continue;
    ss += (side.length - 1) * sampleSd(side.map(Math.log)) ** 2;
    df += side.length - 1;
  }
  if (noise && noise.within_df > 0 && Number.isFinite(noise.within)) {
    const between = Number.isFinite(noise.between) ? noise.between : 0;
    return {
      within: (ss + noise.within * noise.within_df) / (df + noise.within_df),
      within_df: df + noise.within_df,
      between,
      between_df: between > 0 ? noise.between_df : Number.POSITIVE_INFINITY,
      source: 'runs and noise profile',
    };
  }
  return { within: df > 0 ? ss / df : Number.NaN, within_df: df, between: 0, between_df: Number.POSITIVE_INFINITY, source: 'runs' };
}

/**
 * Standard error of ln(ratio) with n_b and n_c runs: √(within·(1/n_b + 1/n_c) + 2·between), and
 * its Welch–Satterthwaite degrees of freedom (Satterthwaite 1946): (a + b)² / (a²/ν_w + b²/ν_b).
 */
export function logRatioSe(v: LogVariance, nb: number, nc: number): { se: number; df: number } {
  const a = v.within * (1 / nb + 1 / nc);
  const b = 2 * v.between;
  const se = Math.sqrt(a + b);
  if (!(v.within_df > 0) || !Number.isFinite(a)) return { se, df: Number.NaN };
  const df = (a + b) ** 2 / (a ** 2 / v.within_df + (b > 0 ? b ** 2 / v.between_df : 0));
  return { se, df: a + b > 0 ? df : v.within_df };
}

export interface GateInput extends GateSense {
  /** Per-run values of the metric (> 0), one per run of each folder. */
  baseline: readonly number[];
  candidate: readonly number[];
  noise?: NoiseModel;
  /** Plan the runs needed when inconclusive (default true; simulations of the rule leave it out). */
  plan?: boolean;
}

export interface GateDecision {
  outcome: GateOutcome;
  /** Geometric mean of the candidate's runs ÷ the baseline's. */
  ratio: number;
  /** 1 − threshold (higher is better) or 1 + threshold. */
  boundary: number;
  interval: ConfidenceInterval | null;
  variance: ComparisonVariance;
  se: number;
  df: number;
  /**
   * Inconclusive only: the runs per side with which a repeat of both folders would be resolved
   * (regressed or no regression) with probability GATE.plan_power if the true ratio were the
   * one measured; null when no number up to GATE.max_runs_per_side would, or when there is
   * no variance to plan with.
   */
  runs_needed?: number | null;
}

/** The outcome for one comparison. */
export function gateDecision(i: GateInput): GateDecision {
  const ratio = geometricMean(i.candidate) / geometricMean(i.baseline);
  const edge = boundary(i);
  const variance = comparisonVariance(i.baseline, i.candidate, i.noise);
  const { se, df } = logRatioSe(variance, i.baseline.length, i.candidate.length);
  const base = { ratio, boundary: edge, variance, se, df };
  if (!(df > 0) || !Number.isFinite(se) || !Number.isFinite(ratio)) {
    return { ...base, outcome: 'inconclusive', interval: null, runs_needed: null };
  }
  const half = tCritical(i.level, df) * se;
  const interval: ConfidenceInterval = {
    kind: 'confidence',
    low: ratio * Math.exp(-half),
    high: ratio * Math.exp(half),
    level: i.level,
    df,
    method: `t interval on the log ratio of geometric means of runs (${i.baseline.length} and ${i.candidate.length} runs; variance from ${variance.source}; df ${formatNumber(df, { decimals: 1 })})`,
  };
  const beyond = i.higher_is_better ? interval.high < edge : interval.low > edge;
  const within = i.higher_is_better ? interval.low >= edge : interval.high <= edge;
  const outcome: GateOutcome = beyond ? 'regressed' : within ? 'no_regression' : 'inconclusive';
  if (outcome !== 'inconclusive' || i.plan === false) return { ...base, outcome, interval };
  const runs_needed = runsNeeded(variance, i.noise && i.noise.within_df > 0 ? i.noise.within_df : 0, ratio, i);
  return { ...base, outcome, interval, runs_needed };
}

/** Probability of each outcome. */
export interface OutcomeProbabilities {
  regressed: number;
  no_regression: number;
  inconclusive: number;
}

/**
 * The probability of each outcome when the true ratio is `ratio`, with n_b and n_c runs whose log
 * values vary as `v`. With g = ±ln ratio (sign so that lower g is worse) and b = ±ln boundary,
 * T = (ĝ − b)/SÊ is noncentral t with df and noncentrality (g − b)/SE; the rule says regressed when
 * T < −t_c and no regression when T ≥ t_c, t_c the interval's t quantile.
 */
export function outcomeProbabilities(v: LogVariance, nb: number, nc: number, ratio: number, s: GateSense): OutcomeProbabilities {
  const { se, df } = logRatioSe(v, nb, nc);
  const sign = s.higher_is_better ? 1 : -1;
  const ncp = (sign * Math.log(ratio) - sign * Math.log(boundary(s))) / se;
  const tc = tCritical(s.level, df);
  const regressed = noncentralTCdf(-tc, df, ncp);
  const noRegression = 1 - noncentralTCdf(tc, df, ncp);
  return { regressed, no_regression: noRegression, inconclusive: Math.max(0, 1 - regressed - noRegression) };
}

/** v with the within-folder degrees of freedom a gate at n runs per side would have: the profile's plus 2(n − 1). */
export function atRunsPerSide(v: LogVariance, priorWithinDf: number, n: number): LogVariance {
  return { ...v, within_df: priorWithinDf + 2 * (n - 1) };
}

/**
 * The smallest regression (a positive fraction: 0.05 = 5 % slower) that the gate calls "regressed"
 * with probability `power` at n runs per side; NaN when it cannot be computed.
 */
export function detectableChange(v: LogVariance, n: number, s: GateSense, power: number): number {
  const { se, df } = logRatioSe(v, n, n);
  if (!(df > 0) || !(se > 0)) return Number.NaN;
  const tc = tCritical(s.level, df);
  // P(regressed) = F(−t_c; df, δ) falls as δ rises: bisect for the δ < 0 where it equals `power`.
  let lo = -80;
  let hi = 0;
  if (noncentralTCdf(-tc, df, hi) >= power) return 0;
  for (let k = 0; k < 60; k++) {
    const mid = (lo + hi) / 2;
    if (noncentralTCdf(-tc, df, mid) >= power) lo = mid;
    else hi = mid;
  }
  const sign = s.higher_is_better ? 1 : -1;
  const g = sign * Math.log(boundary(s)) + ((lo + hi) / 2) * se;
  const ratio = Math.exp(sign * g);
  return s.higher_is_better ? 1 - ratio : ratio - 1;
}

/**
 * The fewest runs per side (both folders run again) with which the gate resolves a comparison —
 * regressed or no regression — with probability `power` if the true ratio is `ratio`; null when
 * none up to `max` does. The within-folder variance keeps its estimate; its degrees of freedom are
 * the profile's plus those of the new runs.
 */
export function runsNeeded(
  v: LogVariance,
  priorWithinDf: number,
  ratio: number,
  s: GateSense,
  power: number = GATE.plan_power,
  max: number = GATE.max_runs_per_side,
): number | null {
  if (!Number.isFinite(v.within) || !Number.isFinite(ratio)) return null;
  const resolves = (n: number) => {
    const p = outcomeProbabilities(atRunsPerSide(v, priorWithinDf, n), n, n, ratio, s);
    return p.regressed + p.no_regression >= power;
  };
  // The chance to resolve grows with n (a smaller standard error, more degrees of freedom): bisect.
  let lo = priorWithinDf > 0 ? 1 : 2;
  if (!resolves(max)) return null;
  let hi = max;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (resolves(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
