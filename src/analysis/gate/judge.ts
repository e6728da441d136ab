// The regression gate's pure core: two analysed runs → a Verdict. For every (sweep point, mode)
// in both runs, the metric of every run (the run is the unit), candidate ÷ baseline of their
// geometric means with a t interval whose variance is the runs' own spread pooled with the
// machine's noise profile, and one of three outcomes against the threshold (analysis/inference/gate-rule.ts);
// validity guards refuse (unequal work) or flag (coverage, trend, steady state, odd runs).
// The rule is stated in docs/metrics.md "Regression gate"; constants in analysis/inference/constants.ts.
import { CI_LEVEL, EQUAL_WORK_TOLERANCE, GATE, GATE_EXIT, GUARD } from '../inference/constants.ts';
import { familyLevel, gateDecision, holmLevels, type GateSense } from '../inference/gate-rule.ts';
import { coverageComparison, halvesTrend, namedOutliers, relativeDifference, stepCoverage } from '../summary/guards.ts';
import { resolveChange, twoSampleRatio } from '../inference/intervals.ts';
import { measuredRuns } from '../summary/steps.ts';
import { deviceCount, medianStepTime, samplesPerSecond, tokensPerSecond, type PerDevice } from '../summary/summarize.ts';
import { DEFAULT_GATE_METRIC, GATE_METRIC_NAMES, METRICS, type GateMetric } from '../../records/metrics.ts';
import type { ModeSummary, Summary } from '../../records/summary.ts';
import type { StepRow } from '../../records/steps.ts';
import { UsageError, UserError } from '../../errors.ts';
import { formatNumber, formatPercentText } from '../../value-format.ts';
import type { Manifest } from '../../records/manifest.ts';
import { assertComparable, checkComparable, type ComparableManifest } from './comparable.ts';
import { environmentHash, type NoiseEntry, type NoiseProfile } from './noise.ts';
import {
  VERDICT_SCHEMA_VERSION,
  type Difference,
  type GateComparison,
  type GateFlag,
  type OtherMetric,
  type Outcome,
  type Verdict,
} from '../../records/verdict.ts';
import { fitNoiseModel, type NoiseModel } from '../inference/noise-model.ts';

/** One analysed run: what `summarize` returns for its folder, with the manifest. */
export interface GateSide {
  dir: string;
  manifest: ComparableManifest & Pick<Manifest, 'run_id' | 'status'> & Partial<Pick<Manifest, 'units'>>;
  summary: Summary;
  /** Every step row (warm-up and settling rows are marked and left out here). */
  rows: readonly StepRow[];
}

/** A metric the gate can test: computed from the pooled step rows of runs, optionally per device. */
export interface StepMetric {
  stat: (rows: readonly StepRow[]) => number;
  per: PerDevice;
  higher_is_better: boolean;
}

const STATS = { completion_tokens_per_s: tokensPerSecond, samples_per_s: samplesPerSecond, median_step_time: medianStepTime } as const;

/** The metrics of records/metrics.ts that rest on step rows, and so can be gated, with the function of the rows each is. */
export const GATE_METRICS = Object.fromEntries(
  GATE_METRIC_NAMES.map((name) => {
    const { gate, higher_is_better } = METRICS[name];
    return [name, { stat: STATS[gate.stat], per: gate.per, higher_is_better }];
  }),
) as Record<GateMetric, StepMetric>;
export type { GateMetric };

export function parseMetric(name: string | undefined): GateMetric {
  if (name === undefined) return DEFAULT_GATE_METRIC;
  if (name in GATE_METRICS) return name as GateMetric;
  throw new UsageError(
    `--metric ${name}: not a metric the gate can test`,
    `Choose one of ${Object.keys(GATE_METRICS).join(', ')} (figures of the summary computed from step rows).`,
  );
}

export interface JudgeOptions {
  metric?: GateMetric;
  /** Noise threshold as a fraction (0.02 = 2%). */
  threshold?: number;
  allowDifferent?: readonly string[];
  /** A noise profile for this machine and scenario, and the file it came from. */
  noise?: { file: string; profile: NoiseProfile };
}

