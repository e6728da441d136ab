// The report's tables, built once from the summary and the manifest, so the Markdown and the HTML
// show the same rows. A cell is text or a Figure (a number with its interval and unit), which each
// renderer formats with the value formatter. Every number comes from the summary.
import { CI_LEVEL } from '../analysis/inference/constants.ts';
import { headlineNotes } from '../analysis/summary/notes.ts';
import { type Note } from '../records/notes.ts';
import type { ModeSummary } from '../records/summary.ts';
import { metricLabel } from '../records/metrics.ts';
import { unverifiedLine } from '../results/integrity.ts';
import { variantTables } from './variants.ts';
import { REPORT_FILES, RUN_FILES } from '../results/layout.ts';
import type { ReportInput } from './load.ts';
import { MISSING, estimateFigure, formatFigure, formatNumber, percentFigure, type Figure } from '../value-format.ts';
import {
  SETTING_DISPLAY_CHARS,
  deviceWord,
  fmtSetting,
  byPointOrder,
  isSweep,
  modeLabel,
  orderedPoints,
  plural,
  pointInfo,
  pointLabel,
  settingsModes,
  comparisonHeadlines,
} from './format.ts';
import { phaseLabel, phaseOrder } from './theme.ts';

export type { Cell, Table } from './table-types.ts';
import type { Cell, Table } from './table-types.ts';

/** A cell as plain text (the Markdown, a terminal): a Figure through the value formatter. */
export function cellText(c: Cell): string {
  return typeof c === 'string' ? c : formatFigure(c);
}

function modeRows(input: ReportInput): ModeSummary[] {
  return byPointOrder(input.summary, input.summary.modes);
}

/** Measured steps, and those left out before them: `6 (excl. 2 warm-up, 1 settling)`. */
export function measuredSteps(m: ModeSummary): Figure {
  const ran = m.runs.filter((r) => r.steps > 0 || r.measured_from_step !== undefined).length || m.runs.length;
  const warm = m.warmup_steps * ran;
  const out = [...(warm ? [`${warm} warm-up`] : []), ...(m.settling_steps ? [`${m.settling_steps} settling`] : [])];
  return { value: m.steps_measured, precision: { decimals: 0 }, ...(out.length ? { aside: `excl. ${out.join(', ')}` } : {}) };
}

/** measuredSteps as text. */
export function stepsMeasured(m: ModeSummary): string {
  return formatFigure(measuredSteps(m));
}

export function modeTable(input: ReportInput): Table {
  const { summary } = input;
  const dev = deviceWord(summary);
  const ci = summary.modes[0]?.step_time_s.ci_level;
  const columns = [
    'mode',
    `${dev.many}: allocated / training / server`,
    'runs ok',
    'steps measured',
    metricLabel('step_time_s', dev.one),
    metricLabel('completion_tokens_per_s_per_allocated_device', dev.one),
    metricLabel('completion_tokens_per_s_per_training_device', dev.one),
    metricLabel('samples_per_s', dev.one),
    'gen ÷ train time',
    metricLabel('time_to_first_step_s', dev.one),
    ...(summary.modes.some((m) => m.joules_per_completion_token !== undefined) ? ['J per completion token'] : []),
  ];
  const rows = modeRows(input).map((m) => [
    modeLabel(input.summary, m),
    `${m.devices.allocated.length} / ${m.devices.training.length} / ${m.devices.server.length}`,
    `${m.runs.filter((r) => r.status === 'ok').length} of ${m.runs.length}`,
    measuredSteps(m),
    estimateFigure(m.step_time_s),
    estimateFigure(m.completion_tokens_per_s_per_allocated_device),
    estimateFigure(m.completion_tokens_per_s_per_training_device),
    estimateFigure(m.samples_per_s),
    { value: m.generation_to_training_ratio, precision: 2 },
    estimateFigure(m.time_to_first_step_s),
    ...(summary.modes.some((x) => x.joules_per_completion_token !== undefined) ? [{ value: m.joules_per_completion_token }] : []),
  ]);
  return {
    id: 'modes',
    title: 'Per mode',
    caption:
      `Measured steps only (warm-up and settling excluded). Step time: median; throughput: completion tokens ÷ step time, summed over the measured steps; ` +
      `${ci ? `${formatFigure(percentFigure(ci))} t interval over runs in brackets` : 'one run per mode: in brackets the 25th–75th percentile of its steps, not a confidence interval'} (see Methods). First step: launch to the end of the first step, model loading included. ` +
      `Protocol: ${summary.protocol.replaceAll('_', ' ')}.`,
    columns,
    numeric: columns.map((_, i) => i >= 2),
    rows,
  };
}

