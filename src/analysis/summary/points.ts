// Comparisons between the points of a sweep within one mode: sleep mode on against off, a batch
// against the first batch. Each point is compared with the point that differs from it in ONE swept
// field only, that field at its first value, so a two-field sweep (model × sleep mode) gives
// "sleep on vs off at each model" and "each model vs the first at each sleep setting", never a
// comparison where two things changed at once. The points of a sweep run one after the other, not
// in interleaved blocks, so their runs are two independent samples: a Welch t interval on the log
// ratio of per-run values (inference.ts), none with a single run on a side.
import { formatNumber, formatPercentText } from '../../value-format.ts';
import type { ModeName } from '../../scenario/schema.ts';
import type { PointInfo, ScalarValue } from '../../scenario/sweep.ts';
import { CI_LEVEL } from '../inference/constants.ts';
import { ratioEstimate, resolveChange, twoSampleRatio, type RatioEstimate } from '../inference/intervals.ts';
import type { ModeSummary, PointComparison } from '../../records/summary.ts';

/** One mode at one point: its summary and one value per measured run. */
export interface PointRuns {
  summary: ModeSummary;
  /** Completion tokens/s per allocated device, one per run. */
  throughput: number[];
  /** Median step time, one per run. */
  step_time: number[];
  steps: number;
}

/** Every one-field comparison of the sweep, per mode in order of appearance, points in sweep order. */
export function pointComparisons(points: readonly PointInfo[], byPointMode: ReadonlyMap<string, PointRuns>): PointComparison[] {
  const fields = [...new Set(points.flatMap((p) => Object.keys(p.values)))];
  if (fields.length === 0) return [];
  const first = new Map(fields.map((f) => [f, points.find((p) => f in p.values)!.values[f]!]));
  const byValues = new Map(points.map((p) => [valuesKey(p.values), p]));
  const modes = [...new Set([...byPointMode.values()].map((r) => r.summary.mode))];
  const out: PointComparison[] = [];
  for (const mode of modes) {
    for (const p of points) {
      const cand = byPointMode.get(pointModeKey(p.id, mode));
      if (!cand) continue;
      for (const field of fields) {
        if (!(field in p.values) || p.values[field] === first.get(field)) continue;
        const baseline = byValues.get(valuesKey({ ...p.values, [field]: first.get(field)! }));
        const base = baseline && byPointMode.get(pointModeKey(baseline.id, mode));
        if (!baseline || !base) continue;
        out.push(compare(mode, field, baseline, p, base, cand));
      }
    }
  }
  return out;
}

/** The key of one (point, mode) in the map pointComparisons reads. */
export const pointModeKey = (point: string, mode: ModeName | string) => `${point}\u0000${mode}`;

const valuesKey = (v: Record<string, ScalarValue>) =>
  JSON.stringify(
    Object.keys(v)
      .sort()
      .map((k) => [k, v[k]]),
  );

function compare(mode: ModeName, field: string, baseline: PointInfo, point: PointInfo, base: PointRuns, cand: PointRuns): PointComparison {
  const steps = Math.min(base.steps, cand.steps);
  const throughput = twoSampleRatio(base.throughput, cand.throughput);
  const equalWork =
    cand.summary.batch.global_batch === base.summary.batch.global_batch &&
    cand.summary.completion_tokens_per_sample === base.summary.completion_tokens_per_sample &&
    cand.summary.prompt_tokens_per_sample === base.summary.prompt_tokens_per_sample;
  const stepTime = equalWork ? { step_time_ratio: ratioEstimate(twoSampleRatio(base.step_time, cand.step_time), steps) } : {};
  const bv = baseline.values[field]!;
  const v = point.values[field]!;
  return {
    mode,
    point: point.id,
    baseline: baseline.id,
    field,
    baseline_value: bv,
    value: v,
    throughput_ratio: ratioEstimate(throughput, steps),
    ...stepTime,
    equal_work: equalWork,
    statement: statement(mode, field, point, bv, v, throughput, `${cand.throughput.length} and ${base.throughput.length} run(s)`),
  };
}

/**
 * "colocate, model=preset:0.5b: enable_sleep_mode=true ran slower than enable_sleep_mode=false,
 * at 0.76 × its throughput (95% CI 0.71–0.80; …)"; "faster" and "slower" only when the interval
 * excludes 1, as the modes' statements have it.
 */
function statement(
  mode: ModeName,
  field: string,
  point: PointInfo,
  bv: ScalarValue,
  v: ScalarValue,
  r: RatioEstimate,
  runs: string,
): string {
  const short = (f: string) => f.split('.').at(-1)!;
  const others = Object.entries(point.values).filter(([f]) => f !== field);
  const where = `${mode}${others.length ? `, ${others.map(([f, x]) => `${short(f)}=${String(x)}`).join(', ')}` : ''}`;
  const cand = `${short(field)}=${String(v)}`;
  const base = `${short(field)}=${String(bv)}`;
  const f = (x: number) => formatNumber(x, { decimals: 2 });
  const what = `completion tokens/s per allocated device, ${runs}`;
  const iv = r.interval;
  const ci = iv ? `${formatPercentText(iv.level ?? CI_LEVEL, { decimals: 0 })} CI ${f(iv.low)}–${f(iv.high)}` : '';
  const change = resolveChange(r);
  switch (change.kind) {
    case 'faster':
      return `${where}: ${cand} ran ${f(r.ratio)} × faster than ${base} (${ci}; ${what})`;
    case 'slower':
      return `${where}: ${cand} ran slower than ${base}, at ${f(r.ratio)} × its throughput (${ci}; ${what})`;
    case 'unresolved':
      return `${where}: no difference resolved between ${base} and ${cand} (±${formatPercentText(change.within)}): ${f(r.ratio)} × (${ci}; ${what})`;
    case 'no_interval':
      return `${where}: ${cand} at ${f(r.ratio)} × the throughput of ${base}, from too few runs for a confidence interval (${what}; no "faster" or "slower" without one)`;
  }
}
