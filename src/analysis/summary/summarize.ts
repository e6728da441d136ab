// A results folder → steps.csv + summary.json: every number a report shows, computed once here.
// Definitions, formulas and constants: docs/metrics.md and constants.ts.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DeviceAccount } from '../../records/plan.ts';
import { RUN_FILES } from '../../results/layout.ts';
import { readRun, type RunData, type StoredAnalysis, type UnitData } from '../../results/read.ts';
import { phaseColumns, stepsCsv } from '../../results/steps-csv.ts';
import { recordDerivedDigests } from '../../results/store.ts';
import { MODE_ORDER, modeOf, serverSharesGpu, SHARED_GPU_SERVER_LABEL } from '../../modes.ts';
import type { ModeName } from '../../scenario/schema.ts';
import { formatNumber, formatPercentText } from '../../value-format.ts';
import { energy, gpmUnavailableReason, roleActivity } from './activity.ts';
import { note, RUN_SUBJECT } from './notes.ts';
import { type Note } from '../../records/notes.ts';
import { CI_LEVEL, GUARD, MIN_RUNS_FOR_SPREAD, OUTLIER, STEADY_RATIO, TRAINING_PHASES } from '../inference/constants.ts';
import { equalWork, halvesTrend, stepCoverage } from './guards.ts';
import {
  blockRatio,
  ratioEstimate,
  resolveChange,
  runLevelEstimate,
  type BlockValue,
  type RunLevelEstimate,
} from '../inference/intervals.ts';
import { requestLatency } from './requests.ts';
import { memorySummary } from './memory.ts';
import { startupSplits } from './startup.ts';
import { pointComparisons, pointModeKey, type PointRuns } from './points.ts';
import { settingsDifferences } from './settings.ts';
import { upgradeSummary } from './upgrade.ts';
import { unitSteps, type UnitSteps } from './steps.ts';
import { median, ratioOfSums } from '../inference/stats.ts';
import {
  SUMMARY_SCHEMA_VERSION,
  type Comparison,
  type EqualWork,
  type Estimate,
  type Methods,
  type ModeSummary,
  type Summary,
} from '../../records/summary.ts';
import { type UnitStatus } from '../../records/manifest.ts';
import { type StepRow } from '../../records/steps.ts';

/** Reads `runDir`, writes `steps.csv` and `summary.json` into it (their digests into manifest.json), and returns the Summary. */
export async function analyzeRun(runDir: string): Promise<Summary> {
  return (await analyzeRunData(await readRun(runDir))).summary;
}

/** Summarises a run already read, writes steps.csv and summary.json with their digests, and returns both for the caller to use as they are. */
export async function analyzeRunData(run: RunData): Promise<{ summary: Summary; rows: StepRow[] }> {
  const { summary, rows } = summarize(run);
  await writeFile(path.join(run.dir, RUN_FILES.steps), stepsCsv(rows));
  await writeFile(path.join(run.dir, RUN_FILES.summary), JSON.stringify(summary, null, 2) + '\n');
  await recordDerivedDigests(run.dir);
  return { summary, rows };
}

