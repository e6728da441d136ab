// A results folder → steps.csv + summary.json: every number a report shows, computed once here.
// Definitions, formulas and constants: docs/metrics.md and constants.ts.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DeviceAccount } from '../launch/types.ts';
import { RUN_FILES } from '../results/layout.ts';
import { readRun, type RunData, type StoredAnalysis, type UnitData } from '../results/read.ts';
import { phaseColumns, stepsCsv } from '../results/steps-csv.ts';
import { MODE_ORDER, modeOf } from '../modes.ts';
import type { ModeName } from '../scenario/schema.ts';
import { energy, roleActivity } from './activity.ts';
import { note, RUN_SUBJECT, type Note } from './notes.ts';
import {
  BOOTSTRAP_RESAMPLES,
  BOOTSTRAP_SEED,
  CI_LEVEL,
  EQUAL_WORK_TOLERANCE,
  MIN_RUNS_FOR_SPREAD,
  OUTLIER,
  STEADY,
  TRAINING_PHASES,
} from './constants.ts';
import { settingsDifferences } from './settings.ts';
import { upgradeSummary } from './upgrade.ts';
import { unitSteps, type UnitSteps } from './steps.ts';
import { bootstrapEstimate, bootstrapRatio, median, ratioOfSums, seedFor, type BootstrapEstimate } from './stats.ts';
import {
  SUMMARY_SCHEMA_VERSION,
  type Comparison,
  type EqualWork,
  type Estimate,
  type Methods,
  type ModeSummary,
  type StepRow,
  type Summary,
  type UnitStatus,
} from './types.ts';

export interface AnalyzeOptions {
  /** Bootstrap resamples per interval (default BOOTSTRAP_RESAMPLES). */
  resamples?: number;
}

/** Reads `runDir`, writes `steps.csv` and `summary.json` into it, and returns the Summary. */
export async function analyzeRun(runDir: string, options: AnalyzeOptions = {}): Promise<Summary> {
  const { summary, rows } = summarize(await readRun(runDir), options);
  await writeFile(path.join(runDir, RUN_FILES.steps), stepsCsv(rows));
  await writeFile(path.join(runDir, RUN_FILES.summary), JSON.stringify(summary, null, 2) + '\n');
  return summary;
}

export const METHODS: Methods = {
  ci_level: CI_LEVEL,
  bootstrap_resamples: BOOTSTRAP_RESAMPLES,
  bootstrap_seed: BOOTSTRAP_SEED,
  interval:
    'percentile interval of a hierarchical bootstrap: runs (one mode, one repeat) resampled with replacement, then circular blocks of round(n^(1/3)) steps within each run (Politis & Romano 1992); ratios resample both modes independently',
  throughput: 'completion tokens of the measured steps ÷ the sum of their durations (step t1 − t0 on trainer rank 0); per device: ÷ allocated or ÷ training devices',
  outliers: `modified z-score 0.6745·(x − median)/MAD, |z| > ${OUTLIER.z_threshold} flagged, not dropped (Iglewicz & Hoaglin 1993)`,
  steady_state: `after the fixed warm-up, the earliest step k with d_k ≤ m + max(${STEADY.k_mad}·1.4826·MAD, ${STEADY.tolerance}·m) and |median(d_k…) − m| ≤ ${STEADY.tolerance}·m, m and MAD over the last ${STEADY.reference_fraction * 100}% of steps; fewer than ${STEADY.min_steps} steps: not applied`,
  busy_fraction: "per rank, union of its phase intervals within the measured window ÷ the window, averaged over the role's ranks; a trainer's generate in server mode is waiting, not busy",
  energy: 'sampled power of every allocated GPU integrated over the measured window (trapezoids), ÷ completion tokens of the measured steps',
  time_to_first_step: "from the unit's launch (manifest `started`) to the end of trainer rank 0's first step; without `started`, from the unit's earliest event",
};

/**
 * The summary a report shows and its step rows. summary.json as written when it has this
 * harness's schema. An older one lacks fields the report shows (e.g. the settings that differ):
 * the analysis runs again, in memory, from the run's data, and the notes say so; the folder is
 * left as it was (archived runs stay byte for byte). When the run's data could not be read
 * (`unreadable` says why), the old summary is shown in the current shape (upgrade.ts) with a note.
 */
