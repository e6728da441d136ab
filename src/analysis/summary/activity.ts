// Busy and idle per role in three views (phases, utilization.gpu, GPM SM activity), power
// beside them, and energy (the energy counter, else integrated power).
// Everything is taken over each unit's measured window: first measured step's t0 → last one's t1.
import type { Role } from '../../records/common.ts';
import { waitingPhases } from '../../modes.ts';
import { note } from './notes.ts';
import { type Note } from '../../records/notes.ts';
import { SAMPLE_FILES } from '../../results/layout.ts';
import type { UnitData } from '../../results/read.ts';
import { eventsOf, type UnitSteps } from './steps.ts';
import { integrate, mean, unionLength } from '../inference/stats.ts';
import type { RoleActivity } from '../../records/summary.ts';
import { gpuEnergy, gpuSeries, idleJoules, readViews, type EnergySource, type GpuSeries } from './views.ts';

export const SAMPLED_UTIL_LABEL = {
  cuda: 'utilization.gpu (some kernel ran)',
  cpu: 'process CPU % (per-process sample)',
} as const;

export interface Window {
  t0: number;
  t1: number;
}

export function measuredWindow(u: UnitSteps): Window | undefined {
  const first = u.measured[0];
  const last = u.measured.at(-1);
  return first && last ? { t0: first.t0, t1: last.t1 } : undefined;
}

/** Series of every GPU of a unit, computed once per unit's telemetry table. */
const seriesCache = new WeakMap<object, Map<number, GpuSeries>>();
export function unitSeries(unit: UnitData): Map<number, GpuSeries> {
  const table = unit.telemetry;
  if (!table) return new Map();
  let s = seriesCache.get(table);
  if (!s) seriesCache.set(table, (s = gpuSeries(table.rows)));
  return s;
}

/**
 * Per GPU of a unit, the intervals in which a process on it was inside a working phase (the
 * phases view): a server's phases count for every server GPU, trainer rank r's for its GPU
 * `training[r]`; phases that are waiting (waitingPhases) are left out.
 */
export function gpuBusyIntervals(unit: UnitData): Map<number, { t0: number; t1: number }[]> {
  const out = new Map<number, { t0: number; t1: number }[]>();
  const d = unit.plan.devices;
  if (d.kind !== 'cuda') return out;
  for (const f of unit.events) {
    if (f.role !== 'server' && f.role !== 'trainer') continue;
    const gpus = f.role === 'server' ? d.server : d.training[f.rank] !== undefined ? [d.training[f.rank]!] : [];
    const skip = waitingPhases(unit.plan.mode, f.role);
    const phases = eventsOf(f, 'phase').filter((p) => !skip.includes(p.name));
    if (phases.length === 0) continue;
    for (const g of gpus) out.set(g, [...(out.get(g) ?? []), ...phases]);
  }
  return out;
}

/** Σ weight·x ÷ Σ weight over the finite x. */
class WeightedMean {
  #sum = 0;
  #weight = 0;
  add(x: number, weight: number): void {
    if (!Number.isFinite(x) || !(weight > 0)) return;
    this.#sum += x * weight;
    this.#weight += weight;
  }
  get value(): number | undefined {
    return this.#weight > 0 ? this.#sum / this.#weight : undefined;
  }
}

/**
 * One role's activity over the measured windows of `units` (one point, one mode), in three views
 * (docs/metrics.md "Three views of busy"):
 * - phases: busy_fraction = Σ_runs mean_over_ranks |∪ phase intervals ∩ window| ÷ Σ_runs |window|;
 *   NaN (null in JSON) when the role's processes wrote no phase events;
 * - utilization.gpu (CPU: process CPU %): mean over the role's GPUs and runs, time-weighted;
 * - GPM SM activity, occupancy and tensor activity: likewise, where the NVML sampler read GPM.
 * Idle figures come from the phases view and from SM activity, never from utilization.gpu.
 */