/** The gated metric of each run (repeat) of one (point, mode) of a side, per device as the metric asks: the gate's unit, and what a noise profile's spread is made of. */
export function metricPerRun(side: GateSide, point: string, mode: string, metric: GateMetric): number[] {
  const spec: StepMetric = GATE_METRICS[metric];
  const m = side.summary.modes.find((x) => x.point === point && x.mode === mode);
  if (!m) return [];
  return measuredRuns(side.rows, point, mode).map((run) => spec.stat(run) / deviceCount(m.devices, spec.per));
}

/**
 * The verdict on `candidate` against `baseline`. Throws a UserError with exit code 2 when the runs
 * are not comparable (environment, settings or work per sample differ and were not allowed) or
 * share no (point, mode).
 */
export function judge(baseline: GateSide, candidate: GateSide, o: JudgeOptions = {}): Verdict {
  const metric = o.metric ?? DEFAULT_GATE_METRIC;
  const spec: StepMetric = GATE_METRICS[metric];
  const threshold = o.threshold ?? GATE.threshold;
  if (!(threshold >= 0 && threshold < 1)) throw new UsageError(`--threshold ${threshold}: must be a fraction in [0, 1), e.g. 0.02 for 2%`);
  const alpha = GATE.family_alpha;

  const key = (m: ModeSummary) => `${m.point}/${m.mode}`;
  const candModes = new Map(candidate.summary.modes.map((m) => [key(m), m]));
  const baseModes = new Map(baseline.summary.modes.map((m) => [key(m), m]));
  const pairs = baseline.summary.modes.filter((m) => candModes.has(key(m))).map((b) => ({ b, c: candModes.get(key(b))! }));

  const comparability = checkComparable(
    baseline.manifest,
    candidate.manifest,
    o.allowDifferent,
    pairs.flatMap(({ b, c }) => workDifferences(b, c)),
  );
  assertComparable(comparability);
  const warnings: string[] = [];
  if (comparability.unused.length > 0)
    warnings.push(`--allow-different ${comparability.unused.join(', ')}: no such difference between the runs`);

  const notCompared = [
    ...baseline.summary.modes.filter((m) => !candModes.has(key(m))).map((m) => `${key(m)} (baseline only)`),
    ...candidate.summary.modes.filter((m) => !baseModes.has(key(m))).map((m) => `${key(m)} (candidate only)`),
  ];
  if (pairs.length === 0) {
    throw new UserError(
      'the runs are not comparable: no (sweep point, mode) has measured steps in both',
      `Baseline has ${[...baseModes.keys()].join(', ') || 'none'}; candidate has ${[...candModes.keys()].join(', ') || 'none'}.`,
      GATE_EXIT.not_comparable,
    );
  }

  const profile = usableProfile(o.noise, baseline, metric, warnings);
  const sense: GateSense = { threshold, higher_is_better: spec.higher_is_better, level: familyLevel(pairs.length, alpha) };
  const inputs = pairs.map(({ b, c }) => {
    const baseline_runs = metricPerRun(baseline, b.point, b.mode, metric);
    const candidate_runs = metricPerRun(candidate, c.point, c.mode, metric);
    const entry = profile?.entries.find((e) => e.point === b.point && e.mode === b.mode);
    if (profile && !entry)
      warnings.push(`${key(b)}: not in the noise profile; without the spread between folders it can be found regressed but never cleared`);
    const inProfile = (runs: number[]) => entry?.sessions.findIndex((s) => sameRuns(s, runs)) ?? -1;
    const [bi, ci] = [inProfile(baseline_runs), inProfile(candidate_runs)];
    // A compared folder that is one of the profile's: its runs are in the profile's spread already, and its
    // level is part of the profile's spread between folders. Refit without it, so nothing counts twice.
    const used = entry && (bi >= 0 || ci >= 0) ? refit(entry, [bi, ci]) : entry?.model;
    if (bi >= 0 || ci >= 0) {
      const which = [bi >= 0 ? 'baseline' : '', ci >= 0 ? 'candidate' : ''].filter(Boolean).join(' and ');
      warnings.push(
        `${key(b)}: the ${which} ${bi >= 0 && ci >= 0 ? "folders are among the noise profile's folders; the profile is refitted without them" : "folder is one of the noise profile's folders; the profile is refitted without it"} so that their runs count once` +
          (used ? '' : ' — too few folders remain to estimate the spread between folders, so it is treated as having no profile'),
      );
    }
    return { b, c, baseline_runs, candidate_runs, entry: used ? entry : undefined, noise: used };
  });
  const decide = (x: (typeof inputs)[number], level: number) =>
    gateDecision({ ...sense, level, baseline: x.baseline_runs, candidate: x.candidate_runs, ...(x.noise ? { noise: x.noise } : {}) });
  // Holm: each comparison's interval at the level of its rank among the p-values (the same as Bonferroni's for m = 1).
  const levels = holmLevels(
    inputs.map((x) => decide(x, sense.level).p),
    alpha,
  );
  const comparisons = inputs.map((x, k): GateComparison => {
    const { b, c, baseline_runs, candidate_runs, entry } = x;
    const baseRuns = measuredRuns(baseline.rows, b.point, b.mode);
    const candRuns = measuredRuns(candidate.rows, c.point, c.mode);
    const d = decide(x, levels[k]!);
    const speed =
      d.interval && !spec.higher_is_better ? { interval: { ...d.interval, low: 1 / d.interval.high, high: 1 / d.interval.low } } : d;
    return {
      point: b.point,
      mode: b.mode,
      baseline: b[metric],
      candidate: c[metric],
      baseline_runs,
      candidate_runs,
      ratio: d.ratio,
      interval: d.interval ? { low: d.interval.low, high: d.interval.high, level: d.interval.level, df: d.interval.df } : null,
      outcome: d.outcome,
      change: resolveChange(speed).kind,
      variance: d.variance,
      ...(d.outcome === 'inconclusive' ? { runs_needed: d.runs_needed ?? null, unresolved: d.unresolved ?? 'runs' } : {}),
      flags: flags(key(b), b, c, baseRuns, candRuns, baseline_runs, candidate_runs, entry),
      others: otherMetrics(b, c, baseRuns, candRuns, metric),
    };
  });

  for (const [side, s] of [
    ['baseline', baseline],
    ['candidate', candidate],
  ] as const) {
    if (s.manifest.status !== 'completed')
      warnings.push(`the ${side} run is ${s.manifest.status}: only the steps it finished are compared`);
  }
  if (baseline.summary.functional_only || candidate.summary.functional_only) {
    warnings.push('CPU runs: the gate measured the workload on CPU; this says nothing about GPU throughput.');
  }

  const outcome: Outcome = comparisons.some((c) => c.outcome === 'regressed')
    ? 'regressed'
    : comparisons.some((c) => c.outcome === 'inconclusive')
      ? 'inconclusive'
      : 'no_regression';
  return {
    schema_version: VERDICT_SCHEMA_VERSION,
    baseline: { dir: baseline.dir, run_id: baseline.manifest.run_id, scenario: baseline.summary.scenario },
    candidate: { dir: candidate.dir, run_id: candidate.manifest.run_id, scenario: candidate.summary.scenario },
    metric,
    higher_is_better: spec.higher_is_better,
    threshold,
    alpha,
    level: sense.level,
    rule: gateRule(threshold, alpha, spec.higher_is_better),
    changed: comparability.changed,
    allowed: comparability.allowed,
    comparisons,
    not_compared: notCompared,
    ...(o.noise ? { noise_profile: o.noise.file } : {}),
    warnings,
    outcome,
    exit_code: GATE_EXIT[outcome],
  };
}