export function currentSummary(stored: StoredAnalysis, run: RunData | undefined, unreadable = 'the results folder could not be read'): { summary: Summary; rows: StepRow[] } {
  const old = stored.summary;
  if (old.schema_version >= SUMMARY_SCHEMA_VERSION) return { summary: upgradeSummary(old), rows: stored.steps };
  const was = `${RUN_FILES.summary} has schema ${String(old.schema_version)}, older than this harness's ${SUMMARY_SCHEMA_VERSION}`;
  if (run) {
    const again = summarize(run);
    again.summary.notes.unshift(note('summary_reanalysed', RUN_SUBJECT, `${was}: this report re-ran the analysis from the events in memory; the results folder is unchanged.`));
    return again;
  }
  const upgraded = upgradeSummary(old);
  const why = `${was}, and the analysis could not re-run (${unreadable}); the report shows the old summary, without the settings that differ between the modes.`;
  const summary = { ...upgraded, notes: [note('summary_outdated', RUN_SUBJECT, why), ...upgraded.notes] };
  return { summary, rows: stored.steps };
}

/** Pure: the run's data → Summary and the step rows of steps.csv. */
export function summarize(run: RunData, options: AnalyzeOptions = {}): { summary: Summary; rows: StepRow[] } {
  const { manifest, plan } = run;
  const scenario = manifest.scenario;
  const notes: Note[] = [];
  const resamples = options.resamples ?? BOOTSTRAP_RESAMPLES;
  const functional = plan.device === 'cpu';
  if (functional) notes.push(note('cpu_run', RUN_SUBJECT, 'CPU run: the comparison checks that everything works; its speedups say nothing about GPUs.'));

  const analysed: { steps: UnitSteps; status: UnitStatus }[] = [];
  for (const unit of run.units) {
    const status = unitStatus(unit);
    noteUnitProblems(unit, status, notes);
    if (status === undefined) continue;
    analysed.push({ steps: unitSteps(unit, scenario.warmup_steps, notes), status });
  }
  for (const { steps, status } of analysed) {
    if (status !== 'ok') notes.push(note('unit_incomplete', steps.unit.plan.dir, `${status}; its ${steps.measured.length} measured step(s) are used`));
  }

  const modes: ModeSummary[] = [];
  const comparisons: Comparison[] = [];
  for (const point of unique(run.plan.units.map((u) => u.point))) {
    const byMode = new Map<ModeName, ModeSummary>();
    const runsByMode = new Map<ModeName, StepRow[][]>();
    for (const mode of MODE_ORDER) {
      const group = analysed.filter((a) => a.steps.unit.plan.point === point && a.steps.unit.plan.mode === mode);
      if (group.length === 0) continue;
      const withSteps = group.filter((a) => a.steps.measured.length > 0);
      if (withSteps.length === 0) {
        notes.push(note('no_measured_steps', `${point}/${mode}`, 'no measured steps; left out of the summary and its comparisons'));
        continue;
      }
      const m = modeSummary(point, mode, group, scenario.warmup_steps, resamples, notes);
      modes.push(m);
      byMode.set(mode, m);
      runsByMode.set(mode, withSteps.map((a) => a.steps.measured));
      if (m.step_time_s.n_runs < MIN_RUNS_FOR_SPREAD) {
        const few = m.step_time_s.n_runs === 1 ? 'the steps of one run' : 'too few runs';
        notes.push(note('few_runs', `${point}/${mode}`, `${m.step_time_s.n_runs} run(s); intervals rest on ${few} and understate run-to-run spread (use repeats ≥ ${MIN_RUNS_FOR_SPREAD})`));
      }
    }
    const present = MODE_ORDER.filter((m) => byMode.has(m));
    for (let i = 0; i < present.length; i++) {
      for (let j = i + 1; j < present.length; j++) {
        const b = present[i]!;
        const c = present[j]!;
        comparisons.push(
          compare(point, byMode.get(b)!, byMode.get(c)!, runsByMode.get(b)!, runsByMode.get(c)!, scenario.protocol, functional, resamples, notes),
        );
      }
    }
  }
  if (comparisons.length > 0 && scenario.protocol !== 'equal_global_batch') {
    notes.push(note('step_time_speedup_omitted', RUN_SUBJECT, 'Step-time speedup omitted: under equal_per_device_batch the modes do different work per step (different training device counts); compare throughput.'));
  }

  const settings = settingsDifferences(run.units, unique(run.plan.units.map((u) => u.point)), notes);

  const summary: Summary = {
    schema_version: SUMMARY_SCHEMA_VERSION,
    run_id: manifest.run_id,
    scenario: scenario.name,
    workload: scenario.workload,
    protocol: scenario.protocol,
    device_kind: plan.device,
    functional_only: functional,
    notes,
    points: run.plan.points,
    modes,
    comparisons,
    settings_compared: settings.compared,
    settings_differences: settings.differences,
    methods: METHODS,
  };
  return { summary, rows: analysed.flatMap((a) => a.steps.rows) };
}

