// The time series behind the report's charts over time: per unit, utilisation and memory per GPU
// (telemetry) or per process (machines without GPUs), the phases of trainer and server rank 0,
// and step starts, relative to the unit's first sample and downsampled for display.
import type { DeviceAccount } from '../../records/plan.ts';
import { orderPhases } from '../../records/events.ts';
import type { EventFile, RunData, UnitData } from '../../results/read.ts';
import type { ModeName } from '../../scenario/schema.ts';
import { gpuBusyIntervals, unitSeries } from './activity.ts';
import type { Summary } from '../../records/summary.ts';
import { viewsTimeline, type GpuViewsTimeline } from './views.ts';

/** One line of a time-series chart, downsampled: [seconds since the unit's start, value] pairs. */
export interface Series {
  label: string;
  role: 'trainer' | 'server';
  /** GPU index (telemetry) or process id (process samples). */
  key: number;
  points: [number, number][];
}

export interface PhaseSpan {
  /** Row of the phase strip: `trainer 0`, `server 0`. */
  row: string;
  name: string;
  x0: number;
  x1: number;
  /** In a mixed bucket (runs too long to show each span): the band of the row's height this phase fills, bottom to top, 0–1. */
  share?: [number, number];
}

export interface UnitTimeline {
  point: string;
  mode: ModeName;
  repeat: number;
  dir: string;
  /** `gpu`: nvidia-smi samples per GPU; `process`: per-process CPU % and RSS (machines without GPUs). */
  source: 'gpu' | 'process' | 'none';
  /** Epoch seconds of x = 0. */
  origin: number;
  /** Last x with data. */
  end: number;
  util: Series[];
  memory: Series[];
  /** Memory capacity of one device in MiB, where the samples say it. */
  memoryTotalMiB?: number;
  spans: PhaseSpan[];
  /** Start of every step on trainer rank 0 (x, seconds since origin). */
  stepStarts: number[];
  /** Width of a display bucket in seconds when the series were downsampled; 0 when every sample is shown. */
  bucketSeconds: number;
  /** Samples read before downsampling (all series together). */
  rawSamples: number;
  /** GPU units: per GPU the three views of busy and power on one grid of buckets (docs/metrics.md "Three views of busy"). */
  views?: GpuViewsTimeline[];
}

export interface TimelineOptions {
  /** Buckets per series for min/max downsampling (each keeps its min and its max); default 600. */
  buckets?: number;
}

/**
 * Min/max bucket downsampling: splits the x range into `buckets` equal buckets and keeps, in
 * time order, the lowest and the highest sample of each, so peaks and dips survive. Input must
 * be sorted by x. Returns the input when it is already small enough.
 */
export function downsampleMinMax(points: readonly [number, number][], buckets: number): [number, number][] {
  if (points.length <= buckets * 2 || points.length < 3) return [...points];
  const x0 = points[0]![0];
  const span = points[points.length - 1]![0] - x0 || 1;
  const out: [number, number][] = [];
  let b = -1;
  let lo: [number, number] | undefined;
  let hi: [number, number] | undefined;
  const flush = () => {
    if (!lo || !hi) return;
    if (lo === hi) out.push(lo);
    else if (lo[0] <= hi[0]) out.push(lo, hi);
    else out.push(hi, lo);
  };
  for (const p of points) {
    const k = Math.min(buckets - 1, Math.floor(((p[0] - x0) / span) * buckets));
    if (k !== b) {
      flush();
      b = k;
      lo = hi = p;
    } else {
      if (p[1] < lo![1]) lo = p;
      if (p[1] > hi![1]) hi = p;
    }
  }
  flush();
  return out;
}

/**
 * Phase spans for display: merges a span into the previous one of the same row and name when
 * they touch, and drops spans shorter than `minWidth` seconds (invisible at chart width).
 */
export function simplifySpans(spans: readonly PhaseSpan[], minWidth: number): PhaseSpan[] {
  const out: PhaseSpan[] = [];
  const last = new Map<string, PhaseSpan>();
  for (const s of spans) {
    const prev = last.get(s.row);
    if (prev && prev.name === s.name && s.x0 - prev.x1 <= minWidth) {
      prev.x1 = Math.max(prev.x1, s.x1);
      continue;
    }
    if (s.x1 - s.x0 < minWidth) continue;
    const copy = { ...s };
    out.push(copy);
    last.set(s.row, copy);
  }
  return out;
}

/**
 * Phase spans too many to draw one by one: the time axis cut into `buckets` buckets, each row of
 * each bucket split by the share of the bucket every phase took (a stacked strip), so long runs
 * still show the mix of phases instead of whichever spans happen to be wide enough.
 */
