// The regression gate's pure core: two analysed runs → a Verdict. For every (sweep point, mode)
// in both runs, the candidate ÷ baseline ratio of one metric, its bootstrap replicates from the
// step rows of both runs (runs resampled, then blocks, as in the summary), one p-value per
// comparison, Holm's step-down over all of them, and an outcome against the noise threshold.
// The rule is stated in docs/metrics.md "Regression gate"; constants in analysis/constants.ts.
import { BOOTSTRAP_RESAMPLES, CI_LEVEL, GATE, MIN_RUNS_FOR_SPREAD } from '../analysis/constants.ts';
import {
  bootstrapPValue,
  bootstrapRatio,
  bootstrapRatioReplicates,
  holm,
  percentileInterval,
  pooledRatio,
  seedFor,
} from '../analysis/stats.ts';
import { measuredRuns } from '../analysis/steps.ts';
import { deviceCount, medianStepTime, samplesPerSecond, tokensPerSecond, type PerDevice } from '../analysis/summarize.ts';
import type { Estimate, ModeSummary, StepRow, Summary } from '../analysis/types.ts';
import { UserError } from '../errors.ts';
import type { Manifest } from '../results/manifest.ts';
import { assertComparable, checkComparable, type ComparableManifest } from './comparable.ts';
import { environmentHash, resolution, type NoiseProfile } from './noise.ts';
import { VERDICT_SCHEMA_VERSION, type GateComparison, type OtherMetric, type Outcome, type Verdict } from './types.ts';

/** One analysed run: what `summarize` returns for its folder, with the manifest. */
export interface GateSide {
  dir: string;
  manifest: ComparableManifest & Pick<Manifest, 'run_id' | 'status'>;
  summary: Summary;
  /** Every step row (warm-up and settling rows are marked and left out here). */
  rows: readonly StepRow[];
}

type EstimateField = { [K in keyof ModeSummary]-?: ModeSummary[K] extends Estimate ? K : never }[keyof ModeSummary];

/** A metric the gate can test: computed from the pooled step rows of runs, optionally per device. */
export interface StepMetric {
  stat: (rows: readonly StepRow[]) => number;
  per: PerDevice;
  higher_is_better: boolean;
}

/** The ModeSummary estimates that rest on step rows, and so can be gated. */
export const GATE_METRICS = {
  completion_tokens_per_s_per_allocated_device: { stat: tokensPerSecond, per: 'allocated', higher_is_better: true },
  completion_tokens_per_s_per_training_device: { stat: tokensPerSecond, per: 'training', higher_is_better: true },
  completion_tokens_per_s: { stat: tokensPerSecond, per: null, higher_is_better: true },
  samples_per_s: { stat: samplesPerSecond, per: null, higher_is_better: true },
  step_time_s: { stat: medianStepTime, per: null, higher_is_better: false },
} as const satisfies Partial<Record<EstimateField, StepMetric>>;
export type GateMetric = keyof typeof GATE_METRICS;
export const DEFAULT_METRIC: GateMetric = 'completion_tokens_per_s_per_allocated_device';

export function parseMetric(name: string | undefined): GateMetric {
  if (name === undefined) return DEFAULT_METRIC;
  if (name in GATE_METRICS) return name as GateMetric;
  throw new UserError(
    `--metric ${name}: not a metric the gate can test`,
    `Choose one of ${Object.keys(GATE_METRICS).join(', ')} (figures of the summary computed from step rows).`,
  );
}

export interface JudgeOptions {
  metric?: GateMetric;
  /** Noise threshold as a fraction (0.02 = 2%). */
  threshold?: number;
  allowDifferent?: readonly string[];
  /** Bootstrap resamples per gated comparison (default GATE.resamples). */
  resamples?: number;
  /** A noise profile for this machine and scenario, and the file it came from. */
  noise?: { file: string; profile: NoiseProfile };
}

