// Chart definitions: one list, built from the loaded run, rendered unchanged by the HTML page
// (in the browser) and by png.ts (in Node). Each is a plain, JSON-serialisable Chart.js
// configuration: no functions, so it can be inlined into the page as data.
import type { ChartConfiguration, ChartDataset } from 'chart.js';
export { axis, baseOptions, roomFor, type ChartSpec } from './chart-base.ts';

type Config = ChartConfiguration;
import { METRICS } from '../records/metrics.ts';
import type { Estimate, ModeSummary } from '../records/summary.ts';
import type { StepRow } from '../records/steps.ts';
import { modeColor, modeDisplayName } from '../modes.ts';
import { REPORT_FILES } from '../results/layout.ts';
import type { TimelineDecor } from './chart-plugins.ts';
import type { UnitTimeline } from '../analysis/summary/timeline.ts';
import type { ReportInput } from './load.ts';
import {
  byPointOrder,
  ciLabel,
  deviceWord,
  isSweep,
  modeLabel,
  orderedPoints,
  plural,
  pointInfo,
  pointLabel,
  sweptField,
} from './format.ts';
import { formatNumber } from '../value-format.ts';
import { runFooter } from './provenance.ts';
import { variantChart } from './variants.ts';
import { axis, baseOptions, roomFor, type ChartSpec } from './chart-base.ts';
import { INK, MUTED, PAPER, phaseColor, phaseLabel, phaseOrder, seriesColor, withAlpha } from './theme.ts';

const fileSafe = (s: string) => s.replace(/[^A-Za-z0-9_.=-]+/g, '_');

/** `2 runs, 12 measured steps`: what a mode's figures rest on (failed runs count with the steps they finished). */
const runsAndSteps = (m: ModeSummary) =>
  `${plural(m.runs.filter((r) => r.steps > 0).length, 'run')}, ${plural(m.steps_measured, 'measured step')}`;

function throughputChart(input: ReportInput): ChartSpec {
  const { summary } = input;
  const dev = deviceWord(summary);
  const modes = [...new Set(summary.modes.map((m) => m.mode))];
  const sweep = isSweep(summary);
  const points = orderedPoints(summary);
  const find = (point: string, mode: string) => summary.modes.find((m) => m.point === point && m.mode === mode);
  const labels = sweep ? points.map((p) => pointLabel(summary, p)) : [`per allocated ${dev.one}`, `per training ${dev.one}`];
  const datasets = modes.map((mode) => {
    const ests = sweep
      ? points.map((p) => find(p, mode)?.completion_tokens_per_s_per_allocated_device)
      : [
          find(points[0]!, mode)?.completion_tokens_per_s_per_allocated_device,
          find(points[0]!, mode)?.completion_tokens_per_s_per_training_device,
        ];
    return {
      label: modeDisplayName(mode),
      data: ests.map((e) => e?.value ?? null),
      errorBars: ests.map(interval),
      backgroundColor: withAlpha(modeColor(mode), 0.85),
      borderColor: modeColor(mode),
      borderWidth: 1,
      maxBarThickness: 90,
    };
  });
  const any = summary.modes[0];
  const per = summary.modes.map((m) => `${m.mode} ${runsAndSteps(m)}`);
  const subtitle = [
    `Completion tokens ÷ step time over the measured steps${sweep ? `, per allocated ${dev.one}` : ''}; whiskers: ${ciLabel(any?.completion_tokens_per_s)}; warm-up excluded.`,
    sweep
      ? `${plural(points.length, 'point')} swept; ${plural(any?.runs.length ?? 0, 'repeat')} per point and mode.`
      : `${per.join(', ')}.`,
  ];
  return {
    id: 'throughput',
    title: `Throughput per ${dev.one}`,
    width: 900,
    height: 460,
    config: {
      type: 'bar',
      data: { labels, datasets: datasets as ChartDataset<'bar'>[] },
      options: {
        ...baseOptions(`Throughput per ${dev.one}, by mode`, subtitle),
        scales: {
          x: axis(sweep ? (sweptField(summary) ?? 'sweep point') : 'normalisation', { grid: { display: false } }),
          y: axis(`completion tokens / s / ${dev.one}`, { beginAtZero: true, ...roomFor(datasets) }),
        },
      },
    } as Config,
  };
}