export function mixSpans(spans: readonly PhaseSpan[], start: number, end: number, buckets: number): PhaseSpan[] {
  const width = (end - start) / buckets || 1;
  const acc = new Map<string, Map<string, number>[]>();
  for (const s of spans) {
    let rows = acc.get(s.row);
    if (!rows) acc.set(s.row, (rows = Array.from({ length: buckets }, () => new Map<string, number>())));
    const first = Math.max(0, Math.floor((s.x0 - start) / width));
    const last = Math.min(buckets - 1, Math.floor((s.x1 - start) / width));
    for (let b = first; b <= last; b++) {
      const overlap = Math.min(s.x1, start + (b + 1) * width) - Math.max(s.x0, start + b * width);
      if (overlap > 0) rows[b]!.set(s.name, (rows[b]!.get(s.name) ?? 0) + overlap);
    }
  }
  const out: PhaseSpan[] = [];
  for (const [row, bucketsOfRow] of acc) {
    bucketsOfRow.forEach((m, b) => {
      let y = 0;
      for (const name of orderPhases(m.keys())) {
        const share = Math.min(1, m.get(name)! / width);
        out.push({ row, name, x0: start + b * width, x1: start + (b + 1) * width, share: [y, Math.min(1, y + share)] });
        y += share;
      }
    });
  }
  return out;
}

