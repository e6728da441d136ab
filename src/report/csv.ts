// CSV outputs: per step, per mode, per comparison, and every telemetry sample as it was taken.
// Column names carry their units; plain comma-separated with a header row, so pandas'
// read_csv loads them with no options.
import { stringify } from 'csv-stringify/sync';
import { stepsCsv as analysisStepsCsv } from '../results/steps-csv.ts';
import { METRIC_NAMES } from '../records/metrics.ts';
import type { Estimate } from '../records/summary.ts';
import type { ReportInput } from './load.ts';
import { byPointOrder, pointInfo, settingsModes } from './format.ts';
import { phaseOrder } from './theme.ts';

const csv = (rows: unknown[][]) => stringify(rows, { cast: { boolean: (b) => (b ? 'true' : 'false') } });

/** steps.csv as analysis defines it, with completion tokens/s per row added. */
export function stepsCsv(input: ReportInput): string {
  return analysisStepsCsv(input.steps, { rates: true });
}

/** An estimate as three columns; `name` carries the unit (`step_time_s`). */
const est = (name: string, e: Estimate | undefined) => ({
  [name]: e?.value ?? '',
  [`${name}_low`]: e?.low ?? '',
  [`${name}_high`]: e?.high ?? '',
});

export function summaryCsv(input: ReportInput): string {
  const { summary } = input;
  const swept = [...new Set(summary.points.flatMap((p) => Object.keys(p.values)))];
  const phases = phaseOrder(summary.modes.flatMap((m) => Object.keys(m.phase_median_s)));
  const records = byPointOrder(summary, summary.modes).map((m) => ({
    point: m.point,
    ...Object.fromEntries(swept.map((k) => [k, pointInfo(summary, m.point)?.values[k] ?? ''])),
    mode: m.mode,
    device_kind: m.devices.kind,
    allocated_devices: m.devices.allocated.length,
    training_devices: m.devices.training.length,
    server_devices: m.devices.server.length,
    global_batch_samples: m.batch.global_batch,
    runs_ok: m.runs.filter((r) => r.status === 'ok').length,
    runs_total: m.runs.length,
    steps_measured: m.steps_measured,
    warmup_steps: m.warmup_steps,
    ci_level: m.step_time_s.ci_level ?? '',
    ...Object.assign({}, ...METRIC_NAMES.map((name) => est(name, m[name]))),
    completion_tokens_per_sample: m.completion_tokens_per_sample,
    prompt_tokens_per_sample: m.prompt_tokens_per_sample,
    generation_to_training_ratio: m.generation_to_training_ratio,
    joules_per_completion_token_J: m.joules_per_completion_token ?? '',
    weight_sync_bytes_per_step_B: m.weight_sync_bytes_per_step ?? '',
    ...Object.fromEntries(phases.map((p) => [`phase_${p}_median_s`, m.phase_median_s[p] ?? ''])),
  }));
  const header = Object.keys(records[0] ?? { point: '' });
  return csv([header, ...records.map((r) => header.map((k) => (r as Record<string, unknown>)[k]))]);
}

export function comparisonsCsv(input: ReportInput): string {
  const header = [
    'point',
    'baseline',
    'candidate',
    'speedup_per_allocated_device_x',
    'speedup_per_allocated_device_low_x',
    'speedup_per_allocated_device_high_x',
    'speedup_per_training_device_x',
    'speedup_per_training_device_low_x',
    'speedup_per_training_device_high_x',
    'step_time_speedup_x',
    'equal_work',
    'max_relative_work_difference',
    'statement',
  ];
  return csv([
    header,
    ...input.summary.comparisons.map((c) => [
      c.point,
      c.baseline,
      c.candidate,
      c.speedup_per_allocated_device.value,
      c.speedup_per_allocated_device.low ?? '',
      c.speedup_per_allocated_device.high ?? '',
      c.speedup_per_training_device.value,
      c.speedup_per_training_device.low ?? '',
      c.speedup_per_training_device.high ?? '',
      c.step_time_speedup?.value ?? '',
      c.equal_work.equal,
      c.equal_work.max_relative_difference,
      c.statement,
    ]),
  ]);
}