/** The gated metric of each run (repeat) of one (point, mode) of a side, per device as the metric asks; what a noise profile's spread is made of. */
export function metricPerRun(side: GateSide, point: string, mode: string, metric: GateMetric): number[] {
  const spec: StepMetric = GATE_METRICS[metric];
  const m = side.summary.modes.find((x) => x.point === point && x.mode === mode);
  if (!m) return [];
  return measuredRuns(side.rows, point, mode).map((run) => spec.stat(run) / deviceCount(m.devices, spec.per));
}

/**
 * The verdict on `candidate` against `baseline`. Throws a UserError with exit code 2 when the runs
 * are not comparable (environment or settings differ and were not allowed) or share no (point, mode).
 */
export function judge(baseline: GateSide, candidate: GateSide, o: JudgeOptions = {}): Verdict {
  const metric = o.metric ?? DEFAULT_METRIC;
  const spec: StepMetric = GATE_METRICS[metric];
  const threshold = o.threshold ?? GATE.threshold;
  if (!(threshold >= 0 && threshold < 1)) throw new UserError(`--threshold ${threshold}: must be a fraction in [0, 1), e.g. 0.02 for 2%`);
  const resamples = o.resamples ?? GATE.resamples;
  const alpha = GATE.family_alpha;

  const comparability = checkComparable(baseline.manifest, candidate.manifest, o.allowDifferent);
  assertComparable(comparability);
  const warnings: string[] = [];
  if (comparability.unused.length > 0) warnings.push(`--allow-different ${comparability.unused.join(', ')}: no such difference between the runs`);

  const key = (m: ModeSummary) => `${m.point}/${m.mode}`;
  const candModes = new Map(candidate.summary.modes.map((m) => [key(m), m]));
  const baseModes = new Map(baseline.summary.modes.map((m) => [key(m), m]));
  const pairs = baseline.summary.modes.filter((m) => candModes.has(key(m))).map((b) => ({ b, c: candModes.get(key(b))! }));
  const notCompared = [
    ...baseline.summary.modes.filter((m) => !candModes.has(key(m))).map((m) => `${key(m)} (baseline only)`),
    ...candidate.summary.modes.filter((m) => !baseModes.has(key(m))).map((m) => `${key(m)} (candidate only)`),
  ];
  if (pairs.length === 0) {
    throw new UserError(
      'the runs are not comparable: no (sweep point, mode) has measured steps in both',
      `Baseline has ${[...baseModes.keys()].join(', ') || 'none'}; candidate has ${[...candModes.keys()].join(', ') || 'none'}.`,
      2,
    );
  }

  // One p-value per comparison first; Holm needs them all before any outcome.
  const tested = pairs.map(({ b, c }) => {
    const baseRuns = measuredRuns(baseline.rows, b.point, b.mode);
    const candRuns = measuredRuns(candidate.rows, c.point, c.mode);
    const scale = deviceCount(b.devices, spec.per) / deviceCount(c.devices, spec.per);
    const replicates = bootstrapRatioReplicates(candRuns, baseRuns, spec.stat, { resamples, scale, seed: seedFor(`gate/${key(b)}/${metric}`) });
    const ratio = pooledRatio(candRuns, baseRuns, spec.stat, scale);
    // A change this machine cannot tell from its own run-to-run spread is not called: with a
    // noise profile the gate tests against the larger of the asked threshold and the resolution.
    const entry = o.noise?.profile.entries.find((e) => e.point === b.point && e.mode === b.mode);
    const res = entry ? resolution(entry, baseRuns.length, candRuns.length) : undefined;
    const tested_threshold = Math.max(threshold, res ?? 0);
    const [lower, upper] = [1 - tested_threshold, 1 + tested_threshold];
    // H0 "no regression beyond the threshold" and H0 "no improvement beyond it", one-sided each.
    const pRegression = spec.higher_is_better ? bootstrapPValue(replicates, lower, 'at_least') : bootstrapPValue(replicates, upper, 'at_most');
    const pImprovement = spec.higher_is_better ? bootstrapPValue(replicates, upper, 'at_most') : bootstrapPValue(replicates, lower, 'at_least');
    const direction: GateComparison['direction'] = pRegression <= pImprovement ? 'regression' : 'improvement';
    return { b, c, baseRuns, candRuns, replicates, ratio, direction, res, tested_threshold, p: Math.min(1, 2 * Math.min(pRegression, pImprovement)) };
  });
  const adjusted = holm(tested.map((t) => t.p));

  const comparisons = tested.map((t, i): GateComparison => {
    const { p_adjusted, divisor } = adjusted[i]!;
    const level = 1 - alpha / divisor;
    const outcome: Outcome = p_adjusted <= alpha ? (t.direction === 'regression' ? 'regressed' : 'improved') : 'within_noise';
    return {
      point: t.b.point,
      mode: t.b.mode,
      baseline: t.b[metric],
      candidate: t.c[metric],
      ratio: t.ratio,
      interval: { ...percentileInterval(t.replicates, level), level },
      interval_unadjusted: { ...percentileInterval(t.replicates, CI_LEVEL), level: CI_LEVEL },
      direction: t.direction,
      p_value: t.p,
      p_adjusted,
      holm_divisor: divisor,
      outcome,
      ...(t.res !== undefined ? { resolution: t.res } : {}),
      tested_threshold: t.tested_threshold,
      others: otherMetrics(t.b, t.c, t.baseRuns, t.candRuns, metric),
    };
  });

  warnings.push(...spreadWarnings(comparisons));
  warnings.push(...noiseWarnings(comparisons, threshold, o.noise, baseline, metric));
  if (adjusted.length * (2 / (resamples + 1)) > alpha) {
    warnings.push(`${adjusted.length} comparisons with ${resamples} resamples: the smallest p-value Holm can reach is above α = ${alpha}; no outcome can be significant. Raise the resamples.`);
  }
  for (const [side, s] of [['baseline', baseline], ['candidate', candidate]] as const) {
    if (s.manifest.status !== 'completed') warnings.push(`the ${side} run is ${s.manifest.status}: only the steps it finished are compared`);
  }
  if (baseline.summary.functional_only || candidate.summary.functional_only) {
    warnings.push('CPU runs: the gate measured the workload on CPU; this says nothing about GPU throughput.');
  }

  const regressed = comparisons.some((c) => c.outcome === 'regressed');
  return {
    schema_version: VERDICT_SCHEMA_VERSION,
    baseline: { dir: baseline.dir, run_id: baseline.manifest.run_id, scenario: baseline.summary.scenario },
    candidate: { dir: candidate.dir, run_id: candidate.manifest.run_id, scenario: candidate.summary.scenario },
    metric,
    higher_is_better: spec.higher_is_better,
    threshold,
    alpha,
    resamples,
    rule: gateRule(threshold, alpha, spec.higher_is_better),
    changed: comparability.changed,
    allowed: comparability.allowed,
    comparisons,
    not_compared: notCompared,
    ...(o.noise ? { noise_profile: o.noise.file } : {}),
    warnings,
    regressed,
    exit_code: regressed ? 1 : 0,
  };
}

