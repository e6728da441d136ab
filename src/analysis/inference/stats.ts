// Statistics: pure functions, no I/O. Constants live in constants.ts; docs/metrics.md gives
// the formulas and references. Tested with hand-computed numbers in test/analysis/stats.test.ts.
import { OUTLIER, SEED } from './constants.ts';

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
export function seedFor(label: string, base: number = SEED): number {
  let h = 0x811c9dc5 ^ base;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
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