/** Generation ÷ training ratio per mode, in one cell: `server 8.4, colocate 8.3`. */
function ratiosText(ratios: Record<string, number>): string {
  return Object.entries(ratios)
    .map(([mode, r]) => `${mode} ${formatNumber(r, 2)}`)
    .join(', ');
}

export function comparisonTable(input: ReportInput): Table | undefined {
  const { summary } = input;
  if (summary.comparisons.length === 0) return undefined;
  const dev = deviceWord(summary);
  const hasStep = summary.comparisons.some((c) => c.step_time_speedup);
  const columns = [
    ...(isSweep(summary) ? ['point'] : []),
    'comparison',
    `speedup per allocated ${dev.one}`,
    `speedup per training ${dev.one}`,
    ...(hasStep ? ['step-time speedup'] : []),
    'gen ÷ train time',
    'equal work',
  ];
  const rows = byPointOrder(summary, summary.comparisons).map((c) => [
    ...(isSweep(summary) ? [pointLabel(summary, c.point)] : []),
    `${c.candidate} ÷ ${c.baseline}`,
    estimateFigure(c.speedup_per_allocated_device, { unit: '×' }),
    estimateFigure(c.speedup_per_training_device, { unit: '×' }),
    ...(hasStep ? [estimateFigure(c.step_time_speedup, { unit: '×' })] : []),
    ratiosText(c.generation_to_training_ratio),
    c.equal_work.equal ? 'yes' : `no (differs by ${formatFigure(percentFigure(c.equal_work.max_relative_difference, { decimals: 1 }))})`,
  ]);
  return {
    id: 'comparisons',
    title: 'Speedup',
    caption: `Candidate ÷ baseline throughput. Per training ${dev.one} is the published method (the server's ${dev.many} not counted); per allocated ${dev.one} counts every ${dev.one} a mode holds.`,
    columns,
    numeric: columns.map((c) => c.includes('speedup')),
    rows,
  };
}

/** Between the points of a sweep within each mode (analysis/summary/points.ts). */
export function pointComparisonTable(input: ReportInput): Table | undefined {
  const { summary } = input;
  const list = summary.point_comparisons;
  if (list.length === 0) return undefined;
  const dev = deviceWord(summary);
  const short = (f: string) => f.split('.').at(-1)!;
  const at = (point: string, field: string) =>
    Object.entries(pointInfo(summary, point)?.values ?? {})
      .filter(([f]) => f !== field)
      .map(([f, v]) => `${short(f)}=${String(v)}`)
      .join(', ') || MISSING;
  const runs = (point: string, mode: string) =>
    summary.modes.find((m) => m.point === point && m.mode === mode)?.runs.filter((r) => r.steps > 0).length ?? 0;
  const columns = ['mode', 'changed', 'at', `throughput ratio (per allocated ${dev.one})`, 'step-time ratio', 'runs'];
  return {
    id: 'point-comparisons',
    title: 'Between sweep points, within each mode',
    caption:
      'Each point against the point that differs from it in one swept field only, that field at its first value: point ÷ baseline completion tokens/s, and point ÷ baseline median step time where both do the same work per step. ' +
      `In brackets a ${formatFigure(percentFigure(list.find((c) => c.throughput_ratio.ci_level)?.throughput_ratio.ci_level ?? CI_LEVEL))} Welch t interval over the runs of the two points (the points ran one after the other); none with one run on a side.`,
    columns,
    numeric: columns.map((c) => c.includes('ratio') || c === 'runs'),
    rows: list.map((c) => [
      c.mode,
      `${short(c.field)}: ${String(c.baseline_value)} → ${String(c.value)}`,
      at(c.point, c.field),
      estimateFigure(c.throughput_ratio, { unit: '×' }),
      c.step_time_ratio ? estimateFigure(c.step_time_ratio, { unit: '×' }) : MISSING,
      `${runs(c.point, c.mode)} vs ${runs(c.baseline, c.mode)}`,
    ]),
  };
}

