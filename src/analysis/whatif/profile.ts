// A profile: the measured halves of a GRPO step that the what-if model (model.ts) composes.
//   server half  — how long the generation server takes to answer one request holding K
//                  trainers' prompts (n = num_generations), per completions in the request;
//   trainer half — a step's time outside generation, per per-device batch;
//   colocate's own costs — generating one rank's share, loading weights in-process, sleep/wake.
// Built from results folders: `grpo-bench profile` probe units (a driver standing in for
// trainer rank 0), and ordinary server, colocate and hf runs. Pure over RunData; docs/metrics.md
// "What-if model" defines every field.
import { z } from 'zod';
import { UserError } from '../../errors.ts';
import {
  PROFILE_SCHEMA_VERSION,
  Profile as ProfileRecord,
  type GenerationPoint,
  type Profile,
  type RunSamples,
  type ServerCurve,
  type TrainerHalf,
} from '../../records/profile.ts';
import type { RunData, UnitData } from '../../results/read.ts';
import type { ModeName, Scenario } from '../../scenario/schema.ts';
import { expandPoints } from '../../scenario/sweep.ts';
import { PRESETS, presetName } from '../../workloads/common/presets.ts';
import { parameterCount } from '../../workloads/synthetic/fit.ts';
import { runLevelEstimate, type RunLevelEstimate } from '../inference/intervals.ts';
import { mean, unionLength } from '../inference/stats.ts';
import { eventsOf, trainerFiles, unitSteps } from '../summary/steps.ts';