export function gateRule(threshold: number, alpha: number, higherIsBetter: boolean): string {
  const t = formatPercentText(threshold, { decimals: 4, trim: true });
  const edge = higherIsBetter ? `1 − ${t}` : `1 + ${t}`;
  const worse = higherIsBetter ? 'below' : 'above';
  const better = higherIsBetter ? 'at or above' : 'at or below';
  return (
    `per point and mode, the candidate ÷ baseline ratio of the geometric means of per-run values with a t interval on its log ` +
    `(variance: the runs' own spread pooled with the noise profile's, and the profile's mean square between folders with its degrees of freedom) at the level Holm's step-down gives its rank among m comparisons (1 − ${alpha}/m for the first); ` +
    `regressed when the interval lies wholly ${worse} ${edge}, no regression when it lies wholly ${better} ${edge} and a noise profile says how much folders differ, inconclusive otherwise`
  );
}

/** Tokens per sample that differ by more than EQUAL_WORK_TOLERANCE: a difference `compare` refuses unless allowed (`--allow-different work`). */
function workDifferences(b: ModeSummary, c: ModeSummary): Difference[] {
  return (['completion_tokens_per_sample', 'prompt_tokens_per_sample'] as const)
    .filter((f) => relativeDifference(b[f], c[f]) > EQUAL_WORK_TOLERANCE)
    .map((f) => ({ field: `work.${b.point}/${b.mode}.${f}`, kind: 'work' as const, baseline: b[f], candidate: c[f] }));
}