export const METHODS: Methods = {
  ci_level: CI_LEVEL,
  interval:
    'the run is the unit: a figure per run (throughput: its Σ tokens ÷ Σ step seconds), their geometric mean, and a Student t interval on the logs of the per-run values (df = runs − 1); ratios between modes paired by ABBA block (repeat), else Welch; with one run no confidence interval, only the 25th–75th percentile of its steps, labelled as such',
  throughput:
    'completion tokens of the measured steps ÷ the sum of their durations (step t1 − t0 on trainer rank 0); per device: ÷ allocated or ÷ training devices',
  outliers: `modified z-score 0.6745·(x − median)/MAD, |z| > ${OUTLIER.z_threshold} flagged, not dropped (Iglewicz & Hoaglin 1993)`,
  steady_state: `after the fixed warm-up, the earliest step k whose steps k…end keep the throughput (Σ tokens ÷ Σ seconds) within ${100 * STEADY_RATIO.tolerance}% below that of the last ${STEADY_RATIO.reference_fraction * 100}% of steps; only a slow start is cut, and the notes say what; fewer than ${STEADY_RATIO.min_steps} steps: not applied (noted)`,
  busy_fraction:
    "three views: phases (per rank, union of its phase intervals within the measured window ÷ the window, averaged over the role's ranks; a trainer's generate in server mode is waiting, not busy), utilization.gpu (some kernel ran) and GPM SM activity (share of SMs busy), both time-weighted over the role's GPUs; idle figures from phases and SM activity only",
  energy:
    "NVML's energy counter of every allocated GPU over the measured window (interpolated at its edges), else sampled power integrated (trapezoids), ÷ completion tokens of the measured steps; idle share: energy of each sampling interval × the share of it outside the GPU's working phases",
  requests:
    "server mode, per endpoint over the measured windows: p50/p90/p99 (type 7) of each request's round trip on the trainer, of the server's own time for it (paired by request id, else by endpoint and step), and of their difference",
  time_to_first_step:
    "from the unit's launch (manifest `started`) to the end of trainer rank 0's first step; without `started`, from the unit's earliest event",
};

/**
 * The summary a report shows and its step rows. summary.json as written when it has this
 * harness's schema. An older one lacks fields the report shows (e.g. the settings that differ):
 * the analysis runs again, in memory, from the run's data, and the notes say so; the folder is
 * left as it was (archived runs stay byte for byte). When the run's data could not be read
 * (`unreadable` says why), the old summary is shown in the current shape (upgrade.ts) with a note.
 */
export function currentSummary(
  stored: StoredAnalysis,
  run: RunData | undefined,
  unreadable = 'the results folder could not be read',
): { summary: Summary; rows: StepRow[] } {
  const old = stored.summary;
  if (old.schema_version >= SUMMARY_SCHEMA_VERSION) return { summary: upgradeSummary(old), rows: stored.steps };
  const was = `${RUN_FILES.summary} has schema ${String(old.schema_version)}, older than this harness's ${SUMMARY_SCHEMA_VERSION}`;
  if (run) {
    const again = summarize(run);
    again.summary.notes.unshift(
      note(
        'summary_reanalysed',
        RUN_SUBJECT,
        `${was}: this report re-ran the analysis from the events in memory; the results folder is unchanged.`,
      ),
    );
    return again;
  }
  const upgraded = upgradeSummary(old);
  const why = `${was}, and the analysis could not re-run (${unreadable}); the report shows the old summary, without the settings that differ between the modes.`;
  const summary = { ...upgraded, notes: [note('summary_outdated', RUN_SUBJECT, why), ...upgraded.notes] };
  return { summary, rows: stored.steps };
}