/** The unit's status for analysis; undefined when it never ran (planned or skipped, no events). */
function unitStatus(unit: UnitData): UnitStatus | undefined {
  const s = unit.record?.status;
  if (s === 'skipped') return undefined;
  if (s === 'planned' || s === undefined) return unit.events.length > 0 ? 'interrupted' : undefined;
  return s === 'running' ? 'interrupted' : s;
}

function noteUnitProblems(unit: UnitData, status: UnitStatus | undefined, notes: Note[]): void {
  if (status === undefined) {
    notes.push(note('unit_not_run', unit.plan.dir, `not run${unit.record?.status === 'skipped' && unit.record.error ? ` (${unit.record.error.message})` : ''}`));
    return;
  }
  if (unit.record?.error) notes.push(note('unit_error', unit.plan.dir, unit.record.error.message));
  for (const f of unit.events) {
    const { problems, truncated } = f.parsed;
    if (problems.length > 0) {
      const first = problems[0]!;
      const cut = truncated && !problems.some((p) => p.message.startsWith('truncated')) ? '; the writer stopped mid-line' : '';
      notes.push(note('events_unreadable', f.file, `${problems.length} line(s) not read (line ${first.line}: ${first.message})${cut}`));
    }
    const end = f.parsed.events.find((e) => e.type === 'end');
    if (!end) notes.push(note('process_unfinished', f.file, 'no end event (the process did not finish)'));
    // The exception line only: the traceback stays in the event file and the manifest.
    else if (end.type === 'end' && end.status === 'error') notes.push(note('process_error', f.file, `ended with error${end.error ? `: ${end.error.trim().split('\n')[0]}` : ''}`));
  }
  for (const t of [unit.telemetry, unit.processes, unit.host]) {
    if (t && t.problems.length > 0) notes.push(note('samples_unreadable', `${unit.plan.dir}/${path.basename(t.file)}`, `${t.problems.length} row(s) not read (line ${t.problems[0]!.line}: ${t.problems[0]!.message})`));
  }
}

/** What a per-device figure divides by: the allocated devices (the server's included), the training devices, or nothing. */
export type PerDevice = 'allocated' | 'training' | null;

export function deviceCount(devices: DeviceAccount, per: PerDevice): number {
  return per === null ? 1 : per === 'allocated' ? devices.allocated.length : devices.training.length;
}

/** Completion tokens of the steps ÷ the sum of their durations. */
export const tokensPerSecond = (rows: readonly StepRow[]) => ratioOfSums(rows, (r) => r.completion_tokens, (r) => r.duration_s);
/** Samples of the steps ÷ the sum of their durations. */
export const samplesPerSecond = (rows: readonly StepRow[]) => ratioOfSums(rows, (r) => r.samples, (r) => r.duration_s);
/** Median step duration. */
export const medianStepTime = (rows: readonly StepRow[]) => median(rows.map((r) => r.duration_s));

function toEstimate(e: BootstrapEstimate, scale = 1): Estimate {
  const [low, high] = [e.low * scale, e.high * scale];
  return {
    value: e.value * scale,
    ...(Number.isFinite(low) && Number.isFinite(high) ? { low, high, ci_level: e.ci_level, method: e.method, resamples: e.resamples } : {}),
    n_steps: e.n_steps,
    n_runs: e.n_runs,
  };
}