/** The profile, if it was made for this environment and metric; otherwise a warning and none. */
function usableProfile(noise: JudgeOptions['noise'], baseline: GateSide, metric: GateMetric, warnings: string[]): NoiseProfile | undefined {
  if (!noise) {
    warnings.push(
      'no noise profile for this machine and scenario: how much folders run at different times differ is unknown, so the intervals count only the spread of runs within each folder; a difference between the sittings can read as a regression, and no comparison can be cleared ("no regression") — run `grpo-bench calibrate <scenario>`',
    );
    return undefined;
  }
  const p = noise.profile;
  if (p.environment_hash !== environmentHash(baseline.manifest.fingerprint.environment)) {
    warnings.push(`the noise profile (${noise.file}) was made on a different environment than these runs: not used`);
    return undefined;
  }
  if (p.metric !== metric) {
    warnings.push(`the noise profile (${noise.file}) was calibrated on ${p.metric}, not ${metric}: not used`);
    return undefined;
  }
  return p;
}

/** Validity guards that weaken a comparison without refusing it. */
function flags(
  subject: string,
  b: ModeSummary,
  c: ModeSummary,
  baseRuns: StepRow[][],
  candRuns: StepRow[][],
  baseValues: number[],
  candValues: number[],
  entry: NoiseEntry | undefined,
): GateFlag[] {
  const out: GateFlag[] = [];
  const pct = (x: number) => formatPercentText(x);
  const [cb, cc] = [stepCoverage(baseRuns), stepCoverage(candRuns)];
  if (!coverageComparison(cb, cc).ok) {
    out.push({
      kind: 'step_coverage',
      subject,
      text: `timed steps cover ${pct(cb.share)} (baseline) and ${pct(cc.share)} (candidate) of the wall time between the first and last measured step; time outside the steps is not in the throughput, so a change there goes unseen`,
    });
  }
  for (const [side, runs] of [
    ['baseline', baseRuns],
    ['candidate', candRuns],
  ] as const) {
    const drifting = runs.flatMap((r) => {
      const t = halvesTrend(r.map((x) => ({ work: x.completion_tokens, seconds: x.duration_s })));
      return t && !t.ok ? [`r${r[0]!.repeat} ${t.change > 0 ? '+' : ''}${pct(t.change)}`] : [];
    });
    if (drifting.length > 0) {
      out.push({
        kind: 'trend',
        subject,
        text: `${side}: throughput of the second half of the measured steps differs from the first by more than ${pct(GUARD.trend_max)} in ${drifting.join(', ')}`,
      });
    }
  }
  for (const [side, m] of [
    ['baseline', b],
    ['candidate', c],
  ] as const) {
    const unsettled = m.runs.filter((r) => r.steady_state_settled === false).map((r) => `r${r.repeat}`);
    if (unsettled.length > 0)
      out.push({
        kind: 'not_settled',
        subject,
        text: `${side}: throughput still settling at the end of the cut in ${unsettled.join(', ')}`,
      });
  }
  for (const [side, values, runs] of [
    ['baseline', baseValues, baseRuns],
    ['candidate', candValues, candRuns],
  ] as const) {
    if (values.length < GUARD.run_outlier_min_runs) continue;
    const odd = namedOutliers(values.map((value, i) => ({ label: `r${runs[i]![0]!.repeat}`, value })));
    if (odd.length > 0)
      out.push({
        kind: 'run_outlier',
        subject,
        text: `${side}: ${odd.map((x) => `${x.label} (modified z ${formatNumber(x.z, { decimals: 1 })})`).join(', ')} far from the other runs; kept`,
      });
  }
  if (!entry)
    out.push({
      kind: 'no_noise_profile',
      subject,
      text: 'no noise profile: the spread between folders is unknown, so this comparison can be found regressed but not cleared',
    });
  return out;
}