/** Pure: the run's data → Summary and the step rows of steps.csv. */
export function summarize(all: RunData): { summary: Summary; rows: StepRow[] } {
  // Profile units (`grpo-bench profile`) time requests, not steps: profile.ts reads them.
  const units = all.units.filter((u) => !u.plan.probe);
  const planUnits = all.plan.units.filter((u) => !u.probe);
  const run: RunData = {
    ...all,
    plan: { ...all.plan, units: planUnits, points: all.plan.points.filter((p) => planUnits.some((u) => u.point === p.id)) },
    units,
  };
  const { manifest, plan } = run;
  const scenario = manifest.scenario;
  const notes: Note[] = [];
  const functional = plan.device === 'cpu';
  if (functional)
    notes.push(note('cpu_run', RUN_SUBJECT, 'CPU run: the comparison checks that everything works; its speedups say nothing about GPUs.'));
  if (serverSharesGpu(scenario) && plan.units.some((u) => u.mode === 'server')) {
    notes.push(
      note(
        'shared_gpu_server',
        RUN_SUBJECT,
        `server: ${SHARED_GPU_SERVER_LABEL} (the server and the trainer time-share one GPU; weights pass as CUDA IPC handles).`,
      ),
    );
  }

  const analysed: { steps: UnitSteps; status: UnitStatus }[] = [];
  for (const unit of run.units) {
    const status = unitStatus(unit);
    noteUnitProblems(unit, status, notes);
    if (status === undefined) continue;
    analysed.push({ steps: unitSteps(unit, scenario.warmup_steps, notes), status });
  }
  for (const { steps, status } of analysed) {
    if (status !== 'ok')
      notes.push(note('unit_incomplete', steps.unit.plan.dir, `${status}; its ${steps.measured.length} measured step(s) are used`));
  }

  const modes: ModeSummary[] = [];
  const comparisons: Comparison[] = [];
  const byPointMode = new Map<string, PointRuns>();
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
      const m = modeSummary(point, mode, group, scenario.warmup_steps, notes);
      modes.push(m);
      byMode.set(mode, m);
      const runs = withSteps.map((a) => a.steps.measured);
      runsByMode.set(mode, runs);
      byPointMode.set(pointModeKey(point, mode), {
        summary: m,
        throughput: runs.map((r) => tokensPerSecond(r) / deviceCount(m.devices, 'allocated')),
        step_time: runs.map(medianStepTime),
        steps: m.steps_measured,
      });
      const n = m.step_time_s.n_runs;
      if (n === 1) {
        notes.push(
          note(
            'few_runs',
            `${point}/${mode}`,
            `one run: no confidence interval; the ranges shown are the spread of its steps (25th–75th percentile), which says nothing about how another run would come out (use repeats ≥ ${MIN_RUNS_FOR_SPREAD})`,
          ),
        );
      } else if (n < MIN_RUNS_FOR_SPREAD) {
        notes.push(
          note(
            'few_runs',
            `${point}/${mode}`,
            `${n} runs: the t interval has ${n - 1} degree(s) of freedom and is wide (use repeats ≥ ${MIN_RUNS_FOR_SPREAD})`,
          ),
        );
      }
    }
    const present = MODE_ORDER.filter((m) => byMode.has(m));
    for (let i = 0; i < present.length; i++) {
      for (let j = i + 1; j < present.length; j++) {
        const b = present[i]!;
        const c = present[j]!;
        comparisons.push(
          compare(point, byMode.get(b)!, byMode.get(c)!, runsByMode.get(b)!, runsByMode.get(c)!, scenario.protocol, functional, notes),
        );
      }
    }
  }
  if (comparisons.length > 0 && scenario.protocol !== 'equal_global_batch') {
    notes.push(
      note(
        'step_time_speedup_omitted',
        RUN_SUBJECT,
        'Step-time speedup omitted: under equal_per_device_batch the modes do different work per step (different training device counts); compare throughput.',
      ),
    );
  }

  const pointComparisonsOfRun = pointComparisons(run.plan.points, byPointMode);
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
    point_comparisons: pointComparisonsOfRun,
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
    notes.push(
      note(
        'unit_not_run',
        unit.plan.dir,
        `not run${unit.record?.status === 'skipped' && unit.record.error ? ` (${unit.record.error.message})` : ''}`,
      ),
    );
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
    else if (end.type === 'end' && end.status === 'error')
      notes.push(note('process_error', f.file, `ended with error${end.error ? `: ${end.error.trim().split('\n')[0]}` : ''}`));
  }
  for (const t of [unit.telemetry, unit.processes, unit.host]) {
    if (t && t.problems.length > 0)
      notes.push(
        note(
          'samples_unreadable',
          `${unit.plan.dir}/${path.basename(t.file)}`,
          `${t.problems.length} row(s) not read (line ${t.problems[0]!.line}: ${t.problems[0]!.message})`,
        ),
      );
  }
}

/** What a per-device figure divides by: the allocated devices (the server's included), the training devices, or nothing. */
export type PerDevice = 'allocated' | 'training' | null;

export function deviceCount(devices: DeviceAccount, per: PerDevice): number {
  return per === null ? 1 : per === 'allocated' ? devices.allocated.length : devices.training.length;
}

/** Completion tokens of the steps ÷ the sum of their durations. */
export const tokensPerSecond = (rows: readonly StepRow[]) =>
  ratioOfSums(
    rows,
    (r) => r.completion_tokens,
    (r) => r.duration_s,
  );
