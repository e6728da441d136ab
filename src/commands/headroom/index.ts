// `grpo-bench headroom`: how much memory room a model has in one mode on the GPU at hand. Runs
// the scenario as a search over sweep points, one field at a time — the per-device batch upwards,
// then (colocate with vLLM) the engine's gpu_memory_utilization downwards — each axis ending at
// its first point that does not fit (the rest are skipped); a point that runs out of memory is a
// result, with the phase it hit and the bytes asked and free. Writes headroom.json beside the
// run's results and prints the verdict: the largest batch and the smallest memory share that fit.
import path from 'node:path';
import { UsageError, UserError } from '../../errors.ts';
import { judgeAxis, type Axis, type Headroom, type Probe } from '../../analysis/summary/headroom.ts';
import { loadScenarioFile } from '../../scenario/load.ts';
import { expandPoints, pointOf, sweepPoints, type ScalarValue } from '../../scenario/sweep.ts';
import { MODE_NAMES, type ModeName, type Scenario } from '../../scenario/schema.ts';
import { readRun, type UnitData } from '../../results/read.ts';
import { RUN_FILES } from '../../results/layout.ts';
import { writeJsonAtomic } from '../../results/store.ts';
import type { UnitRecord } from '../../records/manifest.ts';
import type { PhaseEvent } from '../../records/events.ts';
import { selectPoints } from '../../scenario/overrides.ts';
import { runCommand } from '../run/index.ts';
import { formatBinaryBytes, formatFigure } from '../../value-format.ts';

export const BATCH_FIELD = 'grpo.per_device_train_batch_size';
export const UTILIZATION_FIELD = 'modes.colocate.vllm.gpu_memory_utilization';

export interface HeadroomOptions {
  scenario: string;
  /** The mode to probe (default: colocate where the scenario defines it, else its only mode). */
  mode?: ModeName;
  /** Per-device batches to try, upwards (default: the scenario's, ×2, ×4, ×8). */
  batches?: number[];
  /** vLLM memory shares to try, downwards (default: the scenario's, then 0.05 less each, down to 0.05, at most 6). */
  utilizations?: number[];
  /** Only this search. */
  axis?: 'batch' | 'utilization';
  /** Start from this point of the scenario's sweep (its id) instead of the scenario without its sweep. */
  point?: string;
  steps?: number;
  warmupSteps?: number;
  out: string;
  signal?: AbortSignal;
}

export interface HeadroomOutcome {
  exitCode: number;
  runDir: string;
  headroom: Headroom;
}

interface Search {
  field: string;
  want: Axis['want'];
  values: number[];
}

export async function headroomCommand(o: HeadroomOptions): Promise<HeadroomOutcome> {
  const loaded = await loadScenarioFile(o.scenario);
  // The search starts from the scenario, or from one point of its sweep (`--point model=preset_7b,…`).
  const base = o.point ? expandPoints(loaded.scenario, selectPoints(sweepPoints(loaded.sweep), [o.point]), loaded.file)[0] : undefined;
  const scenario = base?.scenario ?? loaded.scenario;
  const mode = headroomMode(scenario, o.mode);
  const searches = plannedSearches(scenario, mode, o);
  const probes = searches.flatMap((s) =>
    s.values.map((v) => ({ field: s.field, point: pointOf({ ...(base?.values ?? {}), [s.field]: v }) })),
  );
  const points = probes.map((p) => p.point);
  const fieldOf = new Map(probes.map((p) => [p.point.id, p.field]));
  const run = await runCommand({
    scenario: o.scenario,
    modes: [mode],
    // What fits on the GPU at hand: this machine, whatever launcher the scenario names.
    launcher: 'local',
    repeats: 1,
    steps: o.steps,
    warmupSteps: o.warmupSteps,
    out: o.out,
    signal: o.signal,
    points,
    skip: (unit, recorded) => stopReason(fieldOf.get(unit.point)!, recorded, fieldOf),
  });
  const data = await readRun(run.runDir);
  const env = data.manifest.fingerprint.environment;
  const units = new Map(data.units.map((u) => [u.plan.point, u]));
  const stepTime = (point: string) => data.analysis?.summary.modes.find((m) => m.point === point && m.mode === mode)?.step_time_s.value;
  const headroom: Headroom = {
    scenario: loaded.scenario.name,
    ...(base ? { point: base.id } : {}),
    model: scenario.model,
    mode,
    ...(typeof env.gpu_name === 'string'
      ? { gpu: { name: env.gpu_name, ...(typeof env.gpu_memory_mib === 'number' ? { total_bytes: env.gpu_memory_mib * 2 ** 20 } : {}) } }
      : {}),
    axes: searches.map((s) =>
      judgeAxis(
        s.field,
        s.want,
        points
          .filter((p) => fieldOf.get(p.id) === s.field)
          .map((p) => probeOf(p.id, Number(p.values[s.field]), units.get(p.id), stepTime(p.id))),
      ),
    ),
  };
  await writeJsonAtomic(path.join(run.runDir, RUN_FILES.headroom), headroom);
  console.log(formatHeadroom(headroom));
  const stoppedOnOther = headroom.axes.some((a) => a.probes.some((p) => p.outcome === 'failed'));
  return { exitCode: run.exitCode === 130 ? 130 : stoppedOnOther ? 1 : 0, runDir: run.runDir, headroom };
}

function headroomMode(scenario: Scenario, asked: ModeName | undefined): ModeName {
  const defined = MODE_NAMES.filter((m) => scenario.modes[m] !== undefined);
  if (asked) {
    if (!defined.includes(asked))
      throw new UserError(`mode '${asked}' is not defined in scenario '${scenario.name}' (it defines: ${defined.join(', ')})`);
    return asked;
  }
  if (defined.includes('colocate')) return 'colocate';
  if (defined.length === 1) return defined[0]!;
  throw new UserError(`scenario '${scenario.name}' defines ${defined.join(', ')}: say which mode to probe`, 'Pass --mode.');
}