function phaseChart(input: ReportInput): ChartSpec {
  const { summary } = input;
  const rows = byPointOrder(summary, summary.modes);
  const names = phaseOrder(rows.flatMap((m) => Object.keys(m.phase_median_s)));
  const labels = rows.map((m) => modeLabel(summary, m));
  const datasets = names.map((name) => ({
    label: phaseLabel(name),
    data: rows.map((m) => m.phase_median_s[name] ?? 0),
    backgroundColor: phaseColor(name),
    borderColor: PAPER,
    borderWidth: 1,
    maxBarThickness: 46,
  }));
  return {
    id: 'phases',
    title: 'Step time by phase',
    width: 900,
    height: Math.max(300, 190 + rows.length * 52),
    config: {
      type: 'bar',
      data: { labels, datasets },
      options: {
        ...baseOptions('Where a step’s time goes', [
          `Median seconds per step in each phase on trainer rank 0, measured steps only (in server mode, generate is the trainer waiting for the server).`,
          rows.map((m) => `${isSweep(summary) ? pointLabel(summary, m.point) + ' ' : ''}${m.mode}: ${runsAndSteps(m)}`).join(' · '),
        ]),
        indexAxis: 'y',
        scales: {
          x: axis('seconds per step (median of each phase)', { stacked: true, beginAtZero: true }),
          y: axis('', {
            stacked: true,
            grid: { display: false },
            title: { display: false },
            ticks: { color: INK, font: { size: 12, weight: 600 } },
          }),
        },
      },
    } as Config,
  };
}

/** Seconds, or minutes for long runs: a display unit for time axes. */
function timeUnit(end: number): { div: number; name: string } {
  return end > 1200 ? { div: 60, name: 'min' } : { div: 1, name: 's' };
}

function timelineDecor(t: UnitTimeline, div: number): TimelineDecor {
  const rows = [...new Set(t.spans.map((s) => s.row))].sort(
    (a, b) => (a.startsWith('server') ? -1 : 1) - (b.startsWith('server') ? -1 : 1),
  );
  const names = phaseOrder(t.spans.map((s) => s.name));
  const r = (x: number) => Math.round((x / div) * 1000) / 1000;
  return {
    lines: t.stepStarts.map(r),
    strips: {
      rows,
      colors: names.map(phaseColor),
      spans: t.spans.map((s) => [r(s.x0), r(s.x1), names.indexOf(s.name), rows.indexOf(s.row), ...(s.share ?? [])]),
    },
  };
}