/** GPU memory per mode (analysis/summary/memory.ts); absent when no mode recorded any. */
export function memoryTable(input: ReportInput): Table | undefined {
  const modes = modeRows(input).filter((m) => m.memory);
  if (modes.length === 0) return undefined;
  const mem = (m: ModeSummary) => m.memory!;
  const phases = phaseOrder(modes.flatMap((m) => Object.keys(mem(m).peak_allocated_by_phase ?? {})));
  const processes = [...new Set(modes.flatMap((m) => Object.keys(mem(m).process_peak_bytes ?? {})))].sort();
  const row = (label: string, get: (m: ModeSummary) => number | undefined): Cell[] | undefined =>
    modes.some((m) => get(m) !== undefined) ? [label, ...modes.map((m): Cell => ({ value: get(m), unit: 'B' }))] : undefined;
  const rows = [
    row('device memory', (m) => mem(m).device_total_bytes),
    row('one GPU in use at most (GPU sampler)', (m) => mem(m).device_used_peak_bytes),
    ...processes.map((p) =>
      row(`${p} processes together at most, over all their GPUs (per-process sampler)`, (m) => mem(m).process_peak_bytes?.[p]),
    ),
    row('vLLM engine: asked for (gpu_memory_utilization × device)', (m) => mem(m).engine?.requested_bytes),
    row('vLLM engine: weights', (m) => mem(m).engine?.weights_bytes),
    row('vLLM engine: KV cache', (m) => mem(m).engine?.kv_cache_bytes),
    row('sleep: given back per step (median)', (m) => mem(m).sleep_freed_bytes),
    row('wake: taken per step (median)', (m) => mem(m).wake_taken_bytes),
    ...phases.map((p) => row(`allocator peak in ${phaseLabel(p)}`, (m) => mem(m).peak_allocated_by_phase?.[p])),
  ].filter((r): r is Cell[] => r !== undefined);
  return {
    id: 'memory',
    title: 'GPU memory',
    caption:
      'Allocator peaks: the largest PyTorch allocation on trainer rank 0 while each phase was open, over every step (a phase’s peak covers the phases nested in it; what a colocated engine allocates through PyTorch is in it). ' +
      'The samplers show the driver’s view: every process, and memory held outside PyTorch. Sleep and wake: the change in the device’s free memory around vLLM’s sleep and wake-up.',
    columns: ['', ...modes.map((m) => modeLabel(input.summary, m))],
    numeric: [false, ...modes.map(() => true)],
    rows,
  };
}

export function phaseTable(input: ReportInput): Table {
  const modes = modeRows(input);
  const names = phaseOrder(modes.flatMap((m) => Object.keys(m.phase_median_s)));
  return {
    id: 'phases',
    title: 'Where a step’s time goes',
    caption:
      'Median seconds per step in each phase on trainer rank 0 (in server mode, generate is the trainer waiting for the server); “outside any phase” is the rest of the step. ' +
      'Each row is its own median, as is the step time, so the rows need not add up to it exactly.',
    columns: ['phase', ...modes.map((m) => modeLabel(input.summary, m))],
    numeric: [false, ...modes.map(() => true)],
    rows: [
      ...names.map((name) => [phaseLabel(name), ...modes.map((m): Cell => ({ value: m.phase_median_s[name] }))]),
      ['step time (median)', ...modes.map((m): Cell => ({ value: m.step_time_s.value }))],
    ],
  };
}

const STARTUP_LABELS: Record<string, string> = {
  launch: 'launch (until the process’s first event)',
  imports: 'imports',
  model_load: 'model load',
  engine_start: 'engine start (compile and CUDA graphs inside)',
  trainer_setup: 'trainer setup',
  first_step: 'first step',
  other: 'other (no part covers it)',
};

/** Where the time to first step goes, per mode and compile cache state (analysis/summary/startup.ts); absent when no run wrote start-up events. */
export function startupTable(input: ReportInput): Table | undefined {
  const modes = modeRows(input).filter((m) => m.startup?.length);
  if (modes.length === 0) return undefined;
  const rows: Cell[][] = [];
  for (const m of modes) {
    for (const split of m.startup!) {
      const lead = [modeLabel(input.summary, m), split.cache];
      for (const p of split.parts) rows.push([...lead, STARTUP_LABELS[p.part] ?? p.part, { value: p.seconds }, String(p.runs)]);
      rows.push([...lead, 'time to first step (mean)', { value: split.total_s }, String(split.runs)]);
    }
  }
  return {
    id: 'startup',
    title: 'Where start-up goes',
    caption:
      'Seconds from launch to the end of the first step on trainer rank 0, by part: the mean over the runs (so the parts add up to the mean time to first step), and how many runs wrote the part. ' +
      'Cold: the compile cache folders were empty or absent as the run started; warm: they held something; unknown: no cache folder was named. vLLM’s torch.compile and CUDA-graph capture are inside engine start.',
    columns: ['mode', 'cache', 'part', 'seconds', 'runs'],
    numeric: [false, false, false, true, true],
    rows,
  };
}

