// Views of one GPU's activity over a time window, from telemetry.csv rows (docs/metrics.md
// "Three views of busy"):
//   utilization.gpu  the driver's share of its window in which *some* kernel ran (one spinning
//                    block reads ~100 %);
//   SM activity      GPM: the share of SMs busy over each sampling interval (and occupancy,
//                    tensor-core activity), only where the NVML sampler read GPM;
//   power, energy    the energy counter's difference where the NVML sampler read it, else power
//                    integrated over time; each reading says which.
// The phases view (the workload's own account) comes from events: activity.ts.
// Pure functions: rows in, numbers out.
import type { TelemetryRow } from '../../records/samples.ts';
import { integrate, unionLength } from '../inference/stats.ts';

/** One GPU's samples, sorted by time; NaN where a row had no value. */
export interface GpuSeries {
  gpu: number;
  t: number[];
  util_pct: number[];
  sm_active_pct: number[];
  sm_occupancy_pct: number[];
  tensor_active_pct: number[];
  power_w: number[];
  energy_mj: number[];
}

const SERIES_FIELDS = ['util_pct', 'sm_active_pct', 'sm_occupancy_pct', 'tensor_active_pct', 'power_w', 'energy_mj'] as const;
export type SeriesField = (typeof SERIES_FIELDS)[number];

const value = (x: number | undefined): number => (typeof x === 'number' && Number.isFinite(x) ? x : Number.NaN);

/** Every GPU's series from telemetry rows (older files without the NVML columns read as NaN there). */
export function gpuSeries(rows: readonly TelemetryRow[]): Map<number, GpuSeries> {
  const byGpu = new Map<number, TelemetryRow[]>();
  for (const r of rows) {
    if (!Number.isFinite(r.t) || !Number.isFinite(r.gpu)) continue;
    let list = byGpu.get(r.gpu);
    if (!list) byGpu.set(r.gpu, (list = []));
    list.push(r);
  }
  const out = new Map<number, GpuSeries>();
  for (const [gpu, list] of [...byGpu].sort((a, b) => a[0] - b[0])) {
    list.sort((a, b) => a.t - b.t);
    const s: GpuSeries = {
      gpu,
      t: list.map((r) => r.t),
      util_pct: [],
      sm_active_pct: [],
      sm_occupancy_pct: [],
      tensor_active_pct: [],
      power_w: [],
      energy_mj: [],
    };
    for (const f of SERIES_FIELDS) s[f] = list.map((r) => value(r[f]));
    out.set(gpu, s);
  }
  return out;
}

/** The samples of `field` that have a value, as parallel arrays. */
function defined(s: GpuSeries, field: SeriesField): { t: number[]; v: number[] } {
  const t: number[] = [];
  const v: number[] = [];
  s[field].forEach((x, i) => {
    if (Number.isFinite(x)) {
      t.push(s.t[i]!);
      v.push(x);
    }
  });
  return { t, v };
}

/**
 * Time-weighted mean over [a, b] of a field whose sample at t_i stands for the interval
 * (t_{i−1}, t_i] that ended there — what GPM metrics are, and close to what utilization.gpu and
 * NVML power (averages over a trailing window) are. NaN when no sample interval overlaps [a, b].
 */
export function intervalMean(ts: readonly number[], vs: readonly number[], a: number, b: number): number {
  let weighted = 0;
  let covered = 0;
  for (let i = 1; i < ts.length; i++) {
    const overlap = Math.min(b, ts[i]!) - Math.max(a, ts[i - 1]!);
    if (overlap <= 0) continue;
    weighted += vs[i]! * overlap;
    covered += overlap;
  }
  return covered > 0 ? weighted / covered : Number.NaN;
}

/**
 * Joules a cumulative mJ counter advanced over [a, b], interpolated linearly between the samples
 * around each edge. Undefined when [a, b] is not inside the sampled span, or when the counter
 * went backwards (a driver reload resets it).
 */
export function counterJoules(ts: readonly number[], mj: readonly number[], a: number, b: number): number | undefined {
  const n = ts.length;
  if (n < 2 || a < ts[0]! || b > ts[n - 1]! || !(b >= a)) return undefined;
  for (let i = 1; i < n; i++) if (mj[i]! < mj[i - 1]!) return undefined;
  const at = (t: number): number => {
    let i = 1;
    while (i < n - 1 && ts[i]! < t) i++;
    const t0 = ts[i - 1]!;
    const t1 = ts[i]!;
    return t1 > t0 ? mj[i - 1]! + ((t - t0) / (t1 - t0)) * (mj[i]! - mj[i - 1]!) : mj[i]!;
  };
  return (at(b) - at(a)) / 1000;
}

export type EnergySource = 'energy counter' | 'power integration';

/**
 * Energy of one GPU over [a, b]: the counter where it covers the window, else sampled power
 * integrated (trapezoids, linear at the edges) when a power sample lies inside the window.
 */
