// The figures of a mode's summary that carry an interval (ModeSummary estimates), once: name,
// unit, which direction is better, whether and how the regression gate can test it, and how a
// report labels and formats it. The summary's fields, the report's tables and CSVs, the charts
// and the gate read them from here; a new metric is a row here and its computation in
// analysis/summary/summarize.ts.
import type { ModeSummary, Estimate } from './summary.ts';

/** A ModeSummary field that is an Estimate. */
export type EstimateField = { [K in keyof ModeSummary]-?: ModeSummary[K] extends Estimate ? K : never }[keyof ModeSummary];

export interface MetricSpec {
  unit: 'completion tokens/s' | 'samples/s' | 's';
  higher_is_better: boolean;
  /** A report's column heading; `{device}` is the device word of the run (GPU, or process slot on CPU). */
  label: string;
  /** Decimals in the terminal table a run ends with (reports use the value formatter's significant digits). */
  decimals: number;
  /**
   * How the gate computes it for each run from the run's measured step rows: the statistic, and the
   * devices it is divided by (null: not per device). Absent: the gate cannot test it (it does not
   * rest on step rows alone).
   */
  gate?: { stat: 'completion_tokens_per_s' | 'samples_per_s' | 'median_step_time'; per: 'allocated' | 'training' | null };
}

/** In the order the report's summary.csv writes them. */
export const METRICS = {
  step_time_s: { unit: 's', higher_is_better: false, label: 'step time (s)', decimals: 3, gate: { stat: 'median_step_time', per: null } },
  completion_tokens_per_s: {
    unit: 'completion tokens/s',
    higher_is_better: true,
    label: 'tokens/s',
    decimals: 1,
    gate: { stat: 'completion_tokens_per_s', per: null },
  },
  completion_tokens_per_s_per_allocated_device: {
    unit: 'completion tokens/s',
    higher_is_better: true,
    label: 'tokens/s per allocated {device}',
    decimals: 1,
    gate: { stat: 'completion_tokens_per_s', per: 'allocated' },
  },
  completion_tokens_per_s_per_training_device: {
    unit: 'completion tokens/s',
    higher_is_better: true,
    label: 'tokens/s per training {device}',
    decimals: 1,
    gate: { stat: 'completion_tokens_per_s', per: 'training' },
  },
  samples_per_s: { unit: 'samples/s', higher_is_better: true, label: 'samples/s', decimals: 2, gate: { stat: 'samples_per_s', per: null } },
  time_to_first_step_s: { unit: 's', higher_is_better: false, label: 'first step (s)', decimals: 1 },
} as const satisfies Record<EstimateField, MetricSpec>;

export type MetricName = keyof typeof METRICS;
export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];

/** The metrics the gate can test. */
export type GateMetric = { [K in MetricName]: (typeof METRICS)[K] extends { gate: object } ? K : never }[MetricName];
/** Every one of them, in the order a verdict lists them beside the gated one. */
export const GATE_METRIC_NAMES = [
  'completion_tokens_per_s_per_allocated_device',
  'completion_tokens_per_s_per_training_device',
  'completion_tokens_per_s',
  'samples_per_s',
  'step_time_s',
] as const satisfies readonly GateMetric[];
/** Compiles only while GATE_METRIC_NAMES lists every metric the table lets the gate test. */
export const GATE_METRICS_COMPLETE: [Exclude<GateMetric, (typeof GATE_METRIC_NAMES)[number]>] extends [never] ? true : never = true;

/** What `compare` and `calibrate` gate unless told otherwise: the cost view, throughput per allocated device. */
export const DEFAULT_GATE_METRIC: GateMetric = 'completion_tokens_per_s_per_allocated_device';

/** A metric's column heading with the run's device word. */
export function metricLabel(name: MetricName, device: string): string {
  return METRICS[name].label.replace('{device}', device);
}
