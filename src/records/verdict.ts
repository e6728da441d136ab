// The regression gate's verdict: computed once (src/analysis/gate/judge.ts), written as JSON by
// `compare --json` and formatted as Markdown by src/report/verdict.ts. Rule: docs/metrics.md
// "Regression gate".
import type { Estimate } from './summary.ts';
import type { ModeName } from '../scenario/schema.ts';

/** 2: run-level intervals, three outcomes (regressed, no_regression, inconclusive), flags. */
export const VERDICT_SCHEMA_VERSION = 2;

/**
 * regressed: the interval of the ratio lies wholly beyond the threshold on the worse side;
 * no_regression: none of it does; inconclusive: it straddles the threshold, or there is no interval.
 */
export type Outcome = 'regressed' | 'no_regression' | 'inconclusive';

/** The variance of ln(value per run) a comparison uses (analysis/inference/gate-rule.ts comparisonVariance). */
export interface LogVariance {
  within: number;
  within_df: number;
  /** null without a noise profile: how much folders differ is then unknown. */
  folders: { mean_square: number; df: number; runs_per_folder: number } | null;
}

/** Where a comparison's variance came from, and its parts. */
export interface ComparisonVariance extends LogVariance {
  /** The between-folder part's point estimate max(0, (MS_B − MS_W)/n₀), shown; the interval uses the mean squares themselves. */
  between: number;
  source: 'runs' | 'runs and noise profile';
}

/** Why a comparison stayed inconclusive. */
export type Unresolved = 'no_interval' | 'no_profile' | 'runs' | 'beyond_max_runs' | 'between_folders' | 'at_threshold';

/** A field whose value differs between the two runs. */
export interface Difference {
  /** What to pass to `--allow-different`: `environment.<key>`, or a scenario field's dotted path (`slowdown`, `grpo.max_completion_length`, `sweep.<path>`). */
  field: string;
  /** environment, scenario settings, or the work per sample the runs measured (`work.<point>/<mode>.<field>`). */
  kind: 'environment' | 'settings' | 'work';
  baseline: unknown;
  candidate: unknown;
}

/** A subject-under-test field (library version, harness commit) that changed: expected, listed. */
export interface Change {
  field: string;
  baseline: string | null;
  candidate: string | null;
}

/** A figure reported beside the gate, not gated. */
export interface OtherMetric {
  name: string;
  baseline: number | null;
  candidate: number | null;
  /** candidate ÷ baseline; null when either side is missing. */
  ratio: number | null;
  /** Unadjusted 95% Welch interval of the ratio of per-run values, for step-based figures with two runs or more per side. */
  low?: number;
  high?: number;
  higher_is_better?: boolean;
}

/** Something that weakens a comparison's verdict without refusing it (docs/metrics.md "Validity guards"). */
export interface GateFlag {
  kind: 'step_coverage' | 'trend' | 'not_settled' | 'run_outlier' | 'no_noise_profile';
  /** `<point>/<mode>`, or `run` for the whole verdict. */
  subject: string;
  text: string;
}

export interface GateComparison {
  point: string;
  mode: ModeName;
  /** The gated metric on each side, as its summary has it. */
  baseline: Estimate;
  candidate: Estimate;
  /** The gated metric of every run (repeat), per side: the unit of the comparison. */
  baseline_runs: number[];
  candidate_runs: number[];
  /** Geometric mean of the candidate's runs ÷ the baseline's. */
  ratio: number;
  /** t interval of the ratio at `level` (Holm's level for its rank; 1 − α/m for the first); null when no variance could be estimated. */
  interval: { low: number; high: number; level: number; df: number } | null;
  outcome: Outcome;
  /** What the interval says about speed: faster or slower only when it excludes 1. */
  change: 'faster' | 'slower' | 'unresolved' | 'no_interval';
  /** Where the variance came from and its parts (of ln value per run). */
  variance: ComparisonVariance;
  /** Inconclusive only: runs per side that would resolve it with 80% probability if the ratio is as measured; null when none up to 100 would. */
  runs_needed?: number | null;
  /** Inconclusive only: why (analysis/inference/gate-rule.ts Unresolved). */
  unresolved?: Unresolved;
  flags: GateFlag[];
  others: OtherMetric[];
}

export interface RunRef {
  dir: string;
  run_id: string;
  scenario: string;
}

export interface Verdict {
  schema_version: typeof VERDICT_SCHEMA_VERSION;
  baseline: RunRef;
  candidate: RunRef;
  metric: string;
  higher_is_better: boolean;
  /** Threshold, a fraction: a change smaller than this does not count as a regression. */
  threshold: number;
  /** Family-wise error rate over all comparisons (Holm). */
  alpha: number;
  /** Level of Holm's first step, 1 − alpha / comparisons; each comparison's interval has its own level. */
  level: number;
  /** The rule in one sentence, for footnotes. */
  rule: string;
  /** Subject under test: what changed between the runs. */
  changed: Change[];
  /** Environment, settings or work differences the user allowed with --allow-different. */
  allowed: Difference[];
  comparisons: GateComparison[];
  /** `point/mode` present in one run only. */
  not_compared: string[];
  /** The noise profile used, if any. */
  noise_profile?: string;
  warnings: string[];
  /** regressed if any comparison regressed; else inconclusive if any is; else no_regression. */
  outcome: Outcome;
  /** GATE_EXIT: 0 no regression, 1 regressed, 3 inconclusive (2, not comparable, is an error, not a verdict). */
  exit_code: 0 | 1 | 3;
}