function timelineChart(input: ReportInput, t: UnitTimeline, what: 'util' | 'memory'): ChartSpec {
  const { summary } = input;
  const sweep = isSweep(summary);
  const u = timeUnit(t.end);
  const decor = timelineDecor(t, u.div);
  const gpu = t.source === 'gpu';
  const series = what === 'util' ? t.util : t.memory;
  // Memory in GiB, or MiB when every series stays under 2 GiB (small models, CPU processes).
  const peak = Math.max(0, ...series.flatMap((x) => x.points.map((p) => p[1])));
  const memUnit = what === 'memory' && peak < 2048 && !(gpu && t.memoryTotalMiB) ? 'MiB' : 'GiB';
  const toGiB = what === 'memory' && memUnit === 'GiB' ? 1 / 1024 : 1;
  // When start-up (process launch, model loading) takes most of the unit, the steps would be a
  // sliver at the right: the axis then starts just before the first step.
  const first = t.stepStarts[0];
  const from = first !== undefined && first > 0.5 * t.end ? Math.max(0, first - 0.08 * (t.end - first)) : 0;
  const xMin = Math.floor((from / u.div) * 10) / 10;
  const visible = (pts: [number, number][]) => {
    if (from === 0) return pts;
    const i = pts.findIndex((p) => p[0] >= from);
    return i < 0 ? [] : pts.slice(Math.max(0, i - 1));
  };
  const roleIndex = new Map<string, number>();
  const datasets = series.map((s) => {
    const k = roleIndex.get(s.role) ?? 0;
    roleIndex.set(s.role, k + 1);
    const color = seriesColor(s.role, k);
    return {
      label: s.label,
      data: visible(s.points).map(([x, y]) => [Math.round((x / u.div) * 1000) / 1000, Math.round(y * toGiB * 100) / 100]),
      backgroundColor: color,
      // Downsampled long runs draw envelopes that overlap: thinner, translucent lines keep each visible.
      borderColor: t.bucketSeconds > 0 ? withAlpha(color, 0.6) : color,
      borderWidth: t.bucketSeconds > 0 ? 0.8 : s.role === 'server' ? 1.8 : 1.2,
      pointRadius: 0,
      tension: 0,
      yAxisID: 'y',
    };
  });
  // Legend entries for the phase strips (no data): the key to their colours, in every format.
  const phaseKey = phaseOrder(t.spans.map((s) => s.name)).map((name) => ({
    label: `phase: ${phaseLabel(name)}`,
    data: [],
    borderColor: phaseColor(name),
    backgroundColor: phaseColor(name),
    borderWidth: 0,
    pointRadius: 0,
    yAxisID: 'y',
  }));
  const runs = summary.modes.find((m) => m.point === t.point && m.mode === t.mode)?.runs.length ?? 1;
  const where = `${sweep ? `${pointLabel(summary, t.point)}, ` : ''}${t.mode} mode, repeat ${t.repeat + 1} of ${runs}`;
  const yTitle =
    what === 'util'
      ? gpu
        ? 'GPU utilisation (%, nvidia-smi utilization.gpu)'
        : 'process CPU (%, 100 = one core)'
      : gpu
        ? `GPU memory used (${memUnit})`
        : `process resident memory (${memUnit})`;
  const title =
    what === 'util'
      ? gpu
        ? `${t.mode}: GPU utilisation over time, by GPU and role`
        : `${t.mode}: per-process CPU over time (no GPUs on this machine)`
      : gpu
        ? `${t.mode}: GPU memory over time, by GPU and role`
        : `${t.mode}: per-process memory over time (no GPUs on this machine)`;
  const subtitle = [
    `${where}; ${plural(t.stepStarts.length, 'step')}; ` +
      (t.bucketSeconds > 0
        ? `each line drawn through the lowest and highest sample of every ${formatNumber(t.bucketSeconds, 2)} s (every sample is in ${gpu ? REPORT_FILES.telemetry : REPORT_FILES.processes}).`
        : `every sample shown.`),
    ...(from > 0
      ? [
          `From ${xMin} ${u.name}: the start-up before the first step is left out (it is in the CSV; time to first step is in the per-mode table).`,
        ]
      : []),
    `Strips: phases on ${decor.strips!.rows.join(' and ')} (from events${t.spans.some((x) => x.share) ? '; each time slice shows its mix' : ''}); dashed lines: step starts.${what === 'util' && gpu ? ' Utilisation says some kernel ran, not how much work.' : ''}`,
  ];
  const stripRows = decor.strips!.rows.length;
  const memMax = what === 'memory' && gpu && t.memoryTotalMiB ? Math.ceil(t.memoryTotalMiB / 1024) : undefined;
  return {
    id: fileSafe(`${what === 'util' ? 'utilisation' : 'memory'}-${sweep ? `${t.point}-` : ''}${t.mode}`),
    title,
    width: 1000,
    height: 440 + stripRows * 10,
    config: {
      type: 'line',
      data: { datasets: [...datasets, ...phaseKey], gbTimeline: decor } as unknown as Config['data'],
      options: {
        ...baseOptions(title, subtitle),
        normalized: true,
        parsing: true,
        scales: {
          x: axis(`time since the unit started (${u.name})`, { type: 'linear', min: xMin, max: Math.ceil((t.end / u.div) * 10) / 10 }),
          y: axis(yTitle, {
            stack: 'timeline',
            stackWeight: 8,
            beginAtZero: true,
            ticks: { color: MUTED, includeBounds: false },
            ...(what === 'util' && gpu ? { max: 104 } : {}),
            ...(memMax ? { max: memMax * 1.04 } : { grace: '6%' }),
          }),
          strip: {
            type: 'category',
            // An empty last row keeps the strip labels clear of the top tick of the plot below.
            labels: [...decor.strips!.rows, ''],
            stack: 'timeline',
            stackWeight: (Math.max(1, stripRows) + 0.6) * 0.55,
            offset: true,
            position: 'left',
            grid: { display: false },
            border: { display: false },
            ticks: { color: MUTED, font: { size: 10.5 }, autoSkip: false },
          },
        },
      },
    } as unknown as Config,
  };
}

