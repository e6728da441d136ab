// steps.csv: one row per optimizer step of each unit (results/steps-csv.ts names its columns).
import type { ModeName } from '../scenario/schema.ts';

/** One row of steps.csv: one optimizer step of one unit, timed on trainer rank 0. */
export interface StepRow {
  point: string;
  mode: ModeName;
  repeat: number;
  step: number;
  /** Excluded from summaries (warm-up or before steady state). */
  warmup: boolean;
  /** Why a row is excluded: the scenario's fixed `warmup_steps`, or `settling` before detected steady state. */
  excluded_by?: 'warmup' | 'settling';
  t0: number;
  t1: number;
  duration_s: number;
  samples: number;
  prompt_tokens: number;
  completion_tokens: number;
  /** Seconds per phase on trainer rank 0 (generation as the trainer waited for it in server mode). */
  phases: Record<string, number>;
  /** Seconds of the step outside every timed phase of rank 0 (union of its phase intervals); absent when the unit logged no phases. */
  idle_s?: number;
  /** Bytes trainer rank 0 sent in `weight_sync` phases of this step (absent when the workload reports none). */
  weight_sync_bytes?: number;
  loss?: number | null;
  reward_mean?: number | null;
  /** Flagged by the median-absolute-deviation rule; kept, not dropped. */
  outlier?: boolean;
}
