// Statistics: pure functions, no I/O. Constants live in constants.ts; docs/metrics.md gives
// the formulas and references. Tested with hand-computed numbers in test/analysis/stats.test.ts.
import {
  BLOCK_LENGTH_EXPONENT,
  BOOTSTRAP_RESAMPLES,
  BOOTSTRAP_SEED,
  CI_LEVEL,
  OUTLIER,
} from './constants.ts';

/** Samples in ascending order; only sortSamples makes one, so quantile can trust the order. */
export type Sorted = readonly number[] & { readonly __sorted: unique symbol };

export function sortSamples(xs: readonly number[]): Sorted {
  return [...xs].sort((a, b) => a - b) as unknown as Sorted;
}

/**
 * Quantile by linear interpolation between order statistics: Hyndman & Fan (1996) type 7,
 * the default of R, NumPy and pandas. h = (n − 1)·p; x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]).
 */
export function quantile(sorted: Sorted, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * Math.min(1, Math.max(0, p));
  const lo = Math.floor(h);
  const a = sorted[lo]!;
  const b = sorted[Math.min(lo + 1, n - 1)]!;
  return a + (h - lo) * (b - a);
}

export function median(xs: readonly number[]): number {
  return quantile(sortSamples(xs), 0.5);
}

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation (n − 1); NaN with fewer than two values. */
export function sampleSd(xs: readonly number[]): number {
  if (xs.length < 2) return Number.NaN;
  const m = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) ** 2;
  return Math.sqrt(ss / (xs.length - 1));
}

/** Median absolute deviation, unscaled: median(|x_i − median(x)|). Multiply by 1.4826 for σ under normality. */
export function mad(xs: readonly number[]): number {
  const m = median(xs);
  return median(xs.map((x) => Math.abs(x - m)));
}

/**
 * Modified z-scores (Iglewicz & Hoaglin 1993): M_i = 0.6745 (x_i − median) / MAD.
 * With MAD = 0, M_i = (x_i − median) / (1.253314 · meanAD); all 0 when every value is equal.
 */
export function modifiedZScores(xs: readonly number[]): number[] {
  const m = median(xs);
  const d = mad(xs);
  if (d > 0) return xs.map((x) => (OUTLIER.z_constant * (x - m)) / d);
  const meanAd = mean(xs.map((x) => Math.abs(x - m)));
  if (!(meanAd > 0)) return xs.map(() => 0);
  return xs.map((x) => (x - m) / (OUTLIER.mean_ad_constant * meanAd));
}

/** True where |modified z| exceeds the threshold (3.5). */
export function outlierFlags(xs: readonly number[], threshold: number = OUTLIER.z_threshold): boolean[] {
  return modifiedZScores(xs).map((z) => Math.abs(z) > threshold);
}

/** One flat record describing a sample. */
export interface Description {
  n: number;
  mean: number;
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
  mad: number;
}

export function describe(xs: readonly number[]): Description {
  const s = sortSamples(xs);
  return {
    n: s.length,
    mean: mean(s),
    min: s.length ? s[0]! : Number.NaN,
    q1: quantile(s, 0.25),
    median: quantile(s, 0.5),
    q3: quantile(s, 0.75),
    max: s.length ? s[s.length - 1]! : Number.NaN,
    mad: mad(s),
  };
}