/** Samples of the steps ÷ the sum of their durations. */
export const samplesPerSecond = (rows: readonly StepRow[]) =>
  ratioOfSums(
    rows,
    (r) => r.samples,
    (r) => r.duration_s,
  );
/** Median step duration. */
export const medianStepTime = (rows: readonly StepRow[]) => median(rows.map((r) => r.duration_s));

/** A run-level estimate (inference.ts) as the summary stores it, times `scale` (a device count). */
function toEstimate(e: RunLevelEstimate, nSteps: number, scale = 1): Estimate {
  const iv = e.interval;
  return {
    value: e.value * scale,
    ...(iv && Number.isFinite(iv.low) && Number.isFinite(iv.high)
      ? {
          low: iv.low * scale,
          high: iv.high * scale,
          interval: iv.kind,
          ...(iv.kind === 'confidence' ? { ci_level: iv.level } : {}),
          method: iv.method,
        }
      : {}),
    n_steps: nSteps,
    n_runs: e.n_runs,
  };
}

/** `stat` per run, and a run-level estimate of it; with one run, the spread of `perStep` over its steps. */
function runEstimate(
  runs: readonly StepRow[][],
  stat: (r: readonly StepRow[]) => number,
  perStep: (r: StepRow) => number,
  scale = 1,
): Estimate {
  const e = runLevelEstimate(runs.map(stat), CI_LEVEL, runs.length === 1 ? runs[0]!.map(perStep) : []);
  return toEstimate(
    e,
    runs.reduce((s, r) => s + r.length, 0),
    scale,
  );
}

function modeSummary(
  point: string,
  mode: ModeName,
  group: readonly { steps: UnitSteps; status: UnitStatus }[],
  warmupSteps: number,
  notes: Note[],
): ModeSummary {
  const units = group.map((g) => g.steps).filter((u) => u.measured.length > 0);
  const runs = units.map((u) => u.measured);
  const rows = runs.flat();
  const devices: DeviceAccount = units[0]!.unit.plan.devices;
  const label = `${point}/${mode}`;
  const tokensPerStepSecond = (r: StepRow) => r.completion_tokens / r.duration_s;
  const throughput = (per: PerDevice) => runEstimate(runs, tokensPerSecond, tokensPerStepSecond, 1 / deviceCount(devices, per));

  const sum = (f: (r: StepRow) => number) => rows.reduce((s, r) => s + f(r), 0);
  const coverage = stepCoverage(runs);
  if (!coverage.ok) {
    notes.push(
      note(
        'steps_leave_gaps',
        label,
        `steps cover ${formatPercentText(coverage.share)} of the wall time from first to last measured step; throughput counts step time only, so work between steps is not in it`,
      ),
    );
  }
  const drifting = runs.flatMap((r) => {
    const t = halvesTrend(r.map((x) => ({ work: x.completion_tokens, seconds: x.duration_s })));
    return t && !t.ok ? [`r${r[0]!.repeat} ${t.change > 0 ? '+' : ''}${formatPercentText(t.change)}`] : [];
  });
  if (drifting.length > 0) {
    notes.push(
      note(
        'trend',
        label,
        `throughput of the second half of the measured steps differs from the first half by more than ${formatPercentText(GUARD.trend_max, { decimals: 1, trim: true })} in ${drifting.join(', ')}: the figure depends on how long the run was`,
      ),
    );
  }
  const phaseNames = phaseColumns(rows);
  const phaseMedian = Object.fromEntries(phaseNames.map((p) => [p, median(rows.map((r) => r.phases[p] ?? 0))]));
  const idle = rows.filter((r) => r.idle_s !== undefined).map((r) => r.idle_s!);
  if (idle.length > 0) phaseMedian.idle = median(idle);
  const generation = sum((r) => r.phases.generate ?? 0);
  const training = sum((r) => TRAINING_PHASES.reduce((s, p) => s + (r.phases[p] ?? 0), 0));
  if (!(training > 0))
    notes.push(
      note(
        'no_training_phases',
        label,
        `no training phases (${TRAINING_PHASES.join(', ')}) in the events; generation ÷ training ratio unknown (null)`,
      ),
    );

  const activity = modeOf(mode).roles.map((role) => roleActivity(units, role, notes));
  if (devices.kind === 'cuda' && activity.every((a) => !a.gpm)) {
    notes.push(
      note(
        'gpm_unavailable',
        label,
        `GPM metrics not available (${gpmUnavailableReason(units)}); SM and tensor activity unknown, idle figures from phases only`,
      ),
    );
  }
  const e = energy(units, notes);
  const requests = requestLatency(units, label, notes);
  const synced = rows.filter((r) => r.weight_sync_bytes !== undefined);
  const memory = devices.kind === 'cuda' ? memorySummary(units) : undefined;
  const startup = startupSplits(units);

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
    time_to_first_step_s: timeToFirstStep(units, notes),
    ...(startup ? { startup } : {}),
    step_time_s: runEstimate(runs, medianStepTime, (r) => r.duration_s),
    completion_tokens_per_s: throughput(null),
    completion_tokens_per_s_per_allocated_device: throughput('allocated'),
    completion_tokens_per_s_per_training_device: throughput('training'),
    samples_per_s: runEstimate(runs, samplesPerSecond, (r) => r.samples / r.duration_s),
    completion_tokens_per_sample: sum((r) => r.completion_tokens) / sum((r) => r.samples),
    prompt_tokens_per_sample: sum((r) => r.prompt_tokens) / sum((r) => r.samples),
    phase_median_s: phaseMedian,
    generation_to_training_ratio: training > 0 ? generation / training : Number.NaN,
    activity,
    ...(e && e.completion_tokens > 0
      ? {
          joules_per_completion_token: e.joules / e.completion_tokens,
          energy_source: e.sources.join(' and '),
          ...(e.idle_joules !== undefined && e.joules > 0 ? { idle_energy_share: e.idle_joules / e.joules } : {}),
          power_mean_w: e.joules / e.seconds,
        }
      : {}),
    ...(requests.length > 0 ? { requests } : {}),
    ...(synced.length > 0 ? { weight_sync_bytes_per_step: synced.reduce((s, r) => s + r.weight_sync_bytes!, 0) / rows.length } : {}),
    ...(memory ? { memory } : {}),
  };
}

