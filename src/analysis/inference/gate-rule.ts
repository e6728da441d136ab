// The regression gate's rule on run-level values: candidate ÷ baseline of the geometric mean of
// per-run values, a t interval on its log whose variance is the runs' own spread pooled with the
// machine's noise profile, and three outcomes against the threshold. Also the gate's operating
// characteristics: the probability of each outcome for a true change, the smallest change it
// detects with a given probability, and the runs per side that would resolve an inconclusive
// comparison. docs/metrics.md "Regression gate".
import { noncentralTCdf, tCdf } from './distributions.ts';
import { geometricMean, tCritical, type ConfidenceInterval } from './intervals.ts';
import { GATE } from './constants.ts';
import type { LogVariance, NoiseModel } from './noise-model.ts';
import { sampleSd } from './stats.ts';
import { formatNumber } from '../../value-format.ts';
import type { ComparisonVariance, Outcome, Unresolved } from '../../records/verdict.ts';

/**
 * regressed: the whole interval is beyond the threshold on the bad side; no_regression: none of
 * it is; inconclusive: it straddles the threshold (or there is no interval).
 */
/** The verdict's outcomes and variance record are defined with the verdict (records/verdict.ts). */
export type GateOutcome = Outcome;
export type { ComparisonVariance, Unresolved };

/** How the rule reads a ratio: threshold t as a fraction, and which direction is worse. */
export interface GateSense {
  threshold: number;
  higher_is_better: boolean;
  /** Two-sided level of each comparison's interval (1 − α/m for m comparisons: familyLevel). */
  level: number;
}

/** Each of m comparisons at level 1 − α/m (Bonferroni; Holm's first step), so all m hold together with probability ≥ 1 − α. */
export function familyLevel(comparisons: number, alpha: number = GATE.family_alpha): number {
  return 1 - alpha / Math.max(1, comparisons);
}

/**
 * Holm's step-down (Holm 1979) over m comparisons, each with the one-sided p-value of the claim its
 * estimate points to (regressed or no regression). Sorted by p, the k-th (from 1) is tested at
 * α/2 ÷ (m − k + 1), i.e. its two-sided interval at level 1 − α/(m − k + 1), and testing stops at
 * the first that fails; those after it are shown at the level of the first that failed. Returns
 * each comparison's level, in the input order. Family-wise error ≤ α/2 for each kind of claim.
 */
export function holmLevels(pValues: readonly number[], alpha: number = GATE.family_alpha): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p: Number.isFinite(p) ? p : 1, i })).sort((a, b) => a.p - b.p);
  const levels = new Array<number>(m);
  let stopped: number | undefined;
  order.forEach(({ p, i }, k) => {
    const level = 1 - alpha / (m - k);
    if (stopped === undefined && !(p <= (1 - level) / 2)) stopped = level;
    levels[i] = stopped ?? level;
  });
  return levels;
}

/** The ratio beyond which a change counts: 1 − t when higher is better, 1 + t when lower is. */
export function boundary(s: Pick<GateSense, 'threshold' | 'higher_is_better'>): number {
  return s.higher_is_better ? 1 - s.threshold : 1 + s.threshold;
}

/** Where a comparison's variance came from. */
/**
 * The variance of ln(value per run) a comparison uses. Within a folder: the runs' own spread,
 * Σ (n − 1)·s² over both sides, pooled with the noise profile's (weighted by degrees of
 * freedom); `leftOut` names sides whose runs are already in the profile (one of its folders), which
 * then count once. Between folders: the profile's mean square between its folders with its degrees
 * of freedom; without a profile nothing, and the rule then never clears a candidate.
 */
export function comparisonVariance(
  baseline: readonly number[],
  candidate: readonly number[],
  noise?: NoiseModel,
  leftOut: { baseline?: boolean; candidate?: boolean } = {},
): ComparisonVariance {
  let ss = 0;
  let df = 0;
  for (const [side, skip] of [
    [baseline, leftOut.baseline],
    [candidate, leftOut.candidate],
  ] as const) {
    if (side.length < 2 || skip) continue;
    ss += (side.length - 1) * sampleSd(side.map(Math.log)) ** 2;
    df += side.length - 1;
  }
  if (noise && noise.within_df > 0 && Number.isFinite(noise.within) && noise.between_df > 0 && Number.isFinite(noise.mean_square_between)) {
    return {
      within: (ss + noise.within * noise.within_df) / (df + noise.within_df),
      within_df: df + noise.within_df,
      between: Number.isFinite(noise.between) ? noise.between : 0,
      folders: { mean_square: noise.mean_square_between, df: noise.between_df, runs_per_folder: noise.runs_per_session },
      source: 'runs and noise profile',
    };
  }
  return { within: df > 0 ? ss / df : Number.NaN, within_df: df, between: 0, folders: null, source: 'runs' };
}