/** Mulberry32: a small, fast 32-bit PRNG; uniform in [0, 1). Same seed, same stream. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed per figure: FNV-1a hash of its label mixed with the base seed. */
export function seedFor(label: string, base: number = BOOTSTRAP_SEED): number {
  let h = 0x811c9dc5 ^ base;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Block length for n autocorrelated steps: round(n^(1/3)), at least 1. */
export function blockLength(n: number): number {
  return Math.max(1, Math.round(n ** BLOCK_LENGTH_EXPONENT));
}

/**
 * Circular block bootstrap (Politis & Romano 1992): ⌈n/b⌉ blocks of b consecutive items, each
 * starting at a uniform index and wrapping around the end, cut to n items; appended to `out`.
 */
export function circularBlockResample<T>(xs: readonly T[], b: number, rand: () => number, out: T[]): void {
  const n = xs.length;
  let taken = 0;
  while (taken < n) {
    const start = Math.floor(rand() * n);
    for (let j = 0; j < b && taken < n; j++, taken++) out.push(xs[(start + j) % n]!);
  }
}

export interface BootstrapOptions {
  resamples?: number;
  seed?: number;
}

/**
 * Bootstrap replicates of `stat` over runs of steps. With two runs or more it is hierarchical:
 * each replicate draws as many runs as there are, with replacement (the run is the independent
 * unit), then resamples each drawn run's steps in circular blocks; `stat` sees the pooled steps.
 * With one run, only the blocks.
 */
export function bootstrapReplicates<T>(
  runs: readonly (readonly T[])[],
  stat: (pooled: readonly T[]) => number,
  options: BootstrapOptions = {},
): Float64Array {
  const data = runs.filter((r) => r.length > 0);
  const resamples = options.resamples ?? BOOTSTRAP_RESAMPLES;
  const rand = mulberry32(options.seed ?? BOOTSTRAP_SEED);
  const blocks = data.map((r) => blockLength(r.length));
  const out = new Float64Array(resamples);
  if (data.length === 0) return out.fill(Number.NaN);
  const pooled: T[] = [];
  for (let i = 0; i < resamples; i++) {
    pooled.length = 0;
    for (let r = 0; r < data.length; r++) {
      const k = data.length === 1 ? 0 : Math.floor(rand() * data.length);
      circularBlockResample(data[k]!, blocks[k]!, rand, pooled);
    }
    out[i] = stat(pooled);
  }
  return out;
}

/** Percentile interval: the (1 − level)/2 and (1 + level)/2 type-7 quantiles of the replicates. */
export function percentileInterval(replicates: ArrayLike<number>, level: number = CI_LEVEL): { low: number; high: number } {
  const s = sortSamples(Array.from(replicates).filter((x) => Number.isFinite(x)));
  return { low: quantile(s, (1 - level) / 2), high: quantile(s, (1 + level) / 2) };
}

/** A statistic with its interval and what it rests on: one flat record. */
export interface BootstrapEstimate {
  value: number;
  low: number;
  high: number;
  ci_level: number;
  resamples: number;
  n_runs: number;
  n_steps: number;
  method: string;
}

export function bootstrapMethod(nRuns: number, resamples: number): string {
  const blocks = 'circular blocks of round(n^(1/3)) steps';
  return nRuns >= 2
    ? `hierarchical bootstrap: runs resampled, then ${blocks} within each run; ${resamples} resamples, percentile interval`
    : `circular block bootstrap over the steps of one run (${blocks}); ${resamples} resamples, percentile interval`;
}

/** `stat` on the pooled steps, with a hierarchical block-bootstrap percentile interval. */
export function bootstrapEstimate<T>(
  runs: readonly (readonly T[])[],
  stat: (pooled: readonly T[]) => number,
  options: BootstrapOptions & { level?: number } = {},
): BootstrapEstimate {
  const data = runs.filter((r) => r.length > 0);
  const resamples = options.resamples ?? BOOTSTRAP_RESAMPLES;
  const level = options.level ?? CI_LEVEL;
  const { low, high } = percentileInterval(bootstrapReplicates(data, stat, { ...options, resamples }), level);
  return {
    value: stat(data.flat()),
    low,
    high,
    ci_level: level,
    resamples,
    n_runs: data.length,
    n_steps: data.reduce((s, r) => s + r.length, 0),
    method: bootstrapMethod(data.length, resamples),
  };
}

/**
 * Replicates of candidate ÷ baseline of `stat`, each side resampled independently (own runs, own
 * stream), times `scale` (a device-count normalisation, e.g. baseline devices ÷ candidate devices).
 */
export function bootstrapRatioReplicates<T>(
  candidate: readonly (readonly T[])[],
  baseline: readonly (readonly T[])[],
  stat: (pooled: readonly T[]) => number,
  options: BootstrapOptions & { scale?: number } = {},
): Float64Array {
  const resamples = options.resamples ?? BOOTSTRAP_RESAMPLES;
  const scale = options.scale ?? 1;
  const seed = options.seed ?? BOOTSTRAP_SEED;
  const c = bootstrapReplicates(candidate, stat, { resamples, seed });
  const b = bootstrapReplicates(baseline, stat, { resamples, seed: seedFor('baseline', seed) });
  return c.map((x, i) => (scale * x) / b[i]!);
}

/** candidate ÷ baseline of `stat` on each side's pooled steps, times `scale`: the point estimate bootstrapRatio's interval goes with. */
export function pooledRatio<T>(candidate: readonly (readonly T[])[], baseline: readonly (readonly T[])[], stat: (pooled: readonly T[]) => number, scale = 1): number {
  return (scale * stat(candidate.flat())) / stat(baseline.flat());
}

/**
 * candidate ÷ baseline of `stat` (see bootstrapRatioReplicates); the interval is the percentile
 * interval of the replicate ratios.
 */
export function bootstrapRatio<T>(
  candidate: readonly (readonly T[])[],
  baseline: readonly (readonly T[])[],
  stat: (pooled: readonly T[]) => number,
  options: BootstrapOptions & { level?: number; scale?: number } = {},
): BootstrapEstimate {
  const resamples = options.resamples ?? BOOTSTRAP_RESAMPLES;
  const level = options.level ?? CI_LEVEL;
  const scale = options.scale ?? 1;
  const { low, high } = percentileInterval(bootstrapRatioReplicates(candidate, baseline, stat, { ...options, resamples }), level);
  const cData = candidate.filter((r) => r.length > 0);
  const bData = baseline.filter((r) => r.length > 0);
  return {
    value: pooledRatio(cData, bData, stat, scale),
    low,
    high,
    ci_level: level,
    resamples,
    n_runs: Math.min(cData.length, bData.length),
    n_steps: Math.min(count(cData), count(bData)),
    method: `candidate ÷ baseline; each side resampled independently by ${bootstrapMethod(Math.min(cData.length, bData.length), resamples)}`,
  };
}

/**
 * Bootstrap p-value of the null hypothesis "θ ≥ bound" (side `at_least`) or "θ ≤ bound"
 * (`at_most`): (1 + #replicates on the null's side) ÷ (1 + #replicates), the +1 keeping it above 0
 * (Monte Carlo p-value; Davison & Hinkley 1997, ch. 4). Non-finite replicates are left out.
 */
export function bootstrapPValue(replicates: ArrayLike<number>, bound: number, side: 'at_least' | 'at_most'): number {
  let n = 0;
  let onNull = 0;
  for (let i = 0; i < replicates.length; i++) {
    const x = replicates[i]!;
    if (!Number.isFinite(x)) continue;
    n++;
    if (side === 'at_least' ? x >= bound : x <= bound) onNull++;
  }
  return (1 + onNull) / (1 + n);
}

/**
 * Holm's (1979) step-down adjustment: with p-values sorted ascending p₍₁₎ ≤ … ≤ p₍ₘ₎, the adjusted
 * p̃₍ₖ₎ = max over j ≤ k of min(1, (m − j + 1)·p₍ⱼ₎).
 * Rejecting where p̃ ≤ α holds the family-wise error at α. `divisor` is m − k + 1, the divisor of α
 * Holm's step k tests against. Returned in the input's order.
 */
export function holm(ps: readonly number[]): { p_adjusted: number; divisor: number }[] {
  const m = ps.length;
  const order = ps.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p || a.i - b.i);
  const out = new Array<{ p_adjusted: number; divisor: number }>(m);
  let running = 0;
  order.forEach(({ p, i }, k) => {
    running = Math.max(running, Math.min(1, (m - k) * p));
    out[i] = { p_adjusted: running, divisor: m - k };
  });
  return out;
}
function count(runs: readonly (readonly unknown[])[]): number {
  return runs.reduce((s, r) => s + r.length, 0);
}