/** Per run: launch (manifest `started`) → end of trainer-0's first step; their geometric mean with a t interval on the logs (none with one run). */
function timeToFirstStep(units: readonly UnitSteps[], notes: Note[]): Estimate {
  const values: number[] = [];
  for (const u of units) {
    const first = u.rows[0];
    if (!first) continue;
    const started = u.unit.record?.started ? Date.parse(u.unit.record.started) / 1000 : Number.NaN;
    let launch = started;
    if (!Number.isFinite(launch)) {
      launch = earliestEvent(u.unit);
      notes.push(
        note(
          'launch_time_missing',
          u.unit.plan.dir,
          "no launch time in the manifest; time to first step counts from the unit's earliest event (model loading before it is not included)",
        ),
      );
    }
    values.push(first.t1 - launch);
  }
  // One value per run, no steps behind it: with one run, no interval and no spread.
  return toEstimate(runLevelEstimate(values), 0);
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
  notes: Note[],
): Comparison {
  // One value per run, paired by repeat: a repeat runs the modes back to back (ABBA order).
  const perRun = (runs: StepRow[][], stat: (r: readonly StepRow[]) => number, scale = 1): BlockValue[] =>
    runs.map((r) => ({ block: r[0]!.repeat, value: stat(r) / scale }));
  const steps = Math.min(baseRuns.flat().length, candRuns.flat().length);
  const ratio = (per: PerDevice) =>
    ratioEstimate(
      blockRatio(
        perRun(baseRuns, tokensPerSecond, deviceCount(base.devices, per)),
        perRun(candRuns, tokensPerSecond, deviceCount(cand.devices, per)),
      ),
      steps,
    );
  const perTraining = ratio('training');
  const perAllocated = ratio('allocated');
  const equalWork = checkEqualWork(base, cand);
  if (!equalWork.equal) {
    notes.push(
      note(
        'unequal_work',
        point,
        `${base.mode} and ${cand.mode} did not do equal work per sample (max relative difference ${formatPercentText(equalWork.max_relative_difference)}); their speedups compare different work`,
      ),
    );
  }
  const stepTime =
    protocol === 'equal_global_batch'
      ? { step_time_speedup: ratioEstimate(blockRatio(perRun(candRuns, medianStepTime), perRun(baseRuns, medianStepTime)), steps) }
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
  const { equal, max_relative_difference: max } = equalWork(base, cand);
  return {
    equal,
    completion_tokens_per_sample: { [base.mode]: base.completion_tokens_per_sample, [cand.mode]: cand.completion_tokens_per_sample },
    prompt_tokens_per_sample: { [base.mode]: base.prompt_tokens_per_sample, [cand.mode]: cand.prompt_tokens_per_sample },
    max_relative_difference: max,
  };
}