export function activityTable(input: ReportInput): Table | undefined {
  const modes = modeRows(input);
  if (!modes.some((m) => m.activity.length > 0)) return undefined;
  const dev = deviceWord(input.summary);
  const power = modes.some((m) => m.activity.some((a) => a.power_mean_w !== undefined));
  const phasesNote = `a server-mode trainer waiting for generation is not busy; ${MISSING} where the role logged no phases`;
  if (input.summary.device_kind !== 'cuda') {
    return {
      id: 'activity',
      title: `${dev.one} activity by role`,
      caption: `Busy: share of the measured time the role was inside a timed phase (from events; ${phasesNote}). Sampled: mean per-process CPU % of the role's processes (100 % = one core), standing in for GPU utilisation on a machine without GPUs. Numbers in the ${dev.many} column are device slots, not cores.`,
      columns: ['mode', 'role', dev.many, 'busy (events)', 'sampled', 'sampled is', 'idle (events)'],
      numeric: [false, false, false, true, true, false, true],
      rows: modes.flatMap((m) =>
        m.activity.map((a): Cell[] => [
          modeLabel(input.summary, m),
          a.role,
          a.devices.join(', '),
          percentFigure(a.busy_fraction),
          { value: a.sampled_util_mean, unit: '%' },
          a.sampled_util_label,
          percentFigure(a.idle.phases),
        ]),
      ),
    };
  }
  const noGpm = modes.filter((m) => m.activity.every((a) => !a.gpm)).map((m) => modeLabel(input.summary, m));
  return {
    id: 'activity',
    title: 'Busy and idle by role, three views',
    caption:
      `Over the measured steps, mean over the role's GPUs. Phases: share of the time the role was inside a working phase (from events; ${phasesNote}). ` +
      "utilization.gpu: share of the driver's window in which some kernel ran — one spinning block or a wait inside a collective reads near 100 %, so it is shown, not used for idle. " +
      'SM activity and tensor activity: NVML GPM, the share of SMs busy and of time tensor cores ran. Idle figures use the phases and SM activity only.' +
      (noGpm.length > 0 ? ` GPM not available for ${noGpm.join(', ')} (see Notes): SM and tensor activity unknown there.` : ''),
    columns: [
      'mode',
      'role',
      'GPUs',
      'busy: phases',
      'busy: utilization.gpu',
      'busy: SM activity',
      'tensor activity',
      'idle: phases',
      'idle: SM activity',
      ...(power ? ['mean power per GPU (W)'] : []),
    ],
    numeric: [false, false, false, true, true, true, true, true, true, ...(power ? [true] : [])],
    rows: modes.flatMap((m) =>
      m.activity.map((a) => [
        modeLabel(input.summary, m),
        a.role,
        a.devices.join(', '),
        percentFigure(a.busy_fraction),
        { value: a.sampled_util_mean, unit: '%' },
        a.gpm ? { value: a.sm_active_mean, unit: '%' } : 'no GPM',
        a.gpm ? { value: a.tensor_active_mean, unit: '%' } : 'no GPM',
        percentFigure(a.idle.phases),
        a.idle.sm_activity === undefined ? 'no GPM' : percentFigure(a.idle.sm_activity, { decimals: 1 }),
        ...(power ? [{ value: a.power_mean_w }] : []),
      ]),
    ),
  };
}

