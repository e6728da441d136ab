// summary.json, the typed summary: every number a report shows is computed once, by the analysis
// (analysis/summary/summarize.ts), and written there. Renderers (CSV, Markdown, HTML, PNG) only format
// it. The reader checks a stored one against SummaryShape, which also accepts older versions.
import type { ModeName } from '../scenario/schema.ts';
import { BatchPlan, DeviceAccount } from './plan.ts';
import type { PointInfo } from '../scenario/sweep.ts';
import { z } from 'zod';
import { Count, Figure, Mode, Point } from './common.ts';
import type { UnitStatus } from './manifest.ts';
import type { Note } from './notes.ts';

/**
 * 2: `settings_compared` and `settings_differences` added. 3: `points` lists each point's id,
 * values and label as planned; `notes` are typed (kind, severity, subject, text). 4: intervals
 * come from runs (t intervals, `interval` says whether a range is a confidence interval or one
 * run's spread); `methods` has no bootstrap fields. 5: `point_comparisons` (between the points
 * of a sweep within a mode) and each mode's `memory`. A report of an older summary re-runs the
 * analysis in memory (docs/reports.md); upgrade.ts brings one that cannot be re-run to the
 * current shape.
 */
export const SUMMARY_SCHEMA_VERSION = 5;

/** A figure with how many measurements it rests on; an interval where one could be computed. */
export interface Estimate {
  value: number;
  /**
   * `low`–`high` is a confidence interval at `ci_level` (from two runs or more), or, with one run,
   * `within_run_spread`: the 25th–75th percentile of that run's steps, not a confidence interval.
   * Absent when there is neither.
   */
  low?: number;
  high?: number;
  interval?: 'confidence' | 'within_run_spread';
  ci_level?: number;
  /** How the interval was computed, e.g. "t interval on the log of 3 per-run values (df 2)". */
  method?: string;
  n_steps: number;
  n_runs: number;
}

export interface RoleActivity {
  role: 'trainer' | 'server';
  devices: number[];
  /**
   * Fraction of the measured window in which the role's processes were inside a timed phase (from
   * events; per rank, then averaged over ranks). NaN (null in JSON) when the role wrote no phase events.
   */
  busy_fraction: number;
  /** Mean sampled utilisation (nvidia-smi utilization.gpu, or process CPU % on CPU): "some kernel ran", not work done. */
  sampled_util_mean?: number;
  sampled_util_label: string;
  /** GPM, mean over the role's GPUs and the measured windows (time-weighted): % of SMs busy, % of warp slots occupied, % of time tensor cores ran. Absent without GPM samples. */
  sm_active_mean?: number;
  sm_occupancy_mean?: number;
  tensor_active_mean?: number;
  /** GPU runs: whether GPM samples (SM activity) were read for the role's GPUs. */
  gpm?: boolean;
  /** Idle share of the measured window by the phases view (1 − busy_fraction) and by SM activity (1 − SM activity); never from utilization.gpu. */
  idle: { phases: number; sm_activity?: number };
  /** Mean power per GPU of the role (∫ power dt ÷ window), watts. */
  power_mean_w?: number;
}

export interface ModeSummary {
  point: string;
  mode: ModeName;
  devices: DeviceAccount;
  batch: BatchPlan;
  /**
   * `steps`: measured steps of that run. `measured_from_step`: its first measured step number;
   * `steady_state_settled`: false when step time never met the steady-state rule (docs/metrics.md).
   */
  runs: { repeat: number; status: UnitStatus; steps: number; measured_from_step?: number; steady_state_settled?: boolean }[];
  steps_measured: number;
  /** The scenario's fixed warm-up count (per run). */
  warmup_steps: number;
  /** Steps after the fixed warm-up excluded because step time had not settled yet, all runs together. */
  settling_steps: number;
  time_to_first_step_s: Estimate;
  /** Where the time to first step went (analysis/summary/startup.ts); absent when no run wrote start-up events. */
  startup?: StartupSplit[];
  step_time_s: Estimate;
  completion_tokens_per_s: Estimate;
  completion_tokens_per_s_per_allocated_device: Estimate;
  completion_tokens_per_s_per_training_device: Estimate;
  samples_per_s: Estimate;
  completion_tokens_per_sample: number;
  prompt_tokens_per_sample: number;
  /**
   * Median seconds per step in each phase (trainer rank 0), and under `idle` the median seconds
   * per step outside every timed phase (present when the steps had phases).
   */
  phase_median_s: Record<string, number>;
  /** Generation time ÷ training time (forward/backward + optimizer + logprobs), Σ over measured steps; NaN (null) without training phases. */
  generation_to_training_ratio: number;
  activity: RoleActivity[];
  /** Energy of every allocated GPU over the measured windows ÷ completion tokens; `energy_source` says how it was measured. */
  joules_per_completion_token?: number;
  /** `energy counter` (NVML's total energy) or `power integration` (sampled power, trapezoids); both named when runs or GPUs differed. */
  energy_source?: string;
  /** Share of that energy drawn while a GPU was idle by the phases view. */
  idle_energy_share?: number;
  /** Mean total power of all allocated GPUs over the measured windows (energy ÷ time), watts. */
  power_mean_w?: number;
  weight_sync_bytes_per_step?: number;
  /** Server mode: request latency per endpoint; absent when the trainer recorded no requests. */
  requests?: RequestLatency[];
  /** GPU memory (CUDA runs that recorded it): analysis/summary/memory.ts. */
  memory?: MemorySummary;
}