export function gateRule(threshold: number, alpha: number, higherIsBetter: boolean): string {
  const t = `${+(100 * threshold).toFixed(4)}%`;
  const worse = higherIsBetter ? `below 1 − ${t}` : `above 1 + ${t}`;
  const better = higherIsBetter ? `above 1 + ${t}` : `below 1 − ${t}`;
  return (
    `regressed when the candidate ÷ baseline ratio is ${worse} with Holm-adjusted bootstrap p ≤ ${alpha} ` +
    `(family-wise over every point × mode; equivalently its interval at level 1 − ${alpha}/k lies wholly ${worse}); ` +
    `improved likewise ${better}; otherwise within noise`
  );
}

/** Figures reported beside the gate: other step metrics with an unadjusted 95% ratio interval, phases, energy, time to first step. */
function otherMetrics(b: ModeSummary, c: ModeSummary, baseRuns: StepRow[][], candRuns: StepRow[][], gated: GateMetric): OtherMetric[] {
  const out: OtherMetric[] = [];
  for (const [name, spec] of Object.entries(GATE_METRICS) as [GateMetric, StepMetric][]) {
    if (name === gated) continue;
    const scale = deviceCount(b.devices, spec.per) / deviceCount(c.devices, spec.per);
    const e = bootstrapRatio(candRuns, baseRuns, spec.stat, { resamples: BOOTSTRAP_RESAMPLES, scale, seed: seedFor(`gate/${b.point}/${b.mode}/${name}`) });
    out.push({ name, baseline: b[name].value, candidate: c[name].value, ratio: e.value, low: e.low, high: e.high, higher_is_better: spec.higher_is_better });
  }
  const pair = (name: string, x: number | undefined, y: number | undefined, higher_is_better: boolean) => {
    const [bx, cy] = [finite(x), finite(y)];
    if (bx === null && cy === null) return;
    out.push({ name, baseline: bx, candidate: cy, ratio: bx !== null && cy !== null && bx !== 0 ? cy / bx : null, higher_is_better });
  };
  pair('time_to_first_step_s', b.time_to_first_step_s.value, c.time_to_first_step_s.value, false);
  for (const phase of [...new Set([...Object.keys(b.phase_median_s), ...Object.keys(c.phase_median_s)])]) {
    pair(`phase_median_s.${phase}`, b.phase_median_s[phase], c.phase_median_s[phase], false);
  }
  pair('generation_to_training_ratio', b.generation_to_training_ratio, c.generation_to_training_ratio, false);
  pair('joules_per_completion_token', b.joules_per_completion_token, c.joules_per_completion_token, false);
  pair('power_mean_w', b.power_mean_w, c.power_mean_w, false);
  return out;
}