/**
 * Which GPUs of a unit get a views chart: the first of each role (server first). A role's GPUs
 * do the same work; every GPU's samples are in telemetry.csv and its views in the timeline.
 */
function viewsShown(t: UnitTimeline): NonNullable<UnitTimeline['views']> {
  const roleOf = (gpu: number) => t.util.find((x) => x.key === gpu)?.role;
  const seen = new Set<string | undefined>();
  return (t.views ?? []).filter((v) => !seen.has(roleOf(v.gpu)) && seen.add(roleOf(v.gpu)));
}

/** Line colours of the views chart: one per view, the same in every chart. */
const VIEW_COLORS = { phases: '#b8bec9', util: '#c2410c', sm: '#1d4ed8', tensor: '#0f766e', power: '#6b7280' } as const;

/**
 * One GPU's three views of busy on one time axis: the phases view (share of each time bucket
 * inside a working phase) as a filled band, utilization.gpu, GPM SM activity and tensor activity
 * as lines, power on its own axis.
 */
function viewsChart(input: ReportInput, t: UnitTimeline, v: NonNullable<UnitTimeline['views']>[number]): ChartSpec {
  const { summary } = input;
  const sweep = isSweep(summary);
  const u = timeUnit(t.end);
  const role = t.util.find((x) => x.key === v.gpu)?.role ?? 'trainer';
  const xs = v.x.map((x) => Math.round((x / u.div) * 1000) / 1000);
  const points = (ys: number[]) => ys.map((y, i) => ({ x: xs[i]!, y: Number.isFinite(y) ? y : null }));
  const gpm = v.sm_active_pct.some(Number.isFinite);
  const line = (label: string, ys: number[], color: string, extra: Record<string, unknown> = {}) => ({
    label,
    data: points(ys),
    borderColor: color,
    backgroundColor: color,
    borderWidth: 1.4,
    pointRadius: 0,
    tension: 0,
    spanGaps: false,
    yAxisID: 'y',
    ...extra,
  });
  const datasets = [
    ...(v.phases
      ? [
          line('busy by phases (events)', v.phases, VIEW_COLORS.phases, {
            stepped: 'before',
            fill: 'origin',
            backgroundColor: withAlpha(VIEW_COLORS.phases, 0.45),
            borderWidth: 0.8,
          }),
        ]
      : []),
    line('utilization.gpu (some kernel ran)', v.util_pct, VIEW_COLORS.util),
    ...(gpm
      ? [line('SM activity (GPM)', v.sm_active_pct, VIEW_COLORS.sm), line('tensor activity (GPM)', v.tensor_active_pct, VIEW_COLORS.tensor)]
      : []),
    line('power (W, right axis)', v.power_w, VIEW_COLORS.power, { borderDash: [5, 3], yAxisID: 'power' }),
  ];
  const runs = summary.modes.find((m) => m.point === t.point && m.mode === t.mode)?.runs.length ?? 1;
  const where = `${sweep ? `${pointLabel(summary, t.point)}, ` : ''}${t.mode} mode, repeat ${t.repeat + 1} of ${runs}`;
  const title = `${t.mode}: GPU ${v.gpu} (${role}), three views of busy and power`;
  const subtitle = [
    `${where}; each point the mean over ${formatNumber(v.bucket_s, 2)} s; the first GPU of its role (each GPU's samples are in ${REPORT_FILES.telemetry}). Busy by phases: share of the time a process on this GPU was inside a working phase (from events).`,
    gpm
      ? 'utilization.gpu says some kernel ran (one spinning block reads ~100 %); SM activity is the share of SMs busy, tensor activity the share of time tensor cores ran (NVML GPM).'
      : 'GPM not available for this run (no SM or tensor activity): utilization.gpu only says some kernel ran, so idle figures use the phases alone.',
  ];
  return {
    id: fileSafe(`views-${sweep ? `${t.point}-` : ''}${t.mode}-gpu${v.gpu}`),
    title,
    width: 1000,
    height: 420,
    config: {
      type: 'line',
      data: { datasets },
      options: {
        ...baseOptions(title, subtitle),
        normalized: true,
        parsing: true,
        scales: {
          x: axis(`time since the unit started (${u.name})`, { type: 'linear', min: 0, max: Math.ceil((t.end / u.div) * 10) / 10 }),
          y: axis('busy (%)', { min: 0, max: 104, ticks: { color: MUTED, includeBounds: false } }),
          power: axis('power (W)', { position: 'right', beginAtZero: true, grid: { display: false }, ticks: { color: MUTED } }),
        },
      },
    } as unknown as Config,
  };
}