const round = (x: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/** pid → role and rank, from the start event of every event file of a unit. */
function ranksByPid(events: readonly EventFile[]): Map<number, { role: string; rank: number }> {
  const out = new Map<number, { role: string; rank: number }>();
  for (const f of events) {
    const start = f.parsed.events.find((e) => e.type === 'start');
    if (start?.type === 'start') out.set(start.pid, { role: start.role, rank: start.rank });
  }
  return out;
}

/** The time series of one unit (one mode, one repeat), relative to its first sample; `devices` says which GPUs served. */
export function unitTimeline(unit: UnitData, devices: DeviceAccount, options: TimelineOptions = {}): UnitTimeline {
  const buckets = options.buckets ?? 600;
  const roleOf = (device: number): 'trainer' | 'server' => (devices.server.includes(device) ? 'server' : 'trainer');

  // Events of trainer rank 0 and server rank 0: phases and step starts.
  const spans: PhaseSpan[] = [];
  const stepStartsAbs: number[] = [];
  let tMin = Infinity;
  let tMax = -Infinity;
  for (const [role, row] of [
    ['trainer', 'trainer 0'],
    ['server', 'server 0'],
  ] as const) {
    const file = unit.events.find((f) => f.role === role && f.rank === 0);
    for (const e of file?.parsed.events ?? []) {
      if (e.type === 'phase') {
        spans.push({ row, name: e.name, x0: e.t0, x1: e.t1 });
        tMin = Math.min(tMin, e.t0);
        tMax = Math.max(tMax, e.t1);
      } else if (e.type === 'step' && row === 'trainer 0') stepStartsAbs.push(e.t0);
      else if ('t' in e && typeof e.t === 'number') {
        tMin = Math.min(tMin, e.t);
        tMax = Math.max(tMax, e.t);
      }
    }
  }

  // Samples: GPU telemetry where there is some, per-process samples otherwise.
  type Raw = { key: number; label: string; role: 'trainer' | 'server'; rank?: number; util: [number, number][]; mem: [number, number][] };
  const raw = new Map<number, Raw>();
  let source: UnitTimeline['source'] = 'none';
  let memoryTotalMiB: number | undefined;
  let rawSamples = 0;
  const add = (s: Raw, t: number, util: number, mem: number) => {
    rawSamples++;
    if (Number.isFinite(util)) s.util.push([t, util]);
    if (Number.isFinite(mem)) s.mem.push([t, mem]);
    tMin = Math.min(tMin, t);
    tMax = Math.max(tMax, t);
  };
  if (unit.telemetry) {
    source = 'gpu';
    for (const r of unit.telemetry.rows) {
      const g = r.gpu;
      if (!Number.isFinite(r.t) || !Number.isFinite(g)) continue;
      let s = raw.get(g);
      if (!s) raw.set(g, (s = { key: g, role: roleOf(g), label: `GPU ${g} · ${roleOf(g)}`, util: [], mem: [] }));
      add(s, r.t, r.util_pct, r.mem_used_mib);
      if (Number.isFinite(r.mem_total_mib)) memoryTotalMiB = Math.max(memoryTotalMiB ?? 0, r.mem_total_mib);
    }
  } else if (unit.processes) {
    source = 'process';
    // A process is named by the rank its event file's start event gives its pid; others (a
    // launcher such as torchrun, a helper) wrote no events.
    const ranks = ranksByPid(unit.events);
    for (const r of unit.processes.rows) {
      const pid = r.pid;
      if (!Number.isFinite(r.t) || !Number.isFinite(pid)) continue;
      let s = raw.get(pid);
      if (!s) {
        const role = r.role === 'server' ? 'server' : 'trainer';
        const rank = ranks.get(pid);
        const label = rank ? `${rank.role} ${rank.rank} (pid ${pid})` : `${role} launcher/helper (pid ${pid})`;
        raw.set(pid, (s = { key: pid, role, label, util: [], mem: [], ...(rank ? { rank: rank.rank } : {}) }));
      }
      add(s, r.t, r.cpu_pct, r.rss_mib);
    }
  }
  const origin = Number.isFinite(tMin) ? tMin : 0;
  const end = Number.isFinite(tMax) ? tMax - origin : 0;
  const rel = (pts: [number, number][]): [number, number][] =>
    downsampleMinMax(
      pts.sort((a, b) => a[0] - b[0]),
      buckets,
    ).map(([x, y]) => [round(x - origin, 2), round(y, 1)]);
  // Server first, then trainers; within a role ranks in order, then processes without a rank.
  const ordered = [...raw.values()].sort((a, b) =>
    a.role !== b.role ? (a.role === 'server' ? -1 : 1) : (a.rank ?? Infinity) - (b.rank ?? Infinity) || a.key - b.key,
  );
  const minWidth = end / (buckets * 4);
  return {
    point: unit.plan.point,
    mode: unit.plan.mode,
    repeat: unit.plan.repeat,
    dir: unit.plan.dir,
    source,
    origin,
    end: round(end, 2),
    util: ordered.map((s) => ({ label: s.label, role: s.role, key: s.key, points: rel(s.util) })),
    memory: ordered.map((s) => ({ label: s.label, role: s.role, key: s.key, points: rel(s.mem) })),
    ...(memoryTotalMiB !== undefined ? { memoryTotalMiB } : {}),
    spans: (spans.length > buckets
      ? mixSpans(spans, origin, origin + end, buckets)
      : simplifySpans(
          spans.sort((a, b) => a.x0 - b.x0),
          minWidth,
        )
    ).map((s) => ({
      ...s,
      x0: round(s.x0 - origin, 2),
      x1: round(s.x1 - origin, 2),
      ...(s.share ? { share: [round(s.share[0], 2), round(s.share[1], 2)] as [number, number] } : {}),
    })),
    bucketSeconds: rawSamples > raw.size * buckets * 2 ? end / buckets : 0,
    stepStarts: stepStartsAbs.sort((a, b) => a - b).map((t) => round(t - origin, 2)),
    rawSamples,
    ...(source === 'gpu'
      ? {
          views: gpuViews(
            unit,
            ordered.map((o) => o.key),
            origin,
            end,
            buckets,
          ),
        }
      : {}),
  };
}

/** The views timeline of each GPU, in display order, rounded for the report. */
function gpuViews(unit: UnitData, gpus: number[], origin: number, end: number, buckets: number): GpuViewsTimeline[] {
  const series = unitSeries(unit);
  const busy = gpuBusyIntervals(unit);
  const r1 = (xs: number[]) => xs.map((x) => round(x, 1));
  return gpus.flatMap((g) => {
    const s = series.get(g);
    if (!s) return [];
    const v = viewsTimeline(s, busy.get(g), origin, end, buckets);
    return [
      {
        ...v,
        x: v.x.map((x) => round(x, 2)),
        util_pct: r1(v.util_pct),
        sm_active_pct: r1(v.sm_active_pct),
        tensor_active_pct: r1(v.tensor_active_pct),
        power_w: r1(v.power_w),
        ...(v.phases ? { phases: r1(v.phases) } : {}),
      },
    ];
  });
}

/**
 * One timeline per (point, mode) of the summary, in its order: the first repeat that completed,
 * else the first. A mode with no unit in the run has none.
 */
export function runTimelines(run: RunData, summary: Summary, options: TimelineOptions = {}): UnitTimeline[] {
  const timelines: UnitTimeline[] = [];
  for (const m of summary.modes) {
    const candidates = run.units
      .filter((u) => u.record && u.plan.point === m.point && u.plan.mode === m.mode)
      .sort((a, b) => a.plan.repeat - b.plan.repeat);
    const unit = candidates.find((u) => u.record!.status === 'ok') ?? candidates[0];
    if (unit) timelines.push(unitTimeline(unit, m.devices, options));
  }
  return timelines;
}
