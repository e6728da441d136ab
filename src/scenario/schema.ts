// The scenario file's schema: what a scenario may hold. The core fields are here; each
// workload's own settings are defined in its folder (src/workloads/<name>/settings.ts),
// registered once in src/workloads/registry.ts, and placed into this schema from there, so the
// file format stays one document.
// Every object is strict, so a misspelt key is an error rather than a silently ignored setting.
import { z } from 'zod';
import { WORKLOAD_NAMES, workloadSettings } from '../workloads/registry.ts';
import { nonNegativeInt, positiveInt } from './fields.ts';

/** A device set: a count (the first free devices, or processes on CPU) or explicit GPU indices. */
export const DeviceSet = z.union([
  positiveInt,
  z
    .array(nonNegativeInt)
    .nonempty()
    .refine((a) => new Set(a).size === a.length, 'device indices must be distinct'),
]);
export type DeviceSet = z.infer<typeof DeviceSet>;

/** GRPOConfig fields both workloads understand; TRL's names and meanings. */
export const GrpoSettings = z.strictObject({
  /** Completions per training device per optimizer step (TRL's meaning). */
  per_device_train_batch_size: positiveInt.default(8),
  num_generations: positiveInt.default(4),
  max_prompt_length: positiveInt.default(32),
  max_completion_length: positiveInt.default(32),
  gradient_accumulation_steps: positiveInt.default(1),
  learning_rate: z.number().positive().default(1e-5),
  beta: z.number().nonnegative().default(0),
  temperature: z.number().positive().default(1.0),
});
export type GrpoSettings = z.infer<typeof GrpoSettings>;

export const ServerMode = z.strictObject({
  devices: z.strictObject({ server: DeviceSet, trainer: DeviceSet }),
  /** Address the generation server binds; loopback unless a multi-host setup needs otherwise. */
  host: z.string().default('127.0.0.1'),
  ...workloadSettings('server'),
});
export type ServerMode = z.infer<typeof ServerMode>;

export const ColocateMode = z.strictObject({
  devices: DeviceSet,
  ...workloadSettings('colocate'),
});
export type ColocateMode = z.infer<typeof ColocateMode>;

/** TRL without vLLM (use_vllm=False): generation through transformers on the training devices. */
export const HfMode = z.strictObject({ devices: DeviceSet });
export type HfMode = z.infer<typeof HfMode>;

export const Modes = z
  .strictObject({
    server: ServerMode.optional(),
    colocate: ColocateMode.optional(),
    hf: HfMode.optional(),
  })
  .refine((m) => Object.values(m).some((v) => v !== undefined), 'at least one mode is needed');
export type Modes = z.infer<typeof Modes>;
export type ModeName = keyof Modes;
export const MODE_NAMES: readonly ModeName[] = ['server', 'colocate', 'hf'];

/** Where a run's units execute: `local` (this machine) or `slurm` (a batch job on a cluster; docs/slurm.md). */
export const LAUNCHERS = ['local', 'slurm'] as const;
export type LauncherName = (typeof LAUNCHERS)[number];

/** sbatch's --time formats: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS. */
const SLURM_TIME = /^(\d+-\d+(:\d+){0,2}|\d+(:\d+){0,2})$/;

/** The `slurm` launcher's settings (docs/slurm.md); read only when the launcher is slurm. */
export const SlurmSettings = z.strictObject({
  partition: z.string().min(1).optional(),
  account: z.string().min(1).optional(),
  /** The job's time limit (sbatch --time); the partition's default when absent. */
  time_limit: z.union([positiveInt, z.string().regex(SLURM_TIME, 'expected minutes or [D-]HH:MM:SS as sbatch --time takes it')]).optional(),
  /** GPUs of one node the job takes (--gres=gpu:N); with device: cpu, the trainer processes per node. */
  gpus_per_node: positiveInt.optional(),
  /** Further sbatch options, one `#SBATCH` line each, e.g. `--qos=high`. */
  sbatch: z.array(z.string().regex(/^-/, 'expected an sbatch option such as --qos=high')).default([]),
  /** Variables the job script exports on every node (NCCL_SOCKET_IFNAME, HF_HOME …). */
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name'), z.string()).default({}),
});
export type SlurmSettings = z.infer<typeof SlurmSettings>;

/** A named environment the run's units may run in (docs/scenarios.md "Variants"). */
export const Variant = z.strictObject({
  /** An interpreter or a virtual environment's python; `${VAR}` is expanded, a relative path is read from the working folder. */
  python: z.string().min(1),
  /** Import paths put first on PYTHONPATH (an installed bundle's variant folder). */
  pythonpath: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name'), z.string()).default({}),
  /** Library → version the environment must hold (`trl: 1.16.0`); the run is refused before it starts when it does not. */
  expect: z.record(z.string(), z.union([z.string(), z.number()]).transform(String)).default({}),
});
export type Variant = z.infer<typeof Variant>;