/** The searches to run, each value checked against the scenario up front. */
export function plannedSearches(
  scenario: Scenario,
  mode: ModeName,
  o: Pick<HeadroomOptions, 'batches' | 'utilizations' | 'axis'>,
): Search[] {
  const out: Search[] = [];
  if (o.axis !== 'utilization') {
    const b = scenario.grpo.per_device_train_batch_size;
    const values = [...new Set(o.batches ?? [b, 2 * b, 4 * b, 8 * b])].sort((x, y) => x - y);
    const g = scenario.grpo.num_generations;
    const bad = values.filter((v) => !Number.isInteger(v) || v <= 0 || v % g !== 0);
    if (bad.length)
      throw new UsageError(`--batches ${bad.join(', ')}: a per-device batch must be a positive multiple of num_generations (${g})`);
    out.push({ field: BATCH_FIELD, want: 'largest', values });
  }
  const vllm = scenario.workload === 'trl' && mode === 'colocate';
  if (o.axis === 'utilization' && !vllm)
    throw new UsageError(
      `--axis utilization: gpu_memory_utilization is a setting of the trl workload's colocate mode (this is ${scenario.workload}, ${mode})`,
    );
  if (o.axis !== 'batch' && vllm) {
    const u = scenario.modes.colocate!.vllm.gpu_memory_utilization;
    const values = [...new Set(o.utilizations ?? defaultUtilizations(u))].sort((x, y) => y - x);
    const bad = values.filter((v) => !(v > 0 && v <= 1));
    if (bad.length) throw new UsageError(`--utilizations ${bad.join(', ')}: a memory share is a fraction in (0, 1]`);
    out.push({ field: UTILIZATION_FIELD, want: 'smallest', values });
  }
  return out;
}

/** From the scenario's share down by 0.05 to 0.05, at most six values (each one vLLM start). */
export function defaultUtilizations(from: number): number[] {
  const out: number[] = [];
  for (let v = from; v > 0.049 && out.length < 6; v = Math.round((v - 0.05) * 100) / 100) out.push(v);
  return out;
}

/** Why a point is not run: an earlier point of its search did not run through (the search has its answer, or cannot go on). */
export function stopReason(field: string, recorded: readonly UnitRecord[], fieldOf: Map<string, string>): string | undefined {
  const stop = recorded.find(
    (r) => fieldOf.get(r.point) === field && r.status !== 'ok' && r.status !== 'planned' && r.status !== 'running',
  );
  if (!stop) return undefined;
  const memory = stop.error?.workload_error?.memory_error !== undefined;
  return stop.status === 'skipped'
    ? stop.error?.message
    : `${stop.point} ${memory ? 'did not fit' : `ended ${stop.status}`}: the search along ${field.split('.').at(-1)} stops there`;
}

function probeOf(point: string, value: ScalarValue & number, unit: UnitData | undefined, stepTime: number | undefined): Probe {
  const record = unit?.record;
  const memory = record?.error?.workload_error?.memory_error;
  const peak = unit ? peakOf(unit) : undefined;
  const measured = {
    ...(peak ? { peak_allocated_bytes: peak.bytes, peak_phase: peak.phase } : {}),
    ...(stepTime !== undefined && Number.isFinite(stepTime) ? { step_time_s: stepTime } : {}),
  };
  if (record?.status === 'ok') return { point, value, outcome: 'fits', ...measured };
  if (memory) return { point, value, outcome: 'out_of_memory', memory_error: memory, ...measured };
  if (!record || record.status === 'skipped' || record.status === 'planned')
    return { point, value, outcome: 'not_run', ...(record?.error ? { reason: record.error.message } : {}) };
  return { point, value, outcome: 'failed', reason: record.error?.message ?? record.status, ...measured };
}

/** The largest allocator peak among trainer rank 0's phases, and the phase it was in. */
function peakOf(unit: UnitData): { bytes: number; phase: string } | undefined {
  let best: { bytes: number; phase: string } | undefined;
  const rank0 = unit.events.find((f) => f.role === 'trainer' && f.rank === 0);
  for (const e of rank0?.parsed.events ?? []) {
    if (e.type !== 'phase') continue;
    const peak = (e as PhaseEvent).peak_allocated;
    if (peak !== undefined && (!best || peak > best.bytes)) best = { bytes: peak, phase: e.name };
  }
  return best;
}

export function formatHeadroom(h: Headroom): string {
  const gib = (b: number) => formatBinaryBytes(b);
  const lines = [
    `headroom of ${h.model} in ${h.mode} mode${h.gpu ? ` on ${h.gpu.name}${h.gpu.total_bytes ? ` (${gib(h.gpu.total_bytes)})` : ''}` : ''}`,
  ];
  for (const a of h.axes) {
    lines.push('', `  ${a.statement}`);
    for (const p of a.probes) {
      const facts = [
        p.outcome.replaceAll('_', ' '),
        ...(p.peak_allocated_bytes !== undefined ? [`peak ${gib(p.peak_allocated_bytes)}${p.peak_phase ? ` (${p.peak_phase})` : ''}`] : []),
        ...(p.step_time_s !== undefined ? [formatFigure({ value: p.step_time_s, unit: 's/step', precision: { decimals: 2 } })] : []),
        ...(p.reason && p.outcome !== 'fits' ? [p.reason] : []),
      ];
      lines.push(`    ${String(p.value).padStart(6)}  ${facts.join(' · ')}`);
    }
  }
  return lines.join('\n');
}