function modeSummary(
  point: string,
  mode: ModeName,
  group: readonly { steps: UnitSteps; status: UnitStatus }[],
  warmupSteps: number,
  resamples: number,
  notes: Note[],
): ModeSummary {
  const units = group.map((g) => g.steps).filter((u) => u.measured.length > 0);
  const runs = units.map((u) => u.measured);
  const rows = runs.flat();
  const devices: DeviceAccount = units[0]!.unit.plan.devices;
  const label = `${point}/${mode}`;
  const est = (name: string, stat: (r: readonly StepRow[]) => number) => bootstrapEstimate(runs, stat, { resamples, seed: seedFor(`${label}/${name}`) });
  const throughput = est('completion_tokens_per_s', tokensPerSecond);

  const sum = (f: (r: StepRow) => number) => rows.reduce((s, r) => s + f(r), 0);
  const span = units.reduce((s, u) => s + (u.measured.at(-1)!.t1 - u.measured[0]!.t0), 0);
  const stepTime = sum((r) => r.duration_s);
  if (stepTime < 0.99 * span) {
    notes.push(note('steps_leave_gaps', label, `steps cover ${((100 * stepTime) / span).toFixed(1)}% of the wall time from first to last measured step; throughput counts step time only`));
  }
  const phaseNames = phaseColumns(rows);
  const phaseMedian = Object.fromEntries(phaseNames.map((p) => [p, median(rows.map((r) => r.phases[p] ?? 0))]));
  const idle = rows.filter((r) => r.idle_s !== undefined).map((r) => r.idle_s!);
  if (idle.length > 0) phaseMedian.idle = median(idle);
  const generation = sum((r) => r.phases.generate ?? 0);
  const training = sum((r) => TRAINING_PHASES.reduce((s, p) => s + (r.phases[p] ?? 0), 0));
  if (!(training > 0)) notes.push(note('no_training_phases', label, `no training phases (${TRAINING_PHASES.join(', ')}) in the events; generation ÷ training ratio unknown (null)`));

  const activity = modeOf(mode).roles.map((role) => roleActivity(units, role, notes));
  const e = energy(units, notes);
  const synced = rows.filter((r) => r.weight_sync_bytes !== undefined);

  return {
    point,
    mode,
    devices,
    batch: units[0]!.unit.plan.batch,
    runs: group.map(({ steps: u, status }) => ({
      repeat: u.unit.plan.repeat,
      status,
      steps: u.measured.length,
      ...(u.measured[0] ? { measured_from_step: u.measured[0].step } : {}),
      ...(u.steady.checked ? { steady_state_settled: u.steady.settled } : {}),
    })),
    steps_measured: rows.length,
    warmup_steps: warmupSteps,
    settling_steps: units.reduce((s, u) => s + u.rows.filter((r) => r.excluded_by === 'settling').length, 0),
    time_to_first_step_s: timeToFirstStep(units, label, resamples, notes),
    step_time_s: toEstimate(est('step_time_s', medianStepTime)),
    completion_tokens_per_s: toEstimate(throughput),
    completion_tokens_per_s_per_allocated_device: toEstimate(throughput, 1 / deviceCount(devices, 'allocated')),
    completion_tokens_per_s_per_training_device: toEstimate(throughput, 1 / deviceCount(devices, 'training')),
    samples_per_s: toEstimate(est('samples_per_s', samplesPerSecond)),
    completion_tokens_per_sample: sum((r) => r.completion_tokens) / sum((r) => r.samples),
    prompt_tokens_per_sample: sum((r) => r.prompt_tokens) / sum((r) => r.samples),
    phase_median_s: phaseMedian,
    generation_to_training_ratio: training > 0 ? generation / training : Number.NaN,
    activity,
    ...(e && e.completion_tokens > 0 ? { joules_per_completion_token: e.joules / e.completion_tokens, power_mean_w: e.joules / e.seconds } : {}),
    ...(synced.length > 0 ? { weight_sync_bytes_per_step: synced.reduce((s, r) => s + r.weight_sync_bytes!, 0) / rows.length } : {}),
  };
}

/** Per run: launch (manifest `started`) → end of trainer-0's first step; the median over runs, bootstrapped over runs. */
function timeToFirstStep(units: readonly UnitSteps[], label: string, resamples: number, notes: Note[]): Estimate {
  const values: number[] = [];
  for (const u of units) {
    const first = u.rows[0];
    if (!first) continue;
    const started = u.unit.record?.started ? Date.parse(u.unit.record.started) / 1000 : Number.NaN;
    let launch = started;
    if (!Number.isFinite(launch)) {
      launch = earliestEvent(u.unit);
      notes.push(note('launch_time_missing', u.unit.plan.dir, "no launch time in the manifest; time to first step counts from the unit's earliest event (model loading before it is not included)"));
    }
    values.push(first.t1 - launch);
  }
  const e = bootstrapEstimate(values.map((v) => [v]), median, { resamples, seed: seedFor(`${label}/time_to_first_step`) });
  const est = toEstimate(e);
  if (est.method) est.method = `bootstrap over runs (one value per run); ${resamples} resamples, percentile interval`;
  if (values.length < 2) return { value: est.value, n_steps: est.n_steps, n_runs: est.n_runs };
  return est;
}