/** `cold`: the run's compile cache folders were empty or absent as it started; `warm`: they held something; `unknown`: none named, or not checked. */
export type StartupCache = 'cold' | 'warm' | 'unknown';

/** One row of a start-up split: a part's mean seconds over the runs, and how many runs wrote it. */
export interface StartupShare {
  /** `launch`, a protocol start-up part (records/events.ts STARTUP_PARTS), `first_step`, `other`. */
  part: string;
  seconds: number;
  runs: number;
}

/** The time to first step of one mode's runs with one cache state, split (docs/metrics.md "Where start-up goes"); the parts add up to `total_s`. */
export interface StartupSplit {
  cache: StartupCache;
  runs: number;
  /** Mean over the runs of launch → end of the first step (the arithmetic mean, so the parts add up; `time_to_first_step_s` is the geometric one). */
  total_s: number;
  parts: StartupShare[];
}

export interface Quantiles {
  p50: number;
  p90: number;
  p99: number;
}

/** One endpoint's requests from trainer to server over the measured windows (docs/metrics.md "Request latency"). */
export interface RequestLatency {
  endpoint: string;
  /** Requests the trainer made. */
  n: number;
  /** Of them, those the server recorded too. */
  paired: number;
  /** As the trainer saw it: send to answer read. */
  round_trip_s: Quantiles;
  /** The server's own time for the request (request read to answer ready, before it is sent); absent when the server recorded none. */
  server_s?: Quantiles;
  /** Round trip − server time per request: connection, transfer both ways and waiting outside the handler. */
  overhead_s?: Quantiles;
}

/** Where a mode's GPU memory went (docs/metrics.md "Memory"). Fields the run did not record are absent. */
export interface MemorySummary {
  /** Per phase, the largest allocator peak on trainer rank 0 over every step (warm-up included), bytes. */
  peak_allocated_by_phase?: Record<string, number>;
  /** The colocated vLLM engine as it sized itself at start (config event `engine.memory`), bytes. */
  engine?: { weights_bytes?: number; kv_cache_bytes?: number; requested_bytes?: number };
  device_total_bytes?: number;
  /** Median over measured steps of what the engine gave back to the device by sleeping (trainer rank 0), bytes. */
  sleep_freed_bytes?: number;
  /** Median over measured steps of what waking the engine took from the device, bytes. */
  wake_taken_bytes?: number;
  /** Per process name, the most device memory all its processes held together at one sample, over every GPU they used (per-process sampler), bytes. */
  process_peak_bytes?: Record<string, number>;
  /** The most any allocated GPU had in use at one sample (GPU sampler: every process, and memory outside PyTorch), bytes. */
  device_used_peak_bytes?: number;
}

export interface EqualWork {
  equal: boolean;
  completion_tokens_per_sample: Record<string, number>;
  prompt_tokens_per_sample: Record<string, number>;
  /** Largest relative difference between modes, 0 when equal. */
  max_relative_difference: number;
}

/**
 * Two points of a sweep within one mode: the point against the point that differs from it in one
 * swept field only, that field at its first value (analysis/summary/points.ts).
 */
export interface PointComparison {
  mode: ModeName;
  point: string;
  baseline: string;
  /** The swept field that differs (dotted path), and its values at the baseline and at the point. */
  field: string;
  baseline_value: string | number | boolean;
  value: string | number | boolean;
  /** point ÷ baseline, completion tokens/s per allocated device (Welch t interval over runs; none with one run a side). */
  throughput_ratio: Estimate;
  /** point ÷ baseline median step time; only when both do the same work per step. */
  step_time_ratio?: Estimate;
  equal_work: boolean;
  /** e.g. "colocate, model=preset:0.5b: enable_sleep_mode=true ran slower than enable_sleep_mode=false, at 0.76 × its throughput (95% CI …)". */
  statement: string;
}