/** Figures reported beside the gate: other step metrics with an unadjusted 95% Welch interval of per-run values, phases, energy, time to first step. */
function otherMetrics(b: ModeSummary, c: ModeSummary, baseRuns: StepRow[][], candRuns: StepRow[][], gated: GateMetric): OtherMetric[] {
  const out: OtherMetric[] = [];
  for (const [name, spec] of Object.entries(GATE_METRICS) as [GateMetric, StepMetric][]) {
    if (name === gated) continue;
    const perRun = (m: ModeSummary, runs: StepRow[][]) => runs.map((run) => spec.stat(run) / deviceCount(m.devices, spec.per));
    const r = twoSampleRatio(perRun(b, baseRuns), perRun(c, candRuns), CI_LEVEL);
    out.push({
      name,
      baseline: b[name].value,
      candidate: c[name].value,
      ratio: r.ratio,
      ...(r.interval ? { low: r.interval.low, high: r.interval.high } : {}),
      higher_is_better: spec.higher_is_better,
    });
  }
  const pair = (name: string, x: number | undefined, y: number | undefined, higher_is_better: boolean) => {
    const [bx, cy] = [finite(x), finite(y)];
    if (bx === null && cy === null) return;
    out.push({ name, baseline: bx, candidate: cy, ratio: bx !== null && cy !== null && bx !== 0 ? cy / bx : null, higher_is_better });
  };
  pair('time_to_first_step_s', b.time_to_first_step_s.value, c.time_to_first_step_s.value, METRICS.time_to_first_step_s.higher_is_better);
  for (const phase of [...new Set([...Object.keys(b.phase_median_s), ...Object.keys(c.phase_median_s)])]) {
    pair(`phase_median_s.${phase}`, b.phase_median_s[phase], c.phase_median_s[phase], false);
  }
  pair('generation_to_training_ratio', b.generation_to_training_ratio, c.generation_to_training_ratio, false);
  pair('joules_per_completion_token', b.joules_per_completion_token, c.joules_per_completion_token, false);
  pair('power_mean_w', b.power_mean_w, c.power_mean_w, false);
  return out;
}

/** The same per-run values, in the same order: the same folder's runs. */
function sameRuns(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The entry's noise model without the folders at `drop` (indices, −1 for none); undefined when fewer than two folders remain. */
function refit(entry: NoiseEntry, drop: readonly number[]): NoiseModel | undefined {
  const kept = entry.sessions.filter((_, i) => !drop.includes(i));
  return kept.length >= 2 ? fitNoiseModel(kept) : undefined;
}

function finite(x: number | undefined): number | null {
  return x !== undefined && Number.isFinite(x) ? x : null;
}
