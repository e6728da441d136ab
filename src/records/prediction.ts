// A prediction of the what-if model (`grpo-bench predict`, `reproduce`; docs/whatif.md): written as
// predict.json and never read back as a measurement: `predicted` is always true. Computed by
// analysis/whatif/model.ts.

/** What to predict: the server job and the colocate job it is compared with. */
export interface Layout {
  per_device_batch: number;
  /** `shared_gpu`: the server on the trainer's one GPU, weights by CUDA IPC (one GPU allocated in all). */
  server: { server_gpus: number; trainer_gpus: number; tensor_parallel_size: number; shared_gpu?: boolean };
  colocate: { gpus: number; tensor_parallel_size: number; sleep: boolean };
}

/**
 * A predicted value and the spread its measured inputs give it: the 2.5th–97.5th percentile of
 * the model evaluated on resampled inputs. `spread`: `runs` when every measured input rests on
 * two runs or more (runs resampled), `within_run` when some input rests on one run (its samples
 * resampled: that run's spread, not a confidence interval). Assumed inputs add no spread.
 */
export interface Interval {
  value: number;
  low: number;
  high: number;
  level: number;
  spread: 'runs' | 'within_run';
  replicates: number;
}

export type Provenance = 'measured' | 'interpolated' | 'extrapolated' | 'assumed';

/** One input of a prediction and where it came from. */
export interface InputUse {
  name: string;
  provenance: Provenance;
  /** Its point value in `unit`. */
  value: number;
  unit: string;
  detail: string;
}

export interface ModePrediction {
  step_time_s: Interval;
  /** Seconds per step by part (generation, compute, weight_sync, allreduce, sleep_wake). */
  parts: Record<string, Interval>;
  completions_per_step: number;
  completion_tokens_per_s: Interval;
  completion_tokens_per_s_per_allocated_gpu: Interval;
  completion_tokens_per_s_per_training_gpu: Interval;
  /** Generation ÷ (compute + weight sync + all-reduce + sleep/wake). */
  generation_to_training_ratio: Interval;
}

/** A prediction: never a measurement; `predicted` is always true so no reader can take it for one. */
export interface Prediction {
  predicted: true;
  layout: Layout;
  server: ModePrediction;
  colocate: ModePrediction;
  /** colocate ÷ server completion tokens/s per allocated GPU (the cost view). */
  speedup_per_allocated_gpu: Interval;
  /** colocate ÷ server per training GPU: the co-location post's method (server × N/T when both hold N GPUs). */
  speedup_per_training_gpu: Interval;
  /** colocate ÷ server completion tokens/s of the whole job. */
  throughput_ratio: Interval;
  inputs: InputUse[];
  /** Every assumption the prediction rests on, in words. */
  assumptions: string[];
}