export const Scenario = z
  .strictObject({
    name: z.string().min(1),
    description: z.string().optional(),
    workload: z.enum(WORKLOAD_NAMES),
    /** `preset:<name>` (random weights from a config), a hub id, or a local folder. */
    model: z.string().min(1),
    /** `auto`: GPUs when the machine has them, else CPU. */
    device: z.enum(['auto', 'cpu', 'cuda']).default('auto'),
    seed: nonNegativeInt.default(0),
    grpo: GrpoSettings.prefault({}),
    /** `fixed`: every completion is exactly max_completion_length tokens, so both modes do the same work. */
    completions: z.enum(['fixed', 'natural']).default('fixed'),
    protocol: z.enum(['equal_per_device_batch', 'equal_global_batch']).default('equal_per_device_batch'),
    steps: positiveInt.default(10),
    warmup_steps: nonNegativeInt.default(2),
    repeats: positiveInt.default(1),
    modes: Modes,
    ...workloadSettings('scenario'),
    telemetry: z
      .strictObject({
        interval_ms: z.number().int().min(20).max(60_000).default(200),
        /** GPU sampler: `auto` uses NVML (GPM, energy counter) where pynvml imports, else the nvidia-smi stream. */
        source: z.enum(['auto', 'nvml', 'nvidia-smi']).default('auto'),
        /** false: no sampler runs (what measuring costs is measured against this). */
        enabled: z.boolean().default(true),
      })
      .prefault({}),
    timeouts: z
      .strictObject({
        /** Seconds for a server to answer its health probe. */
        ready_s: z.number().positive().default(600),
        /** Seconds for one (mode, repeat) from launch to the last process's exit. */
        run_s: z.number().positive().default(3600),
      })
      .prefault({}),
    launcher: z.enum(LAUNCHERS).default('local'),
    slurm: SlurmSettings.prefault({}),
    /** A published figure the run is meant to reproduce; shown beside the measured one, judged by `grpo-bench reproduce`. */
    claim: z
      .strictObject({
        /** The published figure; absent for a claim about the trend alone. */
        value: z.number().positive().optional(),
        /** A claim about how the metric moves along the sweep (e.g. "more TP reduces throughput"). */
        trend: z.enum(['increasing', 'decreasing']).optional(),
        /** throughput_ratio: colocate ÷ server completion tokens/s of the whole job (GPU counts may differ). */
        metric: z.enum(['speedup_per_training_device', 'speedup_per_allocated_device', 'throughput_ratio']),
        /** Where the claim holds: the last sweep point, the sweep's maximum ("up to"), or the point with these swept values. */
        at: z.union([z.enum(['last', 'max']), z.record(z.string(), z.union([z.number(), z.string(), z.boolean()]))]).default('last'),
        /** Relative: reproduced when the claim lies within the interval widened by tolerance × claim on each side. */
        tolerance: z.number().positive().lt(1).default(0.1),
        source: z.string(),
        /** How the source measured and normalised (GPUs, batch protocol, the 8/7 factor). */
        method: z.string().optional(),
        /** The preset whose profile predicts the claim (same shapes, random weights) when `model` itself is not profiled. */
        stand_in: z.string().optional(),
        /** What the sources leave unstated, and what the scenario assumes in its place. */
        unstated: z.array(z.string()).default([]),
        assumed: z.array(z.string()).default([]),
      })
      .refine((c) => c.value !== undefined || c.trend !== undefined, 'a claim needs a value, a trend, or both')
      .optional(),
    /** Named environments: every unit runs in each, interleaved (src/scenario/variants.ts). */
    variants: z
      .record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'expected a folder-safe variant name (letters, digits, . _ -)'), Variant)
      .optional(),
    /** The variant the others are compared against; default the first listed. */
    baseline: z.string().min(1).optional(),
  })
  .superRefine((s, ctx) => {
    const names = Object.keys(s.variants ?? {});
    if (s.baseline !== undefined && !names.includes(s.baseline)) {
      ctx.addIssue({
        code: 'custom',
        path: ['baseline'],
        message: names.length
          ? `'${s.baseline}' is not a variant (the scenario has: ${names.join(', ')})`
          : 'baseline names a variant, but the scenario has no variants',
      });
    }
    if (s.variants && names.length === 0) ctx.addIssue({ code: 'custom', path: ['variants'], message: 'expected at least one variant' });
  });
export type Scenario = z.infer<typeof Scenario>;