export function gpuEnergy(s: GpuSeries, a: number, b: number): { joules: number; source: EnergySource } | undefined {
  const counter = defined(s, 'energy_mj');
  const j = counterJoules(counter.t, counter.v, a, b);
  if (j !== undefined) return { joules: j, source: 'energy counter' };
  const power = defined(s, 'power_w');
  if (!power.t.some((t) => t >= a && t <= b)) return undefined;
  return { joules: integrate(power.t, power.v, a, b), source: 'power integration' };
}

/** What each sampled view read on one GPU over [a, b]; NaN where the view has no samples. */
export interface ViewReading {
  util_pct: number;
  sm_active_pct: number;
  sm_occupancy_pct: number;
  tensor_active_pct: number;
  power_w: number;
  /** Energy over the window and which method gave it; absent without power or counter. */
  energy?: { joules: number; source: EnergySource };
}

export function readViews(s: GpuSeries, a: number, b: number): ViewReading {
  const mean = (f: SeriesField) => {
    const d = defined(s, f);
    return intervalMean(d.t, d.v, a, b);
  };
  const energy = gpuEnergy(s, a, b);
  return {
    util_pct: mean('util_pct'),
    sm_active_pct: mean('sm_active_pct'),
    sm_occupancy_pct: mean('sm_occupancy_pct'),
    tensor_active_pct: mean('tensor_active_pct'),
    power_w: mean('power_w'),
    ...(energy ? { energy } : {}),
  };
}

/** True when the series has any GPM sample (SM activity). */
export function hasGpm(s: GpuSeries): boolean {
  return s.sm_active_pct.some(Number.isFinite);
}

/**
 * Energy of one GPU drawn while it was idle by the phases view: each sampling interval's energy
 * (counter difference, or trapezoid of power) times the share of it outside every busy interval.
 * Over [a, b]; undefined without energy samples there.
 */
export function idleJoules(s: GpuSeries, busy: readonly { t0: number; t1: number }[], a: number, b: number): number | undefined {
  const counter = defined(s, 'energy_mj');
  const useCounter = counterJoules(counter.t, counter.v, a, b) !== undefined;
  const { t, v } = useCounter ? counter : defined(s, 'power_w');
  if (t.length < 2) return undefined;
  let idle = 0;
  for (let i = 1; i < t.length; i++) {
    const lo = Math.max(a, t[i - 1]!);
    const hi = Math.min(b, t[i]!);
    if (hi <= lo) continue;
    const width = t[i]! - t[i - 1]!;
    const joules = useCounter
      ? ((v[i]! - v[i - 1]!) / 1000) * ((hi - lo) / width)
      : integrate([t[i - 1]!, t[i]!], [v[i - 1]!, v[i]!], lo, hi);
    idle += joules * (1 - unionLength(busy, lo, hi) / (hi - lo));
  }
  return idle;
}

/** One GPU's views on a common grid of time buckets, for the chart that sets them side by side. */
export interface GpuViewsTimeline {
  gpu: number;
  /** Start of each bucket, seconds since the timeline's origin. */
  x: number[];
  /** Share of each bucket inside a working phase of a process on this GPU (%); absent without phases. */
  phases?: number[];
  util_pct: number[];
  sm_active_pct: number[];
  tensor_active_pct: number[];
  power_w: number[];
  /** Bucket width, seconds. */
  bucket_s: number;
}

/**
 * Every view of one GPU averaged over `buckets` equal buckets of [origin, origin + span]: each
 * sampled view time-weighted (intervalMean), the phases view as the busy share of the bucket.
 * NaN where a view has nothing in a bucket. Never finer than the samples: at most one bucket per
 * sampling interval.
 */
export function viewsTimeline(
  s: GpuSeries,
  busy: readonly { t0: number; t1: number }[] | undefined,
  origin: number,
  span: number,
  buckets: number,
): GpuViewsTimeline {
  const n = Math.max(1, Math.min(buckets, s.t.length));
  const width = span / n || 1;
  const fields = ['util_pct', 'sm_active_pct', 'tensor_active_pct', 'power_w'] as const;
  const cols = Object.fromEntries(fields.map((f) => [f, defined(s, f)])) as Record<(typeof fields)[number], { t: number[]; v: number[] }>;
  const out: GpuViewsTimeline = {
    gpu: s.gpu,
    x: [],
    util_pct: [],
    sm_active_pct: [],
    tensor_active_pct: [],
    power_w: [],
    bucket_s: width,
    ...(busy ? { phases: [] } : {}),
  };
  for (let b = 0; b < n; b++) {
    const a = origin + b * width;
    out.x.push(b * width);
    for (const f of fields) out[f].push(intervalMean(cols[f].t, cols[f].v, a, a + width));
    out.phases?.push((100 * unionLength(busy!, a, a + width)) / width);
  }
  return out;
}