function stepTimeChart(input: ReportInput, point: string): ChartSpec | undefined {
  const { summary, steps } = input;
  const rows = steps.filter((s) => s.point === point);
  if (rows.length === 0) return undefined;
  const sweep = isSweep(summary);
  const groups = new Map<string, typeof rows>();
  for (const r of rows) {
    const key = `${r.mode}\u0000${r.repeat}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const dashes = [[], [6, 4], [2, 3], [10, 3, 2, 3]];
  const modeOrder = [...new Set(summary.modes.map((m) => m.mode as string))];
  const rank = (key: string) => {
    const [mode, repeat] = key.split('\u0000') as [string, string];
    return modeOrder.indexOf(mode) * 1e6 + Number(repeat);
  };
  const datasets = [...groups.entries()]
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([key, rs]) => {
      const [mode, repeat] = key.split('\u0000') as [string, string];
      const color = modeColor(mode);
      const sorted = [...rs].sort((a, b) => a.step - b.step);
      return {
        label: `${modeDisplayName(mode)} · repeat ${Number(repeat) + 1}`,
        data: sorted.map((r) => [r.step, r.duration_s]),
        borderColor: color,
        backgroundColor: color,
        borderDash: dashes[Number(repeat) % dashes.length],
        borderWidth: 1.6,
        // Long runs: a line, with only outliers and excluded steps marked.
        pointRadius: sorted.map((r) => (r.outlier ? 6 : excludedBy(r) === 'settling' ? 4.5 : sorted.length > 150 && !r.warmup ? 0 : 3)),
        pointStyle: sorted.map((r) => (r.outlier ? 'crossRot' : excludedBy(r) === 'settling' ? 'triangle' : 'circle')),
        pointBorderWidth: sorted.map((r) => (r.outlier ? 2.2 : 1.2)),
        pointBackgroundColor: sorted.map((r) => (excludedBy(r) ? PAPER : color)),
        pointBorderColor: color,
        tension: 0,
      };
    });
  // The fixed warm-up is the same steps in every run: a band. Settling (before steady state) differs per run: marked per point.
  const lastWarm = Math.max(-1, ...rows.filter((r) => excludedBy(r) === 'warmup').map((r) => r.step));
  const settling = rows.filter((r) => excludedBy(r) === 'settling').length;
  const outliers = rows.filter((r) => r.outlier).length;
  const decor: TimelineDecor =
    lastWarm >= 0 ? { bands: [{ x0: -0.5, x1: lastWarm + 0.5, color: 'rgba(93,100,115,0.09)', label: 'warm-up' }] } : {};
  const maxStep = Math.max(...rows.map((r) => r.step));
  const title = `Step time by step${sweep ? `, ${pointLabel(summary, point)}` : ''}`;
  return {
    id: fileSafe(`step-time${sweep ? `-${point}` : ''}`),
    title,
    width: 900,
    height: 440,
    config: {
      type: 'line',
      data: { datasets, gbTimeline: decor } as unknown as Config['data'],
      options: {
        ...baseOptions(title, [
          `Seconds per optimizer step on trainer rank 0, every repeat (${plural(groups.size, 'series', 'series')}, ${plural(rows.length, 'step')}).`,
          [
            ...(lastWarm >= 0 ? ['Shaded, hollow circles: fixed warm-up'] : []),
            ...(settling ? [`hollow triangles: ${plural(settling, 'step')} before step time settled`] : []),
            ...(lastWarm >= 0 || settling ? ['excluded from the summary'] : ['Every step measured']),
          ].join('; ') + '.',
          ...(outliers ? [`✕: ${plural(outliers, 'outlier')} by the median-absolute-deviation rule (flagged, kept in the summary).`] : []),
        ]),
        scales: {
          x: axis('step index', {
            type: 'linear',
            min: -0.5,
            max: maxStep + 0.5,
            ticks: { color: MUTED, precision: 0, includeBounds: false },
          }),
          y: axis(METRICS.step_time_s.label, { beginAtZero: true }),
        },
      },
    } as unknown as Config,
  };
}

/** Why a step is excluded: steps.csv's `excluded_by`, or warm-up for older files that only say `warmup`. */
function excludedBy(r: StepRow): 'warmup' | 'settling' | undefined {
  return r.excluded_by ?? (r.warmup ? 'warmup' : undefined);
}

/** A value with an optional interval: an Estimate, or a predicted interval. */
type Interval = Pick<Estimate, 'value' | 'low' | 'high'>;

/** An estimate's interval as [low, high] for the error-bar plugin; null where there is none. */
const interval = (e: Interval | undefined) => (e && e.low !== undefined && e.high !== undefined ? [e.low, e.high] : null);

/** Axis room for the whiskers: Chart.js scales to the bars only, so a long interval would run off the plot. */

/** One line of a sweep chart: values at each point with their intervals. */
export function sweepLine(label: string, color: string, ests: (Interval | undefined)[], dash: number[] = []) {
  return {
    label,
    data: ests.map((e) => e?.value ?? null),
    errorBars: ests.map(interval),
    errorBarColor: color,
    borderColor: color,
    backgroundColor: color,
    borderDash: dash,
    borderWidth: 2,
    pointRadius: 4,
    tension: 0,
  };
}

function sweepCharts(input: ReportInput): ChartSpec[] {
  const { summary, manifest } = input;
  const points = orderedPoints(summary);
  const field = sweptField(summary) ?? 'sweep point';
  const labels = points.map((p) => {
    const v = pointInfo(summary, p)?.values;
    return v && sweptField(summary) ? String(v[field]) : pointLabel(summary, p);
  });
  const dev = deviceWord(summary);
  const comparisons = points.map((p) => summary.comparisons.find((c) => c.point === p));
  const first = summary.comparisons[0];
  const claim = manifest?.scenario.claim;
  const hlines: NonNullable<TimelineDecor['hlines']> = [{ y: 1, color: MUTED, label: 'parity (1×)', dash: [4, 4] }];
  if (claim?.value !== undefined)
    hlines.push({
      y: claim.value,
      color: '#b03a2e',
      label: `published: ${claim.value}× (${claim.metric.replaceAll('_', ' ')})`,
      dash: [8, 4],
    });
  const speedupLines = [
    sweepLine(
      `per allocated ${dev.one}`,
      INK,
      comparisons.map((c) => c?.speedup_per_allocated_device),
    ),
    sweepLine(
      `per training ${dev.one} (published method)`,
      '#8e5ea2',
      comparisons.map((c) => c?.speedup_per_training_device),
      [6, 4],
    ),
  ];
  const speedup = sweepChart({
    id: 'sweep-speedup',
    title: `Speedup against ${field}`,
    field,
    datasets: speedupLines,
    decor: { hlines },
    heading: `${first ? `${first.candidate} ÷ ${first.baseline}` : 'Speedup'}: speedup against ${field}`,
    notes: [
      `Throughput ratio (completion tokens/s) under both normalisations; whiskers: ${ciLabel(first?.speedup_per_allocated_device)}.`,
      `${plural(points.length, 'point')}; ${summary.protocol.replaceAll('_', ' ')}.`,
    ],
    labels,
    y: axis('speedup (×)', { grace: '10%', ...roomFor(speedupLines) }),
  });
  const modes = [...new Set(summary.modes.map((m) => m.mode))];
  const throughputLines = modes.map((mode) =>
    sweepLine(
      modeDisplayName(mode),
      modeColor(mode),
      points.map((p) => summary.modes.find((m) => m.point === p && m.mode === mode)?.completion_tokens_per_s_per_allocated_device),
    ),
  );
  const throughput = sweepChart({
    id: 'sweep-throughput',
    title: `Throughput against ${field}`,
    field,
    datasets: throughputLines,
    heading: `Throughput per allocated ${dev.one} against ${field}`,
    notes: [
      `Completion tokens ÷ step time over the measured steps, per allocated ${dev.one}; whiskers: ${ciLabel(summary.modes[0]?.completion_tokens_per_s)}.`,
      `${plural(points.length, 'point')} × ${plural(modes.length, 'mode')}.`,
    ],
    labels,
    y: axis(`completion tokens / s / ${dev.one}`, { beginAtZero: true, ...roomFor(throughputLines) }),
  });
  return [speedup, throughput];
}

/** A line chart of one value per sweep point, the swept field on x (the shape of the published charts). */
export function sweepChart(o: {
  id: string;
  title: string;
  field: string;
  labels: string[];
  datasets: ReturnType<typeof sweepLine>[];
  decor?: TimelineDecor;
  heading: string;
  notes: string[];
  y: ReturnType<typeof axis>;
}): ChartSpec {
  return {
    id: o.id,
    title: o.title,
    width: 900,
    height: 440,
    config: {
      type: 'line',
      data: { labels: o.labels, datasets: o.datasets, ...(o.decor ? { gbTimeline: o.decor } : {}) },
      options: {
        ...baseOptions(o.heading, o.notes),
        scales: { x: axis(o.field, { grid: { display: false } }), y: o.y },
      },
    } as unknown as Config,
  };
}

/** Point ÷ baseline point throughput within each mode: one bar per comparison, whiskers its interval. */
function pointComparisonChart(input: ReportInput): ChartSpec {
  const { summary } = input;
  const list = summary.point_comparisons;
  const short = (f: string) => f.split('.').at(-1)!;
  const labels = list.map((c) => {
    const others = Object.entries(pointInfo(summary, c.point)?.values ?? {}).filter(([f]) => f !== c.field);
    return `${c.mode} · ${short(c.field)} ${String(c.value)} vs ${String(c.baseline_value)}${others.length ? ` (${others.map(([f, v]) => `${short(f)}=${String(v)}`).join(', ')})` : ''}`;
  });
  const ests = list.map((c) => c.throughput_ratio);
  const dataset = {
    label: 'point ÷ baseline point',
    data: ests.map((e) => e.value),
    errorBars: ests.map(interval),
    errorBarColor: INK,
    backgroundColor: list.map((c) => withAlpha(modeColor(c.mode), 0.85)),
    borderColor: list.map((c) => modeColor(c.mode)),
    borderWidth: 1,
    maxBarThickness: 40,
  };
  const withInterval = ests.find((e) => e.low !== undefined);
  return {
    id: 'sweep-points',
    title: 'Between sweep points, within each mode',
    width: 900,
    height: Math.max(260, 170 + list.length * 46),
    config: {
      type: 'bar',
      data: { labels, datasets: [dataset] as unknown as ChartDataset<'bar'>[] },
      options: {
        ...baseOptions(
          'Throughput ratio to the baseline point',
          [
            `Each point ÷ the point that differs from it in one swept field, that field at its first value; completion tokens/s per allocated ${deviceWord(summary).one}; 1 = as fast as the baseline.`,
            withInterval
              ? `Whiskers: ${ciLabel(withInterval)} (Welch, the two points' runs); none where a point has one run.`
              : 'No whiskers: a point with one run has no confidence interval.',
          ],
          false,
        ),
        indexAxis: 'y',
        scales: {
          x: axis('throughput ratio (×)', { beginAtZero: true, ...roomFor([dataset]) }),
          y: axis('', { grid: { display: false }, title: { display: false }, ticks: { color: INK, font: { size: 12 } } }),
        },
      },
    } as Config,
  };
}