export function energyTable(input: ReportInput): Table | undefined {
  const modes = modeRows(input).filter((m) => m.joules_per_completion_token !== undefined);
  if (modes.length === 0) return undefined;
  return {
    id: 'energy',
    title: 'Energy',
    caption:
      "Every allocated GPU over the measured steps (the server's included). Measured by NVML's energy counter where the NVML sampler read it, else by integrating sampled power; the column says which. " +
      'Idle share: the part of that energy drawn while a GPU was idle by the phases view.',
    columns: ['mode', 'J per completion token', 'measured by', 'idle share of the energy', 'mean power, all GPUs (W)'],
    numeric: [false, true, false, true, true],
    rows: modes.map((m): Cell[] => [
      modeLabel(input.summary, m),
      { value: m.joules_per_completion_token },
      m.energy_source ?? MISSING,
      percentFigure(m.idle_energy_share, { decimals: 1 }),
      { value: m.power_mean_w },
    ]),
  };
}

export function requestTable(input: ReportInput): Table | undefined {
  const rows = modeRows(input).flatMap((m) => (m.requests ?? []).map((r) => ({ m, r })));
  if (rows.length === 0) return undefined;
  const ms = (q: { p50: number; p90: number; p99: number } | undefined) =>
    q ? [q.p50, q.p90, q.p99].map((x) => formatNumber(x * 1000)).join(' / ') : MISSING;
  return {
    id: 'requests',
    title: 'Request latency (server mode)',
    caption:
      "Each HTTP request from trainer to generation server in the measured steps: its round trip as the trainer saw it, the server's own time for it (request read to answer ready), " +
      `and their difference (connection, transfer, waiting outside the handler), in ms as p50 / p90 / p99. ${MISSING}: the server recorded no time of its own (a vLLM server writes no events).`,
    columns: ['mode', 'endpoint', 'requests', 'round trip (ms)', 'server (ms)', 'overhead (ms)'],
    numeric: [false, false, true, true, true, true],
    rows: rows.map(({ m, r }) => [
      modeLabel(input.summary, m),
      r.endpoint,
      r.paired < r.n ? `${r.n} (${r.paired} with server time)` : String(r.n),
      ms(r.round_trip_s),
      ms(r.server_s),
      ms(r.overhead_s),
    ]),
  };
}

export function equalWorkTable(input: ReportInput): Table | undefined {
  const { summary } = input;
  if (summary.comparisons.length === 0) return undefined;
  const sweep = isSweep(summary);
  return {
    id: 'equal-work',
    title: 'Equal work',
    caption: 'Work per sample in each mode: the comparison is fair only when both modes generate and score the same lengths.',
    columns: [...(sweep ? ['point'] : []), 'mode', 'completion tokens / sample', 'prompt tokens / sample', 'verdict'],
    numeric: [...(sweep ? [false] : []), false, true, true, false],
    rows: summary.comparisons.flatMap((c) =>
      Object.keys(c.equal_work.completion_tokens_per_sample).map((mode, i) => [
        ...(sweep ? [pointLabel(summary, c.point)] : []),
        mode,
        { value: c.equal_work.completion_tokens_per_sample[mode] },
        { value: c.equal_work.prompt_tokens_per_sample[mode] },
        i > 0
          ? ''
          : c.equal_work.equal
            ? 'equal'
            : `differs by up to ${formatFigure(percentFigure(c.equal_work.max_relative_difference, { decimals: 1 }))}`,
      ]),
    ),
  };
}

/**
 * The settings on which the modes differ (summary `settings_differences`), sorted by point and
 * key; "none" when they agree on everything compared, and says so when fewer than two modes
 * recorded their settings.
 */
export function settingsTable(input: ReportInput): Table {
  const { summary } = input;
  const sweep = isSweep(summary);
  const modes = settingsModes(summary);
  const compared = summary.settings_compared ?? {};
  const diffs = summary.settings_differences ?? [];
  const older = summary.settings_compared === undefined;
  const order = [...new Set([...orderedPoints(summary), ...Object.keys(compared)])];
  const blank = modes.map(() => '');
  const rows: string[][] = older
    ? [[...(sweep ? [''] : []), `not in this ${RUN_FILES.summary} (written before settings were compared)`]]
    : [];
  for (const point of older ? [] : order) {
    const here = compared[point] ?? [];
    const lead = sweep ? [pointLabel(summary, point)] : [];
    if (here.length < 2) {
      const why =
        here.length === 1
          ? `${here[0]} is the only mode here that recorded its settings`
          : 'no mode recorded its settings (no config events)';
      rows.push([...lead, `nothing to compare: ${why}`, ...blank]);
      continue;
    }
    const at = diffs.filter((d) => d.point === point).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    if (at.length === 0) rows.push([...lead, 'none', ...blank]);
    for (const d of at) rows.push([...lead, d.key, ...modes.map((m) => (m in d.values ? fmtSetting(d.values[m]) : ''))]);
  }
  return {
    id: 'settings',
    title: 'Settings that differ between the modes',
    caption:
      'Each mode’s effective settings as its processes resolved them (the config event of trainer rank 0, and the server’s as server.…), flattened to dotted keys; ' +
      `listed where the values differ or only some modes have the key (${MISSING}: not set in that mode). ` +
      'Left out as run-specific: process ids, ranks, ports and hosts, device lists, output paths, the mode itself (docs/metrics.md). ' +
      `Values over ${SETTING_DISPLAY_CHARS} characters are cut; settings-differences.csv has them whole.`,
    columns: [...(sweep ? ['point'] : []), 'setting', ...modes],
    rows,
  };
}

