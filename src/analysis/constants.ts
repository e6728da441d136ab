// Every constant the analysis uses, in one place. docs/metrics.md explains each one;
// change a value here and there together.

/** Confidence level of every interval. */
export const CI_LEVEL = 0.95;

/** Bootstrap resamples per interval (percentile intervals; Efron & Tibshirani 1993, ch. 13). */
export const BOOTSTRAP_RESAMPLES = 2000;

/** Base seed of the bootstrap PRNG; each figure mixes in a hash of its label, so results are reproducible. */
export const BOOTSTRAP_SEED = 0x67727062; // "grpb"

/**
 * Circular block bootstrap (Politis & Romano 1992) block length: round(n^(1/3)), at least 1.
 * The n^(1/3) order is the MSE-optimal rate for variance estimation (Hall, Horowitz & Jing 1995).
 */
export const BLOCK_LENGTH_EXPONENT = 1 / 3;

/** Below this many runs an interval over steps understates run-to-run spread, and the summary says so. */
export const MIN_RUNS_FOR_SPREAD = 3;

/**
 * Outliers: modified z-score M_i = 0.6745 (x_i − median) / MAD, flagged when |M_i| > 3.5
 * (Iglewicz & Hoaglin 1993, "How to Detect and Handle Outliers", ASQC vol. 16). Flagged, never dropped.
 * When MAD is 0, the mean absolute deviation scaled by 1.253314 stands in for it (ibid. / IBM SPSS).
 */
export const OUTLIER = { z_constant: 0.6745, z_threshold: 3.5, mean_ad_constant: 1.253314 } as const;

/**
 * Steady-state detection, after the fixed warm-up (scenario `warmup_steps`):
 * reference = the last `reference_fraction` of the remaining steps (median m, σ̂ = 1.4826·MAD);
 * the first measured step is the earliest step k before the start of the reference with
 *   d_k ≤ m + max(k_mad·σ̂, tolerance·m)   and   |median(d_k … d_end) − m| ≤ tolerance·m;
 * when none does, step time is still drifting ("not settled") and only the reference is measured.
 * Skipped (everything after the fixed warm-up is measured) with fewer than `min_steps` steps.
 */
export const STEADY = { tolerance: 0.05, k_mad: 3, mad_to_sigma: 1.4826, reference_fraction: 0.5, min_steps: 6 } as const;

/** Per-sample prompt and completion tokens count as equal work when they differ by at most this fraction. */
export const EQUAL_WORK_TOLERANCE = 0.01;

/** Phases that make up "training" in the generation ÷ training ratio. */
export const TRAINING_PHASES = ['forward_backward', 'optimizer', 'ref_logprobs', 'old_logprobs'] as const;

/**
 * The regression gate (`compare`, docs/metrics.md "Regression gate"): default noise threshold (a
 * fraction of the baseline), the family-wise error rate over every (point, mode) compared
 * (Holm 1979; 0.05 = 1 − CI_LEVEL, so a comparison alone is judged by its 95% interval), and
 * bootstrap resamples per comparison (more than elsewhere: Holm's smallest level α/m must stay
 * well above the bootstrap's resolution 1/(resamples + 1)).
 */
export const GATE = { threshold: 0.02, family_alpha: 0.05, resamples: 10_000 } as const;

/**
 * Noise profile (`calibrate`): the smallest change the machine resolves at Rb and Rc runs per side
 * is z · cv · √(1/Rb + 1/Rc), cv the per-run coefficient of variation of the A/A runs, z the
 * two-sided normal quantile of CI_LEVEL; or the A/A ratio interval's half-width, if larger.
 */
export const NOISE = { z: 1.959963984540054 } as const;

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
