// The regression gate's verdict: computed once (src/gate/judge.ts), written as JSON by
// `compare --json` and formatted as Markdown by src/gate/markdown.ts. Rule: docs/metrics.md
// "Regression gate".
import type { Estimate } from '../analysis/types.ts';
import type { ModeName } from '../scenario/schema.ts';

export const VERDICT_SCHEMA_VERSION = 1;

export type Outcome = 'regressed' | 'improved' | 'within_noise';

/** A field whose value differs between the two runs. */
export interface Difference {
  /** What to pass to `--allow-different`: `environment.<key>`, or a scenario field's dotted path (`slowdown`, `grpo.max_completion_length`, `sweep.<path>`). */
  field: string;
  kind: 'environment' | 'settings';
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
  /** Unadjusted 95% bootstrap interval of the ratio, for step-based figures. */
  low?: number;
  high?: number;
  higher_is_better?: boolean;
}

export interface GateComparison {
  point: string;
  mode: ModeName;
  /** The gated metric on each side, as its summary has it (value, interval, runs, steps). */
  baseline: Estimate;
  candidate: Estimate;
  /** candidate ÷ baseline of the gated metric. */
  ratio: number;
  /** Percentile interval of the ratio at Holm's level for this comparison, 1 − α / holm_divisor. */
  interval: { low: number; high: number; level: number };
  /** The same at 95% without adjustment (what the noise profile is compared with). */
  interval_unadjusted: { low: number; high: number; level: number };
  /** Which one-sided hypothesis the p-value speaks to: a regression or an improvement beyond the threshold. */
  direction: 'regression' | 'improvement';
  /** 2 · min(p of "no regression beyond the threshold", p of "no improvement beyond it"), at most 1. */
  p_value: number;
  /** Holm-adjusted over every comparison of the verdict. */
  p_adjusted: number;
  holm_divisor: number;
  outcome: Outcome;
  /** Smallest change this machine resolves here, from the noise profile; absent without one. */
  resolution?: number;
  /** The threshold the hypotheses were tested against: max(asked threshold, resolution). */
  tested_threshold: number;
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
  /** Noise threshold, a fraction: changes smaller than this are "within noise" by definition. */
  threshold: number;
  /** Family-wise error rate held over all comparisons (Holm). */
  alpha: number;
  resamples: number;
  /** The rule in one sentence, for footnotes. */
  rule: string;
  /** Subject under test: what changed between the runs. */
  changed: Change[];
  /** Environment or settings differences the user allowed with --allow-different. */
  allowed: Difference[];
  comparisons: GateComparison[];
  /** `point/mode` present in one run only. */
  not_compared: string[];
  /** The noise profile used, if any. */
  noise_profile?: string;
  warnings: string[];
  regressed: boolean;
  exit_code: 0 | 1;
}