export function roleActivity(units: readonly UnitSteps[], role: Role, notes: Note[]): RoleActivity {
  const kind = units[0]!.unit.plan.devices.kind;
  const devices = role === 'server' ? units[0]!.unit.plan.devices.server : units[0]!.unit.plan.devices.training;
  let busy = 0;
  let span = 0;
  let withPhases = 0;
  const cpu: number[] = [];
  const util = new WeightedMean();
  const sm = new WeightedMean();
  const occupancy = new WeightedMean();
  const tensor = new WeightedMean();
  const power = new WeightedMean();
  let gpuWindows = 0;
  let gpmWindows = 0;
  for (const u of units) {
    const w = measuredWindow(u);
    if (!w) continue;
    const skip = waitingPhases(u.unit.plan.mode, role);
    const files = u.unit.events.filter((f) => f.role === role);
    const perRank = files
      .map((f) => eventsOf(f, 'phase').filter((p) => !skip.includes(p.name)))
      .filter((ps) => ps.length > 0)
      .map((ps) => unionLength(ps, w.t0, w.t1));
    if (perRank.length > 0) {
      withPhases++;
      busy += mean(perRank);
      span += w.t1 - w.t0;
    }
    const length = w.t1 - w.t0;
    if (kind === 'cuda') {
      const series = unitSeries(u.unit);
      for (const gpu of devices) {
        const s = series.get(gpu);
        if (!s) continue;
        const r = readViews(s, w.t0, w.t1);
        gpuWindows++;
        util.add(r.util_pct, length);
        if (Number.isFinite(r.sm_active_pct)) gpmWindows++;
        sm.add(r.sm_active_pct, length);
        occupancy.add(r.sm_occupancy_pct, length);
        tensor.add(r.tensor_active_pct, length);
        // Power as energy ÷ time (trapezoids), the way energy is integrated.
        const p = s.power_w.map((x, i) => [s.t[i]!, x] as const).filter(([, x]) => Number.isFinite(x));
        if (p.some(([t]) => t >= w.t0 && t <= w.t1))
          power.add(
            integrate(
              p.map(([t]) => t),
              p.map(([, x]) => x),
              w.t0,
              w.t1,
            ) / length,
            length,
          );
      }
    } else {
      for (const r of u.unit.processes?.rows ?? []) {
        if (r.role === role && r.t >= w.t0 && r.t <= w.t1 && Number.isFinite(r.cpu_pct)) cpu.push(r.cpu_pct);
      }
    }
  }
  const where = `${units[0]!.unit.plan.point}/${units[0]!.unit.plan.mode}`;
  if (withPhases === 0)
    notes.push(note('busy_incomplete', where, `${role} processes wrote no phase events; their busy fraction is unknown (null)`));
  else if (withPhases < units.length)
    notes.push(
      note(
        'busy_incomplete',
        where,
        `${role} busy fraction from ${withPhases} of ${units.length} runs (the others have no ${role} phase events)`,
      ),
    );
  if (gpmWindows > 0 && gpmWindows < gpuWindows)
    notes.push(
      note(
        'gpm_partial',
        where,
        `${role} SM and tensor activity from ${gpmWindows} of ${gpuWindows} GPU windows (the others have no GPM samples)`,
      ),
    );
  const busyFraction = withPhases > 0 ? busy / span : Number.NaN;
  const smMean = sm.value;
  const utilMean = kind === 'cuda' ? util.value : cpu.length > 0 ? mean(cpu) : undefined;
  return {
    role,
    devices,
    busy_fraction: busyFraction,
    ...(utilMean !== undefined ? { sampled_util_mean: utilMean } : {}),
    sampled_util_label: SAMPLED_UTIL_LABEL[kind],
    ...(smMean !== undefined
      ? { sm_active_mean: smMean, sm_occupancy_mean: occupancy.value ?? Number.NaN, tensor_active_mean: tensor.value ?? Number.NaN }
      : {}),
    ...(kind === 'cuda' ? { gpm: gpmWindows > 0 } : {}),
    idle: { phases: 1 - busyFraction, ...(smMean !== undefined ? { sm_activity: 1 - smMean / 100 } : {}) },
    ...(power.value !== undefined ? { power_mean_w: power.value } : {}),
  };
}