/** point-comparisons.csv: one row per comparison between sweep points within a mode (the header alone without a sweep). */
export function pointComparisonsCsv(input: ReportInput): string {
  const header = [
    'mode',
    'baseline',
    'point',
    'field',
    'baseline_value',
    'value',
    'throughput_ratio_x',
    'throughput_ratio_low_x',
    'throughput_ratio_high_x',
    'step_time_ratio_x',
    'step_time_ratio_low_x',
    'step_time_ratio_high_x',
    'equal_work',
    'statement',
  ];
  return csv([
    header,
    ...input.summary.point_comparisons.map((c) => [
      c.mode,
      c.baseline,
      c.point,
      c.field,
      String(c.baseline_value),
      String(c.value),
      c.throughput_ratio.value,
      c.throughput_ratio.low ?? '',
      c.throughput_ratio.high ?? '',
      c.step_time_ratio?.value ?? '',
      c.step_time_ratio?.low ?? '',
      c.step_time_ratio?.high ?? '',
      c.equal_work,
      c.statement,
    ]),
  ]);
}

/** startup.csv: one row per (point, mode, cache state, part) of the start-up split; undefined when no run wrote start-up events. */
export function startupCsv(input: ReportInput): string | undefined {
  const modes = input.summary.modes.filter((m) => m.startup?.length);
  if (modes.length === 0) return undefined;
  return csv([
    ['point', 'mode', 'cache', 'part', 'seconds', 'runs'],
    ...modes.flatMap((m) =>
      m.startup!.flatMap((split) => [
        ...split.parts.map((p) => [m.point, m.mode, split.cache, p.part, p.seconds, p.runs]),
        [m.point, m.mode, split.cache, 'time_to_first_step', split.total_s, split.runs],
      ]),
    ),
  ]);
}

/** settings-differences.csv: one row per (point, setting) that differs, the full value per mode; empty where the mode has no such setting. */
export function settingsDifferencesCsv(input: ReportInput): string {
  const { summary } = input;
  const modes = settingsModes(summary);
  return csv([
    ['point', 'key', ...modes],
    ...(summary.settings_differences ?? []).map((d) => [d.point, d.key, ...modes.map((m) => d.values[m] ?? '')]),
  ]);
}

/** notes.csv: the analysis's notes, one row each, in the summary's order: kind, severity, subject, text (header only when there are none). */
export function notesCsv(input: ReportInput): string {
  return csv([['kind', 'severity', 'subject', 'text'], ...input.summary.notes.map((n) => [n.kind, n.severity, n.subject, n.text])]);
}

/** Renames of the sampler's columns to names with units; others are kept (they carry units already). */
const RENAME: Record<string, string> = { t: 'time_epoch_s', gpu: 'gpu_index', pid: 'pid' };

/**
 * One per-unit sample file (telemetry.csv or processes.csv) of every unit as one CSV, each row
 * prefixed with its point, mode and repeat: every sample, as sampled (values written as the
 * samplers wrote them; a value that was empty stays empty). Undefined when no unit has the file.
 */
export function samplesCsv(input: ReportInput, kind: 'telemetry' | 'processes'): string | undefined {
  const tables = input.units.flatMap((u) => {
    const table = u[kind];
    return table ? [{ plan: u.plan, table }] : [];
  });
  const first = tables[0];
  if (!first) return undefined;
  const columns = first.table.columns;
  const cell = (v: unknown) => (typeof v === 'number' && Number.isNaN(v) ? '' : v);
  const rows = tables.flatMap(({ plan, table }) =>
    (table.rows as unknown as Record<string, unknown>[]).map((r) => [
      plan.point,
      plan.mode,
      plan.repeat,
      ...columns.map((c) => cell(r[c])),
    ]),
  );
  return csv([['point', 'mode', 'repeat', ...columns.map((c) => RENAME[c] ?? c)], ...rows]);
}