/**
 * Standard error of ln(ratio) with n_b and n_c runs in two folders, and its degrees of freedom.
 * The truth is Var = σ²_w·W + 2σ²_s with W = 1/n_b + 1/n_c. Without folder information: √(σ̂²_w·W),
 * the within df (the between part unknown: see gateDecision). With a profile, E[MS_B] = σ²_w + n₀σ²_s
 * gives Var = (W − 2/n₀)·σ²_w + (2/n₀)·E[MS_B]; the between part is never clipped at zero and
 * treated as known. When W ≤ 2/n₀ (n ≥ n₀ runs per side) the first term is ≤ 0 and left out:
 * Var ≤ (2/n₀)·MS_B, an unbiased estimate of an upper bound with exactly MS_B's df (G − 1), so the
 * interval is exact t or conservative. Otherwise both terms are positive and the t takes the
 * smaller of their df (Mickey & Brown 1966: conservative for a positive combination; Welch–
 * Satterthwaite is not, when one part has 1–3 df and its df is estimated from the data).
 */
export function logRatioSe(v: LogVariance, nb: number, nc: number): { se: number; df: number } {
  const w = 1 / nb + 1 / nc;
  if (!v.folders) return { se: Math.sqrt(v.within * w), df: v.within_df > 0 ? v.within_df : Number.NaN };
  const b = 2 / v.folders.runs_per_folder;
  const a = w - b;
  if (a <= 0) return { se: Math.sqrt(b * v.folders.mean_square), df: v.folders.df };
  if (!(v.within_df > 0) || !Number.isFinite(v.within)) return { se: Number.NaN, df: Number.NaN };
  return { se: Math.sqrt(a * v.within + b * v.folders.mean_square), df: Math.min(v.within_df, v.folders.df) };
}

export interface GateInput extends GateSense {
  /** Per-run values of the metric (> 0), one per run of each folder. */
  baseline: readonly number[];
  candidate: readonly number[];
  noise?: NoiseModel;
  /** Sides that are one of the noise profile's folders: their runs are counted once. */
  leftOut?: { baseline?: boolean; candidate?: boolean };
  /** Plan the runs needed when inconclusive (default true; simulations of the rule leave it out). */
  plan?: boolean;
}

/**
 * Why an inconclusive comparison is inconclusive: no interval (one run a side, no profile);
 * no_profile (two folders without a noise profile cannot show "no regression": how much folders
 * differ is unknown); runs (more runs per side would resolve it: runs_needed); beyond_max_runs (the
 * runs' spread is large against the distance to the threshold); between_folders (the spread between
 * folders alone covers that distance, and more runs per folder cannot shrink it); at_threshold (the
 * estimate is within 0.05 % of the threshold).
 */

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
  /** One-sided p-value of the claim the estimate points to (regressed below the boundary, no regression above): what Holm sorts. */
  p: number;
  /** Inconclusive only: why. */
  unresolved?: Unresolved;
  /**
   * Inconclusive only: the runs per side with which a repeat of both folders would be resolved
   * (regressed or no regression) with probability GATE.plan_power if the true ratio were the
   * one measured; null when no number up to GATE.max_runs_per_side would, or when there is
   * no variance to plan with.
   */
  runs_needed?: number | null;
}

/** |ln ratio − ln boundary| below which an unresolved estimate is said to sit at the threshold. */
const AT_THRESHOLD = 0.0005;

/** The outcome for one comparison of two folders. */
export function gateDecision(i: GateInput): GateDecision {
  const ratio = geometricMean(i.candidate) / geometricMean(i.baseline);
  const edge = boundary(i);
  const variance = comparisonVariance(i.baseline, i.candidate, i.noise, i.leftOut);
  const { se, df } = logRatioSe(variance, i.baseline.length, i.candidate.length);
  const base = { ratio, boundary: edge, variance, se, df };
  if (!(df > 0) || !Number.isFinite(se) || !Number.isFinite(ratio)) {
    return { ...base, p: Number.NaN, outcome: 'inconclusive', unresolved: 'no_interval', interval: null, runs_needed: null };
  }
  const sign = i.higher_is_better ? 1 : -1;
  const distance = sign * (Math.log(ratio) - Math.log(edge));
  const p = se > 0 ? tCdf(-Math.abs(distance) / se, df) : 0;
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
  if (beyond) return { ...base, p, outcome: 'regressed', interval };
  if (within && variance.folders) return { ...base, p, outcome: 'no_regression', interval };
  if (within) return { ...base, p, outcome: 'inconclusive', unresolved: 'no_profile', interval };
  const undecided = { ...base, p, outcome: 'inconclusive' as const, interval };
  if (i.plan === false) return undecided;
  // "At the threshold" only when it is so in absolute terms (closer than the 3 decimals a ratio is shown with):
  // a wide interval around an estimate 2 % away is the spread's doing, and says so.
  if (Math.abs(distance) < AT_THRESHOLD) return { ...undecided, unresolved: 'at_threshold', runs_needed: null };
  const runs_needed = runsNeeded(variance, i.noise && i.noise.within_df > 0 ? i.noise.within_df : 0, ratio, i);
  if (runs_needed !== null) return { ...undecided, unresolved: 'runs', runs_needed };
  // Without a profile only "regressed" can resolve it: an estimate on the good side waits for a profile, not for runs.
  const cause: Unresolved = variance.folders ? 'between_folders' : distance > 0 ? 'no_profile' : 'beyond_max_runs';
  return { ...undecided, unresolved: cause, runs_needed };
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
  // Without folder information "no regression" is never said, so only "regressed" resolves.
  const resolves = (n: number) => {
    const p = outcomeProbabilities(atRunsPerSide(v, priorWithinDf, n), n, n, ratio, s);
    return p.regressed + (v.folders ? p.no_regression : 0) >= power;
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