/** Why the units of a mode have no GPM samples, from their records (the sampler used, the GPU's answer); a generic reason when no record says. */
export function gpmUnavailableReason(units: readonly UnitSteps[]): string {
  for (const u of units) {
    const t = u.unit.record?.telemetry;
    if (!t) continue;
    if (t.source === 'nvidia-smi') return t.fallback ?? 'telemetry from the nvidia-smi stream, which has no GPM metrics';
    const why = t.gpm.find((g) => !g.supported)?.reason;
    if (why) return why;
  }
  return `${SAMPLE_FILES.telemetry} has no SM activity: written by a sampler without GPM, or before the harness sampled GPM`;
}

export interface Energy {
  joules: number;
  /** Σ window lengths of the units counted. */
  seconds: number;
  completion_tokens: number;
  /** Which method gave the energy of the GPU windows counted. */
  sources: EnergySource[];
  /** Energy drawn while a GPU was idle by the phases view; absent when some counted GPU had no phases. */
  idle_joules?: number;
}

/**
 * Energy of every allocated GPU over each unit's measured window: NVML's energy counter where
 * it was read, else sampled power integrated (trapezoids, linear interpolation at the window's
 * edges). A unit counts only when each of its allocated GPUs has energy for the window;
 * otherwise it is left out and a note says so. Beside it, the part drawn while each GPU was
 * idle by the phases view (idleJoules).
 */
export function energy(units: readonly UnitSteps[], notes: Note[]): Energy | undefined {
  let total: Energy | undefined;
  let idleKnown = true;
  for (const u of units) {
    const w = measuredWindow(u);
    if (!w || u.unit.plan.devices.kind !== 'cuda') continue;
    if (!u.unit.telemetry) {
      notes.push(note('energy_incomplete', u.unit.plan.dir, `no ${SAMPLE_FILES.telemetry}; energy leaves this run out`));
      continue;
    }
    const series = unitSeries(u.unit);
    const busy = gpuBusyIntervals(u.unit);
    let joules = 0;
    let idle = 0;
    const sources = new Set<EnergySource>();
    const missing: number[] = [];
    for (const gpu of u.unit.plan.devices.allocated) {
      const s = series.get(gpu);
      const e = s && gpuEnergy(s, w.t0, w.t1);
      if (!s || !e) {
        missing.push(gpu);
        continue;
      }
      joules += e.joules;
      sources.add(e.source);
      const phases = busy.get(gpu);
      const j = phases ? idleJoules(s, phases, w.t0, w.t1) : undefined;
      if (j === undefined) idleKnown = false;
      else idle += j;
    }
    if (missing.length > 0) {
      notes.push(
        note(
          'energy_incomplete',
          u.unit.plan.dir,
          `no power samples or energy counter of GPU ${missing.join(', ')} in the measured window; energy leaves this run out`,
        ),
      );
      continue;
    }
    const tokens = u.measured.reduce((sum, r) => sum + r.completion_tokens, 0);
    total = {
      joules: (total?.joules ?? 0) + joules,
      seconds: (total?.seconds ?? 0) + (w.t1 - w.t0),
      completion_tokens: (total?.completion_tokens ?? 0) + tokens,
      sources: [...new Set([...(total?.sources ?? []), ...sources])].sort(),
      idle_joules: (total?.idle_joules ?? 0) + idle,
    };
  }
  if (total && !idleKnown) {
    const { idle_joules: _, ...rest } = total;
    return rest;
  }
  return total;
}
