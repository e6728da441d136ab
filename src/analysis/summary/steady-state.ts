// Where a run's throughput settles, judged on the statistic the throughput is: Σ work ÷ Σ seconds.
// Only a slow start is cut (compilation, cache fill); fast early steps are never cut as
// "settling" (a run that slows down later has a trend, which guards.ts reports). Constants:
// STEADY_RATIO; docs/metrics.md "Which steps are measured".
import { STEADY_RATIO } from '../inference/constants.ts';

/** One step: its work (e.g. completion tokens) and its seconds. */
export interface WorkStep {
  work: number;
  seconds: number;
}

export interface SteadyStateCut {
  /** Index (into the steps after the fixed warm-up) of the first measured step. */
  start: number;
  /** False with fewer than STEADY_RATIO.min_steps steps: nothing was cut, and the caller says so. */
  checked: boolean;
  /** False when the cut reached the reference window: the slow start may go on into it. */
  settled: boolean;
  /** Steps cut as settling (= start). */
  cut_steps: number;
  /** Throughput of the cut steps ÷ the reference's; absent when nothing was cut. */
  cut_relative_throughput?: number;
  /** Throughput of all the steps ÷ the reference's: what keeping every step would have given. */
  uncut_relative_throughput: number;
  /** Steps in the reference window (the last ones). */
  reference_steps: number;
}

const rate = (steps: readonly WorkStep[]) => {
  let w = 0;
  let s = 0;
  for (const x of steps) {
    w += x.work;
    s += x.seconds;
  }
  return w / s;
};

/**
 * Reference: the last ⌈n · reference_fraction⌉ steps, throughput R_ref = Σ work ÷ Σ seconds. The
 * first measured step is the earliest k at which steps k … n−1 have throughput ≥ (1 − tolerance) ·
 * R_ref: the steps kept lower the figure by at most `tolerance` against the reference, and steps
 * are cut only when including them would lower it by more. Fewer than `min_steps` steps: not checked.
 */
export function steadyStateByThroughput(steps: readonly WorkStep[]): SteadyStateCut {
  const n = steps.length;
  const refSteps = Math.ceil(n * STEADY_RATIO.reference_fraction);
  const refStart = n - refSteps;
  const reference = rate(steps.slice(refStart));
  const uncut = n > 0 ? rate(steps) / reference : Number.NaN;
  if (n < STEADY_RATIO.min_steps) {
    return { start: 0, checked: false, settled: true, cut_steps: 0, uncut_relative_throughput: uncut, reference_steps: refSteps };
  }
  // Suffix sums, so each candidate start costs O(1).
  let work = 0;
  let seconds = 0;
  const suffix: number[] = new Array(n + 1).fill(Number.NaN);
  for (let k = n - 1; k >= 0; k--) {
    work += steps[k]!.work;
    seconds += steps[k]!.seconds;
    suffix[k] = work / seconds;
  }
  let start = refStart;
  for (let k = 0; k < refStart; k++) {
    if (suffix[k]! >= (1 - STEADY_RATIO.tolerance) * reference) {
      start = k;
      break;
    }
  }
  return {
    start,
    checked: true,
    settled: start < refStart,
    cut_steps: start,
    ...(start > 0 ? { cut_relative_throughput: rate(steps.slice(0, start)) / reference } : {}),
    uncut_relative_throughput: uncut,
    reference_steps: refSteps,
  };
}
