// Constants of the run-level inference (inference.ts, noise-model.ts, gate-rule.ts,
// steady-state.ts, guards.ts). docs/metrics.md explains each one; change a value here and there together.

/**
 * The one run's spread shown instead of a confidence interval when a mode has a single run:
 * the 25th and 75th percentiles (type 7) of its per-step values. Not a confidence interval.
 */
export const WITHIN_RUN_SPREAD = { low: 0.25, high: 0.75 } as const;

/**
 * The gate: family-wise error α over every gated (point, mode), split evenly (Bonferroni), so
 * each comparison's interval has level 1 − α/m; the power at which "runs needed" is planned and
 * the powers `calibrate` reports the smallest detectable change at; the largest runs per side
 * it plans for.
 */
export const GATE_RULE = { family_alpha: 0.05, plan_power: 0.8, report_powers: [0.8, 0.95], max_runs_per_side: 100 } as const;

/** Runs per side `calibrate` needs at least (a within-session variance needs two) and uses by default. */
export const CALIBRATION = { min_runs_per_side: 2, default_runs_per_side: 3, default_pairs: 3 } as const;

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
 * fewer steps than this and no trend is computed.
 */
export const GUARD = { coverage_min: 0.99, coverage_gap: 0.02, trend_max: 0.05, trend_min_steps: 4 } as const;