export interface Comparison {
  point: string;
  baseline: ModeName;
  candidate: ModeName;
  /** candidate ÷ baseline throughput, completion tokens/s per allocated device. */
  speedup_per_allocated_device: Estimate;
  /** The published normalisation: per training device (server's trainers only). */
  speedup_per_training_device: Estimate;
  /** baseline ÷ candidate median step time; only meaningful under equal_global_batch. */
  step_time_speedup?: Estimate;
  generation_to_training_ratio: Record<string, number>;
  equal_work: EqualWork;
  /** The headline, e.g. "colocate ran 1.43 × faster than server (per training device, …)". */
  statement: string;
}

/** One setting that differs between the modes of a point, or that only some of them have. */
export interface SettingsDifference {
  point: string;
  /** Flattened dotted key; the server's settings under `server.`. */
  key: string;
  /** Value per compared mode, as text (JSON for numbers, booleans and null); null: the mode has no such setting. */
  values: Record<string, string | null>;
}

export interface Summary {
  schema_version: typeof SUMMARY_SCHEMA_VERSION;
  run_id: string;
  scenario: string;
  workload: string;
  protocol: 'equal_per_device_batch' | 'equal_global_batch';
  device_kind: 'cuda' | 'cpu';
  /** True on CPU: the comparison checks that everything works; its speedups say nothing about GPUs. */
  functional_only: boolean;
  /** What was missing, partial or weak, and why (notes.ts lists the kinds). */
  notes: Note[];
  /** Every point of the run as planned (plan.json `points`): id, swept values, label; one `default` point without a sweep. */
  points: PointInfo[];
  modes: ModeSummary[];
  comparisons: Comparison[];
  /** Between the points of a sweep within each mode (empty without a sweep). */
  point_comparisons: PointComparison[];
  /** Per point, the modes whose effective settings (`config` events) were compared, in MODE_ORDER. */
  settings_compared: Record<string, ModeName[]>;
  /** Settings on which the compared modes of a point differ, sorted by point then key (docs/metrics.md "Settings that differ"). */
  settings_differences: SettingsDifference[];
  /** The definitions and constants behind every figure (docs/metrics.md), for footnotes. */
  methods: Methods;
}

export interface Methods {
  ci_level: number;
  interval: string;
  throughput: string;
  outliers: string;
  steady_state: string;
  busy_fraction: string;
  energy: string;
  /** Absent in summaries written before request latency was summarised. */
  requests?: string;
  time_to_first_step: string;
}

const EstimateShape = z.looseObject({ value: Figure, low: Figure.optional(), high: Figure.optional(), n_steps: Count, n_runs: Count });

/** What the reader checks of a summary.json, of this version or an older one; other fields pass through. */
export const SummaryShape = z.looseObject({
  schema_version: z.number().int().positive(),
  run_id: z.string(),
  scenario: z.string(),
  workload: z.string(),
  protocol: z.enum(['equal_per_device_batch', 'equal_global_batch']),
  device_kind: z.enum(['cuda', 'cpu']),
  functional_only: z.boolean(),
  /** Before summary schema 3: the text alone (analysis/summary/upgrade.ts). */
  notes: z.array(
    z.union([
      z.string(),
      z.looseObject({ kind: z.string(), severity: z.enum(['info', 'warning']), subject: z.string(), text: z.string() }),
    ]),
  ),
  /** Before summary schema 3: swept values by point id (analysis/summary/upgrade.ts). */
  points: z.union([z.array(Point), z.record(z.string(), z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])))]),
  modes: z.array(
    z.looseObject({
      point: z.string(),
      mode: Mode,
      devices: DeviceAccount,
      batch: BatchPlan,
      runs: z.array(z.looseObject({ repeat: Count, status: z.string(), steps: Count })),
      steps_measured: Count,
      time_to_first_step_s: EstimateShape,
      step_time_s: EstimateShape,
      completion_tokens_per_s: EstimateShape,
      completion_tokens_per_s_per_allocated_device: EstimateShape,
      completion_tokens_per_s_per_training_device: EstimateShape,
      samples_per_s: EstimateShape,
      phase_median_s: z.record(z.string(), Figure),
      generation_to_training_ratio: Figure,
      activity: z.array(z.looseObject({ role: z.enum(['trainer', 'server']), devices: z.array(z.number()), busy_fraction: Figure })),
    }),
  ),
  comparisons: z.array(
    z.looseObject({
      point: z.string(),
      baseline: Mode,
      candidate: Mode,
      speedup_per_allocated_device: EstimateShape,
      speedup_per_training_device: EstimateShape,
      generation_to_training_ratio: z.record(z.string(), Figure),
      equal_work: z.looseObject({ equal: z.boolean() }),
      statement: z.string(),
    }),
  ),
  /** Absent before summary schema 2. */
  settings_compared: z.record(z.string(), z.array(Mode)).optional(),
  settings_differences: z
    .array(z.looseObject({ point: z.string(), key: z.string(), values: z.record(z.string(), z.string().nullable()) }))
    .optional(),
  methods: z.looseObject({}),
});
