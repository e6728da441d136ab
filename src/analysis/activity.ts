// Busy fractions from phase events, sampled utilisation and power beside them, and energy.
// Everything is taken over each unit's measured window: first measured step's t0 → last one's t1.
import type { Role } from '../launch/types.ts';
import { waitingPhases } from '../modes.ts';
import { note, type Note } from './notes.ts';
import { eventsOf, type UnitSteps } from './steps.ts';
import { integrate, mean, unionLength } from './stats.ts';
import type { RoleActivity } from './types.ts';

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

/**
 * One role's activity over the measured windows of `units` (one point, one mode).
 * busy_fraction = Σ_runs mean_over_ranks |∪ phase intervals ∩ window| ÷ Σ_runs |window|;
 * NaN (null in JSON) when the role's processes wrote no phase events.
 */
export function roleActivity(units: readonly UnitSteps[], role: Role, notes: Note[]): RoleActivity {
  const kind = units[0]!.unit.plan.devices.kind;
  const devices = role === 'server' ? units[0]!.unit.plan.devices.server : units[0]!.unit.plan.devices.training;
  let busy = 0;
  let span = 0;
  let withPhases = 0;
  const util: number[] = [];
  const power: number[] = [];
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
    if (kind === 'cuda') {
      for (const r of u.unit.telemetry?.rows ?? []) {
        if (!devices.includes(r.gpu) || r.t < w.t0 || r.t > w.t1) continue;
        if (Number.isFinite(r.util_pct)) util.push(r.util_pct);
        if (Number.isFinite(r.power_w)) power.push(r.power_w);
      }
    } else {
      for (const r of u.unit.processes?.rows ?? []) {
        if (r.role === role && r.t >= w.t0 && r.t <= w.t1 && Number.isFinite(r.cpu_pct)) util.push(r.cpu_pct);
      }
    }
  }
  const where = `${units[0]!.unit.plan.point}/${units[0]!.unit.plan.mode}`;
  if (withPhases === 0) notes.push(note('busy_incomplete', where, `${role} processes wrote no phase events; their busy fraction is unknown (null)`));
  else if (withPhases < units.length) notes.push(note('busy_incomplete', where, `${role} busy fraction from ${withPhases} of ${units.length} runs (the others have no ${role} phase events)`));
  return {
    role,
    devices,
    busy_fraction: withPhases > 0 ? busy / span : Number.NaN,
    ...(util.length > 0 ? { sampled_util_mean: mean(util) } : {}),
    sampled_util_label: SAMPLED_UTIL_LABEL[kind],
    ...(power.length > 0 ? { power_mean_w: mean(power) } : {}),
  };
}

export interface Energy {
  joules: number;
  /** Σ window lengths of the units counted. */
  seconds: number;
  completion_tokens: number;
}

/**
 * Energy of every allocated GPU over each unit's measured window, from sampled power
 * (trapezoids, linear interpolation at the window's edges). A unit counts only when each of its
 * allocated GPUs has a power sample inside the window; otherwise it is left out and a note says so.
 */
export function energy(units: readonly UnitSteps[], notes: Note[]): Energy | undefined {
  let total: Energy | undefined;
  for (const u of units) {
    const w = measuredWindow(u);
    const rows = u.unit.telemetry?.rows;
    if (!w || u.unit.plan.devices.kind !== 'cuda') continue;
    if (!rows) {
      notes.push(note('energy_incomplete', u.unit.plan.dir, 'no telemetry.csv; energy leaves this run out'));
      continue;
    }
    let joules = 0;
    const missing: number[] = [];
    for (const gpu of u.unit.plan.devices.allocated) {
      const series = rows.filter((r) => r.gpu === gpu && Number.isFinite(r.power_w) && Number.isFinite(r.t)).sort((a, b) => a.t - b.t);
      if (!series.some((r) => r.t >= w.t0 && r.t <= w.t1)) missing.push(gpu);
      else joules += integrate(series.map((r) => r.t), series.map((r) => r.power_w), w.t0, w.t1);
    }
    if (missing.length > 0) {
      notes.push(note('energy_incomplete', u.unit.plan.dir, `no power samples of GPU ${missing.join(', ')} in the measured window; energy leaves this run out`));
      continue;
    }
    const tokens = u.measured.reduce((s, r) => s + r.completion_tokens, 0);
    total = { joules: (total?.joules ?? 0) + joules, seconds: (total?.seconds ?? 0) + (w.t1 - w.t0), completion_tokens: (total?.completion_tokens ?? 0) + tokens };
  }
  return total;
}