function earliestEvent(unit: UnitData): number {
  let t = Number.POSITIVE_INFINITY;
  for (const f of unit.events) {
    for (const e of f.parsed.events) {
      const when = 't0' in e ? e.t0 : 't' in e ? e.t : undefined;
      if (typeof when === 'number') t = Math.min(t, when);
    }
  }
  return t;
}

function compare(
  point: string,
  base: ModeSummary,
  cand: ModeSummary,
  baseRuns: StepRow[][],
  candRuns: StepRow[][],
  protocol: Summary['protocol'],
  functional: boolean,
  resamples: number,
  notes: Note[],
): Comparison {
  const label = `${point}/${base.mode}->${cand.mode}`;
  const seed = seedFor(`${label}/throughput`);
  const ratio = (scale: number) => toEstimate(bootstrapRatio(candRuns, baseRuns, tokensPerSecond, { resamples, seed, scale }));
  const perTraining = ratio(deviceCount(base.devices, 'training') / deviceCount(cand.devices, 'training'));
  const perAllocated = ratio(deviceCount(base.devices, 'allocated') / deviceCount(cand.devices, 'allocated'));
  const equalWork = checkEqualWork(base, cand);
  if (!equalWork.equal) {
    const by = (100 * equalWork.max_relative_difference).toFixed(1);
    notes.push(note('unequal_work', point, `${base.mode} and ${cand.mode} did not do equal work per sample (max relative difference ${by}%); their speedups compare different work`));
  }
  const stepTime =
    protocol === 'equal_global_batch'
      ? { step_time_speedup: toEstimate(bootstrapRatio(baseRuns, candRuns, medianStepTime, { resamples, seed: seedFor(`${label}/step_time`) })) }
      : {};
  return {
    point,
    baseline: base.mode,
    candidate: cand.mode,
    speedup_per_allocated_device: perAllocated,
    speedup_per_training_device: perTraining,
    ...stepTime,
    generation_to_training_ratio: { [base.mode]: base.generation_to_training_ratio, [cand.mode]: cand.generation_to_training_ratio },
    equal_work: equalWork,
    statement: statement(base, cand, perTraining, protocol, functional),
  };
}

export function checkEqualWork(base: ModeSummary, cand: ModeSummary): EqualWork {
  const rel = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b)));
  const max = Math.max(
    rel(base.completion_tokens_per_sample, cand.completion_tokens_per_sample),
    rel(base.prompt_tokens_per_sample, cand.prompt_tokens_per_sample),
  );
  return {
    equal: max <= EQUAL_WORK_TOLERANCE,
    completion_tokens_per_sample: { [base.mode]: base.completion_tokens_per_sample, [cand.mode]: cand.completion_tokens_per_sample },
    prompt_tokens_per_sample: { [base.mode]: base.prompt_tokens_per_sample, [cand.mode]: cand.prompt_tokens_per_sample },
    max_relative_difference: max,
  };
}

/** e.g. "colocate ran 1.43 × faster than server (95% CI 1.40–1.46; completion tokens/s per training device, equal per-device batch, 3 runs × 20 steps)". */
export function statement(base: ModeSummary, cand: ModeSummary, speedup: Estimate, protocol: Summary['protocol'], functional: boolean): string {
  const f = (x: number) => x.toFixed(2);
  const how = speedup.value >= 1 ? `${f(speedup.value)} × faster than` : `at ${f(speedup.value)} × the speed of`;
  const ci = speedup.low !== undefined && speedup.high !== undefined ? `${Math.round((speedup.ci_level ?? CI_LEVEL) * 100)}% CI ${f(speedup.low)}–${f(speedup.high)}; ` : '';
  const proto = protocol === 'equal_global_batch' ? 'equal global batch' : 'equal per-device batch';
  const b = extent(base);
  const c = extent(cand);
  const size = b === c ? b : `${base.mode} ${b}, ${cand.mode} ${c}`;
  return `${cand.mode} ran ${how} ${base.mode} (${ci}completion tokens/s per training device, ${proto}, ${size})${functional ? '; CPU run, says nothing about GPUs' : ''}`;
}

/** "3 runs × 20 steps" when every run has the same measured steps, else "3 runs, 57 steps". */
function extent(m: ModeSummary): string {
  const counts = m.runs.filter((r) => r.steps > 0).map((r) => r.steps);
  const runs = `${counts.length} run${counts.length === 1 ? '' : 's'}`;
  return counts.every((n) => n === counts[0]) ? `${runs} × ${counts[0]} steps` : `${runs}, ${m.steps_measured} steps`;
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}