/** Σ a ÷ Σ b over items: a rate over the time the items span (e.g. tokens per second of steps). */
export function ratioOfSums<T>(items: readonly T[], num: (x: T) => number, den: (x: T) => number): number {
  let a = 0;
  let b = 0;
  for (const x of items) {
    a += num(x);
    b += den(x);
  }
  return a / b;
}

/**
 * ∫ y dt over [a, b] of a series sampled at increasing t: trapezoids between samples, linear
 * interpolation at the window's edges, the nearest sample's value held beyond the first/last sample.
 */
export function integrate(ts: readonly number[], ys: readonly number[], a: number, b: number): number {
  const n = ts.length;
  if (n === 0 || !(b > a)) return 0;
  /** First index with ts[i] > t (binary search). */
  const after = (t: number): number => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ts[mid]! > t) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  const at = (t: number): number => {
    const i = after(t);
    if (i === 0) return ys[0]!;
    if (i === n) return ys[n - 1]!;
    const t0 = ts[i - 1]!;
    return ys[i - 1]! + ((t - t0) / (ts[i]! - t0)) * (ys[i]! - ys[i - 1]!);
  };
  let total = 0;
  let prevT = a;
  let prevY = at(a);
  for (let i = after(a); i < n && ts[i]! < b; i++) {
    total += ((ts[i]! - prevT) * (ys[i]! + prevY)) / 2;
    prevT = ts[i]!;
    prevY = ys[i]!;
  }
  return total + ((b - prevT) * (at(b) + prevY)) / 2;
}

/** Total length of the union of [t0, t1] intervals clipped to [a, b]. */
export function unionLength(intervals: readonly { t0: number; t1: number }[], a: number, b: number): number {
  const clipped = intervals
    .map((iv) => ({ t0: Math.max(a, iv.t0), t1: Math.min(b, iv.t1) }))
    .filter((iv) => iv.t1 > iv.t0)
    .sort((x, y) => x.t0 - y.t0);
  let total = 0;
  let cur: { t0: number; t1: number } | undefined;
  for (const iv of clipped) {
    if (cur && iv.t0 <= cur.t1) cur.t1 = Math.max(cur.t1, iv.t1);
    else {
      if (cur) total += cur.t1 - cur.t0;
      cur = { ...iv };
    }
  }
  if (cur) total += cur.t1 - cur.t0;
  return total;
}