function finite(x: number | undefined): number | null {
  return x !== undefined && Number.isFinite(x) ? x : null;
}

function spreadWarnings(comparisons: readonly GateComparison[]): string[] {
  const few = comparisons.filter((c) => Math.min(c.baseline.n_runs, c.candidate.n_runs) < MIN_RUNS_FOR_SPREAD);
  if (few.length === 0) return [];
  const where = few.map((c) => `${c.point}/${c.mode} (${c.baseline.n_runs} vs ${c.candidate.n_runs})`).join(', ');
  return [
    `fewer than ${MIN_RUNS_FOR_SPREAD} runs per side at ${where}: the intervals rest mostly on step-to-step variation and understate run-to-run spread, so an outcome may be a false alarm; use repeats ≥ ${MIN_RUNS_FOR_SPREAD} and check the noise profile (grpo-bench calibrate)`,
  ];
}

function noiseWarnings(comparisons: readonly GateComparison[], threshold: number, noise: JudgeOptions['noise'], baseline: GateSide, metric: GateMetric): string[] {
  if (!noise) return ['no noise profile for this machine and scenario: run `grpo-bench calibrate <scenario>` to learn the smallest change it can resolve'];
  const out: string[] = [];
  const p = noise.profile;
  if (p.metric !== metric) out.push(`the noise profile (${noise.file}) was calibrated on ${p.metric}, not ${metric}; its resolution is indicative only`);
  if (p.environment_hash !== environmentHash(baseline.manifest.fingerprint.environment)) out.push(`the noise profile (${noise.file}) was made on a different environment than these runs`);
  for (const c of comparisons) {
    if (c.resolution === undefined) {
      out.push(`${c.point}/${c.mode}: not in the noise profile`);
    } else if (threshold < c.resolution) {
      out.push(
        `${c.point}/${c.mode}: the threshold ${pct(threshold)} is below what this machine resolves at ${c.baseline.n_runs} vs ${c.candidate.n_runs} runs (${pct(c.resolution)}, from its A/A calibration): the gate tested against ${pct(c.resolution)} instead, so "within noise" cannot rule out changes up to that size; use more repeats to resolve smaller ones`,
      );
    }
  }
  return out;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
