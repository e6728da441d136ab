// Validity guards: checks that a throughput figure means what it says. Each returns a flat record
// of what it measured and whether it passes; the summary turns them into notes, the gate into a
// refusal or a flag. Constants: GUARD, EQUAL_WORK_TOLERANCE; docs/metrics.md "Validity guards".
import { EQUAL_WORK_TOLERANCE, GUARD, OUTLIER } from '../inference/constants.ts';
import { modifiedZScores } from '../inference/stats.ts';

/** A timed step: start and end on one clock. */
export interface TimedStep {
  t0: number;
  t1: number;
}

export interface Coverage {
  /** Σ step durations ÷ (last step's end − first step's start), over every run given. */
  share: number;
  step_seconds: number;
  wall_seconds: number;
  ok: boolean;
}

/**
 * The share of wall time, from each run's first measured step to its last, spent inside timed
 * steps; runs combined as Σ step time ÷ Σ window. Work between steps (data loading, logging, a
 * checkpoint) is invisible to a throughput per step time, so below GUARD.coverage_min it is flagged.
 */
export function stepCoverage(runs: readonly (readonly TimedStep[])[]): Coverage {
  let step = 0;
  let wall = 0;
  for (const r of runs) {
    if (r.length === 0) continue;
    for (const s of r) step += s.t1 - s.t0;
    wall += Math.max(...r.map((s) => s.t1)) - Math.min(...r.map((s) => s.t0));
  }
  const share = wall > 0 ? step / wall : Number.NaN;
  return { share, step_seconds: step, wall_seconds: wall, ok: !(share < GUARD.coverage_min) };
}

/**
 * For a gate comparison: both sides covered at least GUARD.coverage_min, and their shares differ
 * by at most GUARD.coverage_gap (time that moved out of the timed step would otherwise pass unseen).
 */
export function coverageComparison(baseline: Coverage, candidate: Coverage): { gap: number; ok: boolean } {
  const gap = Math.abs(baseline.share - candidate.share);
  return { gap, ok: baseline.ok && candidate.ok && !(gap > GUARD.coverage_gap) };
}

/** |a − b| ÷ max(|a|, |b|); 0 when equal. */
export function relativeDifference(a: number, b: number): number {
  return a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
}

/** Tokens per sample of the measured steps of one side. */
export interface WorkPerSample {
  completion_tokens_per_sample: number;
  prompt_tokens_per_sample: number;
}

/**
 * Equal work: completion and prompt tokens per sample within EQUAL_WORK_TOLERANCE (relative). A
 * throughput in tokens per second compares like with like only when each sample is the same work.
 */
export function equalWork(a: WorkPerSample, b: WorkPerSample): { max_relative_difference: number; equal: boolean } {
  const max = Math.max(
    relativeDifference(a.completion_tokens_per_sample, b.completion_tokens_per_sample),
    relativeDifference(a.prompt_tokens_per_sample, b.prompt_tokens_per_sample),
  );
  return { max_relative_difference: max, equal: max <= EQUAL_WORK_TOLERANCE };
}

/** The second half of a run's measured steps against the first, on the throughput statistic. */
export interface Trend {
  /** Σ work ÷ Σ seconds of the first ⌊n/2⌋ steps and of the rest. */
  first_half: number;
  second_half: number;
  /** second_half ÷ first_half − 1: negative when the run slowed down. */
  change: number;
  ok: boolean;
}

/**
 * Throughput of the second half of the measured steps against the first half (ratio of sums
 * each, as the throughput is). A steady run has |change| ≤ GUARD.trend_max; beyond it the run
 * drifted (thermal throttling, a neighbour's load, a cache that keeps growing) and its figure
 * depends on how long it ran. Undefined below GUARD.trend_min_steps steps.
 */
export function halvesTrend(steps: readonly { work: number; seconds: number }[]): Trend | undefined {
  const n = steps.length;
  if (n < GUARD.trend_min_steps) return undefined;
  const half = Math.floor(n / 2);
  const rate = (xs: readonly { work: number; seconds: number }[]) =>
    xs.reduce((s, x) => s + x.work, 0) / xs.reduce((s, x) => s + x.seconds, 0);
  const first = rate(steps.slice(0, half));
  const second = rate(steps.slice(half));
  const change = second / first - 1;
  return { first_half: first, second_half: second, change, ok: !(Math.abs(change) > GUARD.trend_max) };
}

/** A value flagged as an outlier, named by the caller's label (e.g. `colocate/r1 step 14`). */
export interface NamedOutlier {
  label: string;
  value: number;
  /** Modified z-score (Iglewicz & Hoaglin 1993). */
  z: number;
}

/** The items whose modified z-score exceeds OUTLIER.z_threshold, with their labels; flagged, never dropped. */
export function namedOutliers(items: readonly { label: string; value: number }[]): NamedOutlier[] {
  const z = modifiedZScores(items.map((i) => i.value));
  return items.flatMap((item, k) => (Math.abs(z[k]!) > OUTLIER.z_threshold ? [{ label: item.label, value: item.value, z: z[k]! }] : []));
}