/**
 * The headline: "faster" or "slower" only when the interval excludes 1, e.g. "colocate ran 1.43 ×
 * faster than server (95% CI 1.38–1.49; …, 3 runs × 20 steps each)"; otherwise "no difference
 * resolved between server and colocate (±4.1%): …"; with one run per mode, the ratio and "one run
 * each: no confidence interval".
 */
export function statement(
  base: ModeSummary,
  cand: ModeSummary,
  speedup: Estimate,
  protocol: Summary['protocol'],
  functional: boolean,
): string {
  const f = (x: number) => formatNumber(x, { decimals: 2 });
  const proto = protocol === 'equal_global_batch' ? 'equal global batch' : 'equal per-device batch';
  const b = extent(base);
  const c = extent(cand);
  const size = b === c ? b : `${base.mode} ${b}, ${cand.mode} ${c}`;
  const what = `completion tokens/s per training device, ${proto}, ${size}`;
  const cpu = functional ? '; CPU run, says nothing about GPUs' : '';
  const change = resolveChange({
    interval:
      speedup.interval === 'confidence' && speedup.low !== undefined && speedup.high !== undefined
        ? { low: speedup.low, high: speedup.high }
        : null,
  });
  const ci = `${formatPercentText(speedup.ci_level ?? CI_LEVEL, { decimals: 0 })} CI ${f(speedup.low ?? Number.NaN)}–${f(speedup.high ?? Number.NaN)}`;
  switch (change.kind) {
    case 'faster':
      return `${cand.mode} ran ${f(speedup.value)} × faster than ${base.mode} (${ci}; ${what})${cpu}`;
    case 'slower':
      return `${cand.mode} ran slower than ${base.mode}, at ${f(speedup.value)} × its speed (${ci}; ${what})${cpu}`;
    case 'unresolved':
      return `no difference resolved between ${base.mode} and ${cand.mode} (±${formatPercentText(change.within)}): ${cand.mode} at ${f(speedup.value)} × ${base.mode} (${ci}; ${what})${cpu}`;
    case 'no_interval':
      return `${cand.mode} at ${f(speedup.value)} × ${base.mode}'s speed, from too few runs for a confidence interval (${what}; no "faster" or "slower" without one)${cpu}`;
  }
}

/**
 * What a mode's figures rest on, as steps.csv counts them: "3 runs × 20 steps each" when every
 * run has the same measured steps ("1 run × 20 steps"), else "3 runs, 5–6 measured steps each
 * (17 in all)".
 */
export function extent(m: ModeSummary): string {
  const counts = m.runs.filter((r) => r.steps > 0).map((r) => r.steps);
  const runs = `${counts.length} run${counts.length === 1 ? '' : 's'}`;
  if (counts.every((n) => n === counts[0]))
    return `${runs} × ${counts[0] ?? 0} step${counts[0] === 1 ? '' : 's'}${counts.length > 1 ? ' each' : ''}`;
  const total = counts.reduce((a, b) => a + b, 0);
  return `${runs}, ${Math.min(...counts)}–${Math.max(...counts)} measured steps each (${total} in all)`;
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}