/** A chart the report does not show, and the sentence that says why. */
export interface OmittedChart {
  id: string;
  title: string;
  reason: string;
}

export interface ChartSet {
  charts: ChartSpec[];
  omitted: OmittedChart[];
}

/** Pixels per footer line (10.5 px text). */
const FOOTER_LINE_PX = 14;

/**
 * A chart as every format draws it: its provenance footer under the plot (`gbFooter`, the height
 * grown to hold it), and on line charts legend keys that show each series' line and dash.
 */
export function withFooter(spec: ChartSpec, footer: readonly string[]): ChartSpec {
  const room = footer.length ? footer.length * FOOTER_LINE_PX + 8 : 0;
  type Options = { plugins?: Record<string, unknown> & { legend?: { labels?: object } }; layout?: { padding?: { bottom?: number } } };
  const options = (spec.config.options ?? {}) as Options;
  const plugins: NonNullable<Options['plugins']> = { ...options.plugins, gbFooter: { lines: [...footer], color: MUTED } };
  if (spec.config.type === 'line' && plugins.legend)
    plugins.legend = { ...plugins.legend, labels: { ...plugins.legend.labels, usePointStyle: true, pointStyleWidth: 26 } };
  const padding = options.layout?.padding ?? {};
  return {
    ...spec,
    height: spec.height + room,
    config: {
      ...spec.config,
      options: { ...options, layout: { ...options.layout, padding: { ...padding, bottom: (padding.bottom ?? 0) + room } }, plugins },
    } as Config,
  };
}