export function weightSyncTable(input: ReportInput): Table | undefined {
  const modes = modeRows(input).filter((m) => m.weight_sync_bytes_per_step);
  if (modes.length === 0) return undefined;
  return {
    id: 'weight-sync',
    title: 'Weight sync',
    columns: ['mode', 'bytes per step'],
    numeric: [false, true],
    rows: modes.map((m) => [modeLabel(input.summary, m), { value: m.weight_sync_bytes_per_step, unit: 'B' }]),
  };
}

export function failedRunsTable(input: ReportInput): Table | undefined {
  const failed = (input.manifest?.units ?? []).filter((u) => u.status !== 'ok');
  if (failed.length === 0) return undefined;
  return {
    id: 'failed',
    title: 'Runs that did not complete',
    caption: `The steps they finished are measured with the others (the notes say so) and are in ${REPORT_FILES.steps}.`,
    columns: ['unit', 'status', 'error', 'workload error (first recorded)', 'last log lines'],
    rows: failed.map((u) => [
      u.dir,
      u.status,
      [
        u.error?.message,
        u.error?.exit_code != null ? `exit code ${u.error.exit_code}` : undefined,
        u.error?.signal ? `signal ${u.error.signal}` : undefined,
      ]
        .filter(Boolean)
        .join('; ') || MISSING,
      u.error?.workload_error ? `${u.error.workload_error.file}: ${u.error.workload_error.error.split('\n')[0]}` : MISSING,
      (u.error?.log_tail ?? []).slice(-3).join('\n') || MISSING,
    ]),
  };
}

export function fingerprintTable(input: ReportInput): Table | undefined {
  const m = input.manifest;
  if (!m) return undefined;
  const show = (v: unknown) => (v === null || v === undefined || v === '' ? MISSING : String(v));
  return {
    id: 'environment',
    title: 'Environment',
    caption: 'Environment: must match between compared runs. Subject: expected to differ (library versions, the harness’s own commit).',
    columns: ['', 'key', 'value'],
    rows: [
      ...Object.entries(m.fingerprint.environment).map(([k, v]) => ['environment', k, show(v)]),
      ...Object.entries(m.fingerprint.subject).map(([k, v]) => ['subject', k, show(v)]),
      [
        'harness',
        'version',
        `${m.harness.version}${m.harness.git_sha ? ` (${m.harness.git_sha.slice(0, 12)}${m.harness.git_dirty ? ', uncommitted changes' : ''})` : ''}`,
      ],
      ['harness', 'node', m.harness.node],
      ['run', 'command', m.command.join(' ')],
      ['run', 'started / ended', `${m.started} / ${show(m.ended)}`],
    ],
  };
}

/** Where every sample is, in words: telemetry.csv on GPUs, processes.csv without. */
export function samplesFile(input: ReportInput): string {
  return input.summary.device_kind === 'cuda'
    ? `every GPU sample in \`${REPORT_FILES.telemetry}\``
    : `every per-process sample in \`${REPORT_FILES.processes}\` (no GPUs)`;
}

/** Every table, in reading order; absent ones left out. */
export function reportTables(input: ReportInput): Table[] {
  return [
    ...variantTables(input),
    comparisonTable(input),
    pointComparisonTable(input),
    modeTable(input),
    phaseTable(input),
    startupTable(input),
    memoryTable(input),
    activityTable(input),
    energyTable(input),
    requestTable(input),
    equalWorkTable(input),
    weightSyncTable(input),
    failedRunsTable(input),
    settingsTable(input),
    fingerprintTable(input),
  ].filter((t): t is Table => t !== undefined);
}

