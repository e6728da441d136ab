// Every constant the analysis uses, in one place. docs/metrics.md explains each one;
// change a value here and there together.

/** Confidence level of every interval. */
export const CI_LEVEL = 0.95;

/** Base seed of the seeded PRNG (simulations); each use mixes in a hash of its label, so results are reproducible. */
export const SEED = 0x67727062; // "grpb"

/** Below this many runs a mode's interval is missing (one run) or wide (two), and the summary says so. */
export const MIN_RUNS_FOR_SPREAD = 3;

/**
 * Outliers: modified z-score M_i = 0.6745 (x_i − median) / MAD, flagged when |M_i| > 3.5
 * (Iglewicz & Hoaglin 1993, "How to Detect and Handle Outliers", ASQC vol. 16). Flagged, never dropped.
 * When MAD is 0, the mean absolute deviation scaled by 1.253314 stands in for it (ibid. / IBM SPSS).
 */
export const OUTLIER = { z_constant: 0.6745, z_threshold: 3.5, mean_ad_constant: 1.253314 } as const;

/** Per-sample prompt and completion tokens count as equal work when they differ by at most this fraction. */
export const EQUAL_WORK_TOLERANCE = 0.01;

/** Phases that make up "training" in the generation ÷ training ratio. */
export const TRAINING_PHASES = ['forward_backward', 'optimizer', 'ref_logprobs', 'old_logprobs'] as const;

/**
 * The regression gate (`compare`, docs/metrics.md "Regression gate"): the default threshold (a
 * fraction of the baseline: a change smaller than this does not count); the family-wise error α
 * over every gated (point, mode), split evenly (Bonferroni), so each comparison's interval has
 * level 1 − α/m and a single one is judged by its 95% interval; the probability at which an
 * inconclusive comparison's "runs needed" is planned; the probabilities `calibrate` reports the
 * smallest detectable regression at; the most runs per side it plans for.
 */
export const GATE = { threshold: 0.02, family_alpha: 0.05, plan_power: 0.8, report_powers: [0.8, 0.95], max_runs_per_side: 100 } as const;

/** `compare`'s exit codes: no regression beyond the threshold, regressed, not comparable, inconclusive. */
export const GATE_EXIT = { no_regression: 0, regressed: 1, not_comparable: 2, inconclusive: 3 } as const;

/**
 * `calibrate`: runs per folder it needs at least (a spread within a folder needs two) and uses by
 * default, A/A pairs of folders by default, and the runs per side its table of detectable
 * changes shows.
 */
export const CALIBRATION = { min_runs_per_side: 2, default_runs_per_side: 3, default_pairs: 3, table_runs: [1, 2, 3, 5, 10, 20] } as const;

/**
 * The one run's spread shown instead of a confidence interval when a mode has a single run:
 * the 25th and 75th percentiles (type 7) of its per-step values. Not a confidence interval.
 */
export const WITHIN_RUN_SPREAD = { low: 0.25, high: 0.75 } as const;

/**
 * Steady state on the throughput statistic (ratio of sums), after the fixed warm-up: reference =
 * the last `reference_fraction` of the steps; the first measured step is the earliest k whose
 * steps k…end keep throughput within `tolerance` below the reference's. Not applied with fewer
 * than `min_steps` steps (a note says so).
 */
export const STEADY_RATIO = { tolerance: 0.05, reference_fraction: 0.5, min_steps: 6 } as const;

/**
 * Validity guards. `coverage_min`: steps must cover this share of a run's wall time from first to
 * last measured step (work between steps is invisible to the throughput). `coverage_gap`: the
 * most the two sides of a gate comparison may differ in coverage. `trend_max`: the most the second
 * half of a run's measured steps may differ in throughput from the first half. `trend_min_steps`:
 * fewer steps than this and no trend is computed. `run_outlier_min_runs`: runs per side from which
 * a run far from the others (the outlier rule above) is named.
 */
export const GUARD = { coverage_min: 0.99, coverage_gap: 0.02, trend_max: 0.05, trend_min_steps: 4, run_outlier_min_runs: 5 } as const;

/**
 * Settings that are left out when the modes' effective settings (their `config` events) are
 * compared: they differ from process to process and run to run whatever the work is, or they are
 * the mode itself. Matched against the last part of a flattened key, lower-cased, leading dashes
 * dropped and `-` read as `_` (so `server.command.--port`, `grpo_config.vllm_group_port` and
 * `env.CUDA_VISIBLE_DEVICES` all match). docs/metrics.md "Settings that differ" lists them.
 */
export const EFFECTIVE_SETTINGS_IGNORED: readonly { pattern: RegExp; why: string }[] = [
  { pattern: /^(pid|rank|local_rank|role)$/, why: 'which process wrote the event' },
  { pattern: /^(t|time|timestamp|started)$/, why: 'when it was written' },
  { pattern: /(^|_)(port|host|host_ip|base_url|master_addr)$/, why: 'network endpoints, chosen free per run' },
  { pattern: /^(device|devices|cuda_visible_devices)$/, why: 'which devices a process holds (the device accounts say it per mode)' },
  { pattern: /^(output_dir|logging_dir|events|events_file)$/, why: 'paths that name the run folder' },
  { pattern: /^(mode|vllm_mode)$/, why: 'the mode itself' },
];

/**
 * Settings the harness varies between the repeats of one (point, mode) on purpose, matched like
 * EFFECTIVE_SETTINGS_IGNORED: a repeat that differs from the first only in these gets no note.
 */
export const REPEAT_VARIED_SETTINGS: readonly { pattern: RegExp; why: string }[] = [
  { pattern: /(^|_)seed$/, why: 'each repeat runs with the scenario seed + its repeat index' },
];

/**
 * The what-if model (analysis/whatif/model.ts, docs/metrics.md "What-if model"): replicates of the model
 * on resampled measured inputs behind each predicted interval.
 */
export const WHATIF = { replicates: 2000 } as const;