/** A profile.json read back; `file` names it in errors. */
export function parseProfile(json: unknown, file: string): Profile {
  const parsed = ProfileRecord.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `  ${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new UserError(
      `${file}: not a grpo-bench profile\n${issues.join('\n')}`,
      'Pass the profile.json written by `grpo-bench profile`, or a results folder.',
    );
  }
  return parsed.data;
}

/** The fields a profile driver adds to its `phase` events (docs/events.md "Profile driver"). */
const ProbePhase = z.looseObject({
  name: z.literal('generate'),
  dur: z.number().nonnegative(),
  trainers: z.number().int().positive(),
  per_device_batch: z.number().int().positive(),
  prompts: z.number().int().positive(),
  completions: z.number().int().positive(),
  tokens: z.number().int().nonnegative().optional(),
  warmup: z.boolean(),
});

/** Names of the phases that are generation-side work; a step's compute is what lies outside all of them. */
const GENERATION_SIDE = ['generate', 'weight_sync', 'sleep', 'wake'] as const;

/**
 * One profile from any mix of results folders (probe units, server / colocate / hf runs) of the
 * same model and lengths. Pure: reads only the RunData given.
 */
export function buildProfile(runs: readonly RunData[]): Profile {
  const first = runs[0];
  if (!first) throw new UserError('no results folder to build a profile from');
  // A sweep's units each run their point's scenario (the model, sleep mode, batch swept), so
  // every unit is joined and described by its own, never by the run's base scenario.
  const scenarioOf = new Map(runs.map((r) => [r, unitScenarios(r)]));
  const firstUnit = first.units[0];
  const s0 = firstUnit ? scenarioOf.get(first)!(firstUnit) : first.manifest.scenario;
  const id0 = profileIdentity(s0);
  for (const r of runs) {
    for (const unit of r.units) {
      const id = profileIdentity(scenarioOf.get(r)!(unit));
      const differs = (Object.keys(id0) as (keyof ProfileIdentity)[]).filter((k) => id[k] !== id0[k]);
      if (differs.length > 0) {
        throw new UserError(
          `${r.dir}/${unit.plan.dir}: cannot join ${first.dir} in one profile: ${differs.map((k) => `${k} ${JSON.stringify(id[k])} vs ${JSON.stringify(id0[k])}`).join(', ')}`,
          'A profile describes one model at one prompt/completion length and num_generations: pass the folders (or run the points) of one model.',
        );
      }
    }
  }
  const notes: string[] = [];
  const curves = new Map<string, ServerCurve>();
  const trainer: TrainerHalf[] = [];
  const tokens = { completions: 0, tokens: 0 };
  let syncBytes: number | undefined;
  const sources: Profile['sources'] = [];

  for (const run of runs) {
    const used: string[] = [];
    for (const unit of run.units) {
      const scenario = scenarioOf.get(run)!(unit);
      const id = `${run.manifest.run_id}/${unit.plan.dir}`;
      if (unit.plan.probe) {
        const n = addProbe(unit, scenario, id, curves, tokens, notes);
        if (n > 0) used.push(unit.plan.dir);
        continue;
      }
      const half = trainerHalf(unit, scenario, id, notes);
      if (!half) continue;
      used.push(unit.plan.dir);
      tokens.completions += half.samples;
      tokens.tokens += half.completionTokens;
      if (half.syncBytes !== undefined) syncBytes ??= half.syncBytes;
      mergeHalf(trainer, half.half);
      if (unit.plan.mode === 'server') addServerRunPoint(unit, scenario, half, id, curves);
    }
    sources.push({ run_id: run.manifest.run_id, dir: run.dir, units: used });
  }
  for (const c of curves.values()) c.points.sort((a, b) => a.completions - b.completions || a.trainers - b.trainers);
  trainer.sort(
    (a, b) => a.mode.localeCompare(b.mode) || a.per_device_batch - b.per_device_batch || Number(a.sleep_mode) - Number(b.sleep_mode),
  );
  if (curves.size === 0) notes.push('no server half: no probe units and no server-mode run with measured steps');
  if (trainer.length === 0) notes.push('no trainer half: no colocate, hf or server run with measured steps');

  const device = first.plan.device;
  return {
    schema_version: PROFILE_SCHEMA_VERSION,
    kind: 'grpo-bench-profile',
    scenario: s0.name,
    workload: s0.workload,
    model: s0.model,
    device_kind: device,
    device_name:
      typeof first.manifest.fingerprint?.environment?.gpu_name === 'string' ? first.manifest.fingerprint.environment.gpu_name : null,
    shape: {
      num_generations: s0.grpo.num_generations,
      max_prompt_length: s0.grpo.max_prompt_length,
      max_completion_length: s0.grpo.max_completion_length,
      completion_tokens_per_sample: tokens.completions > 0 ? tokens.tokens / tokens.completions : s0.grpo.max_completion_length,
    },
    parameter_bytes: parameterBytes(s0.model, device, syncBytes),
    server: [...curves.values()].sort(
      (a, b) => a.tensor_parallel_size - b.tensor_parallel_size || a.data_parallel_size - b.data_parallel_size,
    ),
    trainer,
    sources,
    notes,
  };
}

/** What one profile describes (the work per sample): units that differ in any of these cannot be joined. */
export type ProfileIdentity = Pick<Scenario, 'model' | 'workload'> &
  Pick<Scenario['grpo'], 'num_generations' | 'max_prompt_length' | 'max_completion_length'>;

export function profileIdentity(s: Scenario): ProfileIdentity {
  const { num_generations, max_prompt_length, max_completion_length } = s.grpo;
  return { model: s.model, workload: s.workload, num_generations, max_prompt_length, max_completion_length };
}

/**
 * Results folders split into the groups that each make one profile, unit by unit (a sweep's points
 * may be of different models), in the order first met; a folder spanning groups appears in each
 * with its units of that group.
 */
export function groupForProfiles(runs: readonly RunData[]): RunData[][] {
  const groups = new Map<string, RunData[]>();
  for (const run of runs) {
    const scenarioOf = unitScenarios(run);
    const byKey = new Map<string, UnitData[]>();
    for (const unit of run.units) {
      const key = JSON.stringify(profileIdentity(scenarioOf(unit)));
      byKey.set(key, [...(byKey.get(key) ?? []), unit]);
    }
    for (const [key, units] of byKey) groups.set(key, [...(groups.get(key) ?? []), { ...run, units }]);
  }
  return [...groups.values()];
}

/** Each unit's scenario: the run's, with its sweep point's values set. */
function unitScenarios(run: RunData): (unit: UnitData) => Scenario {
  const byPoint = new Map(expandPoints(run.manifest.scenario, run.plan.points, run.dir).map((p) => [p.id, p.scenario]));
  return (unit) => byPoint.get(unit.plan.point) ?? run.manifest.scenario;
}

function parameterBytes(model: string, device: 'cuda' | 'cpu', synced: number | undefined): Profile['parameter_bytes'] {
  if (synced !== undefined && synced > 0) return { value: synced, source: 'bytes reported by the weight_sync phases' };
  const preset = presetName(model);
  const shape = preset !== undefined ? PRESETS[preset] : undefined;
  if (!shape) return null;
  const bytes = device === 'cuda' ? 2 : 4;
  return {
    value: parameterCount(shape) * bytes,
    source: `preset ${preset}: ${parameterCount(shape).toLocaleString('en-US')} parameters × ${bytes} bytes (${device === 'cuda' ? 'bf16' : 'float32'})`,
  };
}

function curveFor(curves: Map<string, ServerCurve>, layout: { tp: number; dp: number; share?: number }): ServerCurve {
  const { tp, dp, share } = layout;
  // A server at another memory share is another curve, not more repeats of this one.
  const key = `${tp}x${dp}@${share ?? ''}`;
  let c = curves.get(key);
  if (!c)
    curves.set(
      key,
      (c = {
        tensor_parallel_size: tp,
        data_parallel_size: dp,
        ...(share !== undefined ? { gpu_memory_utilization: share } : {}),
        points: [],
      }),
    );
  return c;
}

/** The server layout a scenario asks for: vLLM's sizes (trl), or one replica per server device (synthetic). */
function serverLayout(unit: UnitData, scenario: Scenario): { tp: number; dp: number; share?: number } {
  if (scenario.workload === 'trl') {
    const v = scenario.modes.server?.vllm;
    return { tp: v?.tensor_parallel_size ?? 1, dp: v?.data_parallel_size ?? 1, ...(v ? { share: v.gpu_memory_utilization } : {}) };
  }
  return { tp: 1, dp: Math.max(1, unit.plan.devices.server.length) };
}

function addPoint(curve: ServerCurve, p: Omit<GenerationPoint, 'seconds' | 'from'>, seconds: number[], from: string): void {
  const same = curve.points.find((x) => x.trainers === p.trainers && x.per_device_batch === p.per_device_batch && x.source === p.source);
  if (same) {
    same.seconds.push(seconds);
    if (!same.from.includes(from)) same.from.push(from);
  } else curve.points.push({ ...p, seconds: [seconds], from: [from] });
}

/** A probe unit's requests (warm-up left out), one run of samples per (trainers, batch). */
function addProbe(
  unit: UnitData,
  scenario: Scenario,
  id: string,
  curves: Map<string, ServerCurve>,
  tokens: { completions: number; tokens: number },
  notes: string[],
): number {
  const driver = trainerFiles(unit).find((f) => f.rank === 0);
  const phases = eventsOf(driver, 'phase')
    .map((e) => ProbePhase.safeParse(e))
    .filter((r) => r.success)
    .map((r) => r.data);
  const measured = phases.filter((p) => !p.warmup);
  if (measured.length === 0) {
    notes.push(
      `${id}: probe unit without measured requests${unit.record?.status && unit.record.status !== 'ok' ? ` (${unit.record.status})` : ''}`,
    );
    return 0;
  }
  const curve = curveFor(curves, serverLayout(unit, scenario));
  const groups = new Map<string, typeof measured>();
  for (const p of measured) {
    const key = `${p.trainers}x${p.per_device_batch}`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
    if (p.tokens !== undefined) {
      tokens.completions += p.completions;
      tokens.tokens += p.tokens;
    }
  }
  for (const g of groups.values()) {
    const p = g[0]!;
    addPoint(
      curve,
      { completions: p.completions, trainers: p.trainers, per_device_batch: p.per_device_batch, prompts: p.prompts, source: 'probe' },
      g.map((x) => x.dur),
      id,
    );
  }
  if (unit.record?.status && unit.record.status !== 'ok')
    notes.push(`${id}: ${unit.record.status}; its ${measured.length} finished request(s) are used`);
  return measured.length;
}

interface MeasuredHalf {
  half: TrainerHalf;
  samples: number;
  completionTokens: number;
  syncBytes?: number;
}

/**
 * A run's measured steps split into compute, generate, weight sync and sleep/wake without
 * counting any second twice: with U(·) the length of the union of rank 0's phase intervals in a
 * step, generate = U(generate); weight sync = U(generate, weight_sync, sleep, wake) −
 * U(generate, sleep, wake); sleep/wake = U(generate, sleep, wake) − U(generate); compute = the
 * step − U(generate, weight_sync, sleep, wake).
 */
function trainerHalf(unit: UnitData, scenario: Scenario, id: string, notes: string[]): MeasuredHalf | undefined {
  const steps = unitSteps(unit, scenario.warmup_steps, []).measured;
  if (steps.length === 0) return undefined;
  const rank0 = trainerFiles(unit).find((f) => f.rank === 0);
  const byStep = new Map<number, { name: string; t0: number; t1: number }[]>();
  for (const p of eventsOf(rank0, 'phase')) {
    if (!(GENERATION_SIDE as readonly string[]).includes(p.name)) continue;
    byStep.set(p.step, [...(byStep.get(p.step) ?? []), p]);
  }
  const cut = (names: readonly string[], ivs: { name: string; t0: number; t1: number }[], a: number, b: number) =>
    unionLength(
      ivs.filter((i) => names.includes(i.name)),
      a,
      b,
    );
  const compute: number[] = [];
  const generate: number[] = [];
  const sync: number[] = [];
  const sleepWake: number[] = [];
  for (const s of steps) {
    const ivs = byStep.get(s.step) ?? [];
    const all = cut(GENERATION_SIDE, ivs, s.t0, s.t1);
    const gen = cut(['generate'], ivs, s.t0, s.t1);
    const genSleep = cut(['generate', 'sleep', 'wake'], ivs, s.t0, s.t1);
    compute.push(Math.max(0, s.duration_s - all));
    generate.push(gen);
    sync.push(all - genSleep);
    sleepWake.push(genSleep - gen);
  }
  if (unit.record?.status && unit.record.status !== 'ok')
    notes.push(`${id}: ${unit.record.status}; its ${steps.length} measured step(s) are used`);
  const colocate = scenario.modes.colocate;
  const mode = unit.plan.mode;
  const syncBytes = steps.find((r) => r.weight_sync_bytes !== undefined && r.weight_sync_bytes > 0)?.weight_sync_bytes;
  return {
    half: {
      mode,
      per_device_batch: unit.plan.batch.per_device_train_batch_size,
      training_devices: unit.plan.devices.training.length,
      sleep_mode:
        mode === 'colocate' && colocate !== undefined && (scenario.workload === 'trl' ? colocate.vllm.enable_sleep_mode : colocate.sleep),
      tensor_parallel_size: mode === 'colocate' && scenario.workload === 'trl' && colocate ? colocate.vllm.tensor_parallel_size : 1,
      ...(mode === 'colocate' && scenario.workload === 'trl' && colocate
        ? { gpu_memory_utilization: colocate.vllm.gpu_memory_utilization }
        : {}),
      compute_s: [compute],
      generate_s: [generate],
      weight_sync_s: [sync],
      sleep_wake_s: [sleepWake],
      ...(syncBytes !== undefined ? { weight_sync_bytes: syncBytes } : {}),
      from: [id],
    },
    samples: steps.reduce((a, r) => a + r.samples, 0),
    completionTokens: steps.reduce((a, r) => a + r.completion_tokens, 0),
    ...(syncBytes !== undefined ? { syncBytes } : {}),
  };
}

/** Repeats of the same (mode, batch, ranks, sleep, tp, memory share) become runs of one half. */
function mergeHalf(all: TrainerHalf[], h: TrainerHalf): void {
  const same = all.find(
    (x) =>
      x.mode === h.mode &&
      x.per_device_batch === h.per_device_batch &&
      x.training_devices === h.training_devices &&
      x.sleep_mode === h.sleep_mode &&
      x.tensor_parallel_size === h.tensor_parallel_size &&
      x.gpu_memory_utilization === h.gpu_memory_utilization,
  );
  if (!same) {
    all.push(h);
    return;
  }
  for (const k of ['compute_s', 'generate_s', 'weight_sync_s', 'sleep_wake_s'] as const) same[k].push(...h[k]);
  same.from.push(...h.from);
  same.weight_sync_bytes ??= h.weight_sync_bytes;
}

/** A server-mode run is one point of the server curve: its trainers' prompts, as rank 0 waited for them. */
function addServerRunPoint(unit: UnitData, scenario: Scenario, m: MeasuredHalf, id: string, curves: Map<string, ServerCurve>): void {
  const layout = serverLayout(unit, scenario);
  const b = unit.plan.batch;
  addPoint(
    curveFor(curves, layout),
    {
      completions: b.global_batch,
      trainers: b.training_devices,
      per_device_batch: b.per_device_train_batch_size,
      prompts: b.prompts_per_step,
      source: 'server-run',
    },
    m.half.generate_s[0]!,
    id,
  );
}

/** A profile's figures for display, computed once here: per-run means, the run as the unit (inference.ts). */
export interface ProfileView {
  server: {
    tensor_parallel_size: number;
    data_parallel_size: number;
    rows: {
      completions: number;
      trainers: number;
      per_device_batch: number;
      prompts: number;
      source: GenerationPoint['source'];
      requests: number;
      seconds: RunLevelEstimate;
      completion_tokens_per_s: number;
    }[];
  }[];
  trainer: {
    mode: ModeName;
    per_device_batch: number;
    training_devices: number;
    sleep_mode: boolean;
    tensor_parallel_size: number;
    steps: number;
    compute_s: RunLevelEstimate;
    generate_s: RunLevelEstimate;
    weight_sync_s: RunLevelEstimate;
    sleep_wake_s: RunLevelEstimate;
  }[];
}

/**
 * Each figure is the mean of its samples per run; over two runs or more their geometric mean with
 * a t interval, with one run that run's mean and the spread of its samples (not a confidence interval).
 */
export function profileView(p: Profile): ProfileView {
  const est = (s: RunSamples) => {
    const runs = s.filter((r) => r.length > 0);
    return runLevelEstimate(runs.map(mean), undefined, runs.length === 1 ? runs[0] : []);
  };
  const L = p.shape.completion_tokens_per_sample;
  return {
    server: p.server.map((c) => ({
      tensor_parallel_size: c.tensor_parallel_size,
      data_parallel_size: c.data_parallel_size,
      rows: c.points.map((pt) => {
        const seconds = est(pt.seconds);
        return {
          completions: pt.completions,
          trainers: pt.trainers,
          per_device_batch: pt.per_device_batch,
          prompts: pt.prompts,
          source: pt.source,
          requests: pt.seconds.flat().length,
          seconds,
          completion_tokens_per_s: (pt.completions * L) / seconds.value,
        };
      }),
    })),
    trainer: p.trainer.map((h) => ({
      mode: h.mode,
      per_device_batch: h.per_device_batch,
      training_devices: h.training_devices,
      sleep_mode: h.sleep_mode,
      tensor_parallel_size: h.tensor_parallel_size,
      steps: h.compute_s.reduce((n, r) => n + r.length, 0),
      compute_s: est(h.compute_s),
      generate_s: est(h.generate_s),
      weight_sync_s: est(h.weight_sync_s),
      sleep_wake_s: est(h.sleep_wake_s),
    })),
  };
}