export interface ReportHeader {
  title: string;
  /** The comparisons' statements, verbatim from the summary (prefixed with their point in a sweep). */
  headlines: string[];
  /** Short facts under the headline. */
  facts: string[];
  /** Warnings a reader must see first (CPU-only run, failed units, unequal work, a pointer to the notes). */
  notes: string[];
  /** The report's first line when its folder did not verify (shown only with --allow-unverified): which figures are unverified. */
  unverified?: string;
}

export interface ReportFootnotes {
  /** The summary's notes, verbatim (what was missing, partial or weak, and why). */
  notes: Note[];
  /** How the figures were computed: summary.json's `methods`, as label and sentence. */
  methods: [string, string][];
}

export function reportFootnotes(input: ReportInput): ReportFootnotes {
  const { summary } = input;
  const m = summary.methods;
  if (!m) return { notes: summary.notes, methods: [] };
  const seed = `${formatFigure(percentFigure(m.ci_level))} level`;
  return {
    notes: summary.notes,
    methods: [
      ['Intervals', `${m.interval} (${seed}).`],
      ['Throughput', `${m.throughput}.`],
      ['Warm-up', `the first ${plural(summary.modes[0]?.warmup_steps ?? 0, 'step')} of every run, excluded.`],
      [
        'Steady state',
        `measurement starts ${m.steady_state.replace(/^after the fixed warm-up, /, 'after the warm-up, at ')}; the steps before it are “settling”, excluded.`,
      ],
      ['Outliers', `${m.outliers}.`],
      ['Busy', `${m.busy_fraction}.`],
      ...(summary.device_kind === 'cuda' ? ([['Energy', `${m.energy}.`]] as [string, string][]) : []),
      ...(m.requests && summary.modes.some((x) => x.requests) ? ([['Request latency', `${m.requests}.`]] as [string, string][]) : []),
      ['First step', `${m.time_to_first_step}.`],
    ],
  };
}

export function reportHeader(input: ReportInput): ReportHeader {
  const { summary, manifest } = input;
  const s = manifest?.scenario;
  const ratios = summary.comparisons.map((c) => ratiosText(c.generation_to_training_ratio));
  const facts = [
    `run ${summary.run_id}`,
    `workload ${summary.workload}${s ? `, model ${s.model}` : ''}`,
    `protocol ${summary.protocol.replaceAll('_', ' ')}`,
    ...(s ? [`${s.repeats} × ${s.steps} steps per mode (${s.warmup_steps} warm-up)`] : []),
    ...(isSweep(summary) ? [`${summary.points.length} sweep points`] : []),
    ...(ratios.length === 1 ? [`generation ÷ training time: ${ratios[0]}`] : []),
    ...(s?.claim
      ? [
          `published claim: ${s.claim.value !== undefined ? `${s.claim.value}×` : s.claim.trend} ${s.claim.metric.replaceAll('_', ' ')} (${s.claim.source})`,
        ]
      : []),
  ];
  const notes: string[] = [];
  if (summary.functional_only)
    notes.push('Functional check only: this ran without GPUs, so its speedups say nothing about GPU performance.');
  const failed = (manifest?.units ?? []).filter((u) => u.status !== 'ok');
  if (failed.length) notes.push(`${failed.length} of ${manifest!.units.length} runs did not complete (see “Runs that did not complete”).`);
  for (const n of headlineNotes(summary.notes)) notes.push(n.text);
  if (summary.notes.length) notes.push(`The analysis left ${plural(summary.notes.length, 'note')} on this run: see “Notes”.`);
  const headlines = comparisonHeadlines(summary);
  // A sweep of one mode has no comparison between modes to lead with: its points' comparisons do.
  if (headlines.length === 0) headlines.push(...summary.point_comparisons.map((c) => c.statement));
  const unit = (dir: string) => input.plan?.units.find((u) => u.dir === dir);
  const unverified = unverifiedLine(input.integrity, (dir) => {
    const u = unit(dir);
    return u && (isSweep(summary) ? `${pointLabel(summary, u.point)} ${u.mode}` : u.mode);
  });
  return { title: `GRPO benchmark: ${summary.scenario}`, headlines, facts, notes, ...(unverified ? { unverified } : {}) };
}