/** True when some dataset has a number to draw: a bar or line value, an [x, y] pair, an {x, y} point. */
export function hasData(spec: ChartSpec): boolean {
  const finite = (v: unknown): boolean =>
    typeof v === 'number'
      ? Number.isFinite(v)
      : Array.isArray(v)
        ? finite(v[1])
        : typeof v === 'object' && v !== null
          ? finite((v as { y?: unknown }).y)
          : false;
  return (spec.config.data?.datasets ?? []).some((d) => (d.data as unknown[]).some(finite));
}

/** Every chart of the report, in reading order; one with nothing to draw is left out, with the reason. */
export function buildCharts(input: ReportInput): ChartSet {
  const { summary } = input;
  const charts: ChartSpec[] = [];
  const omitted: OmittedChart[] = [];
  const add = (spec: ChartSpec, empty: string) =>
    hasData(spec) ? charts.push(spec) : omitted.push({ id: spec.id, title: spec.title, reason: empty });
  if (summary.modes.length > 0) {
    add(throughputChart(input), 'no mode has a throughput (no measured steps).');
    add(phaseChart(input), 'no phase was timed in the measured steps.');
  } else {
    omitted.push({
      id: 'throughput',
      title: 'Throughput and phases',
      reason: 'no mode has measured steps, so there is no throughput and no phase to draw.',
    });
  }
  const variants = variantChart(input);
  if (variants) add(variants, 'no variant has a ratio to the baseline.');
  if (isSweep(summary)) {
    const [speedup, throughput] = sweepCharts(input);
    const modes = [...new Set(summary.modes.map((m) => modeDisplayName(m.mode)))];
    if (summary.comparisons.length === 0) {
      const measured =
        modes.length === 1 ? `one mode (${modes[0]})` : modes.length ? `no two modes at one point (${modes.join(', ')})` : 'no mode';
      const instead = summary.point_comparisons.length
        ? '; its sweep points are compared within the mode instead (“Between sweep points, within each mode”)'
        : '';
      omitted.push({
        id: speedup!.id,
        title: speedup!.title,
        reason: `the run measured ${measured}, so there is no speedup between modes to draw${instead}.`,
      });
    } else add(speedup!, 'no point has a speedup between modes.');
    add(throughput!, 'no point has a throughput.');
    if (summary.point_comparisons.length > 0) charts.push(pointComparisonChart(input));
  }
  for (const point of orderedPoints(summary)) {
    const c = stepTimeChart(input, point);
    if (c) add(c, 'no step was recorded at this point.');
  }
  for (const t of input.timelines) {
    if (t.source === 'none') {
      omitted.push({
        id: `timeline-${fileSafe(t.dir)}`,
        title: `Utilisation and memory of ${t.dir}`,
        reason: 'no GPU or per-process samples were recorded for this run.',
      });
      continue;
    }
    add(timelineChart(input, t, 'util'), 'no utilisation sample in the measured window.');
    add(timelineChart(input, t, 'memory'), 'no memory sample in the measured window.');
    for (const v of viewsShown(t)) add(viewsChart(input, t, v), `no sample of GPU ${v.gpu} in the measured window.`);
  }
  const footer = runFooter(summary, input.manifest);
  return { charts: charts.map((c) => withFooter(c, footer)), omitted };
}
