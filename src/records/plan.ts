// The launch plan (plan.json): data only. Everything the supervisor starts is described here,
// so `grpo-bench plan --json` prints exactly what `run` will execute. The launcher's own
// interfaces (workload adapters, plan context) stay in workloads/types.ts.
import { z } from 'zod';
import type { Scenario } from '../scenario/schema.ts';
import { nonNegativeInt, positiveInt } from '../scenario/fields.ts';
import { Count, Mode, Role } from './common.ts';

export { Role } from './common.ts';

/** How the supervisor knows a process is ready to serve. */
export const Readiness = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('http'), url: z.string(), timeout_s: z.number() }),
  z.object({ kind: z.literal('none') }),
]);
export type Readiness = z.infer<typeof Readiness>;

export const ProcessSpec = z.object({
  /** Unique in its unit; names its log file (`logs/<name>.log`). */
  name: z.string(),
  role: Role,
  /** argv[0] is the executable. */
  argv: z.array(z.string()),
  /** Added to the harness's environment (which the child inherits). */
  env: z.record(z.string(), z.string()),
  cwd: z.string(),
  /** GPU indices this process may use (CUDA_VISIBLE_DEVICES); empty on CPU. */
  gpus: z.array(z.number()),
  /** Ports this process listens on, by purpose. */
  ports: z.record(z.string(), z.number()),
  ready: Readiness,
  /**
   * Event files this process writes, relative to the unit folder. A launcher that starts
   * several ranks (torchrun, accelerate) lists one per rank.
   */
  events: z.array(z.string()),
  /**
   * Whether the unit is finished when this process exits. Servers are not: they are ended
   * once every trainer is done.
   */
  finishes_unit: z.boolean(),
});
export type ProcessSpec = z.infer<typeof ProcessSpec>;

/** Device accounting of a unit: what the throughput normalisations divide by. */
export const DeviceAccount = z.object({
  kind: z.enum(['cuda', 'cpu']),
  /** GPU indices (cuda) or process slots (cpu) held by the mode, server included. */
  allocated: z.array(z.number()),
  training: z.array(z.number()),
  server: z.array(z.number()),
});
export type DeviceAccount = z.infer<typeof DeviceAccount>;

/** Per-step work of a unit, as the protocol fixed it. */
export const BatchPlan = z.object({
  per_device_train_batch_size: z.number(),
  training_devices: z.number(),
  /** Completions per optimizer step across all training devices. */
  global_batch: z.number(),
  num_generations: z.number(),
  /** Distinct prompts per optimizer step. */
  prompts_per_step: z.number(),
});
export type BatchPlan = z.infer<typeof BatchPlan>;

const ProbePoint = z.strictObject({ trainers: positiveInt, per_device_batch: positiveInt });

/** What a profile unit's driver sends: one request per point and repeat. */
export const ProbePlan = z
  .strictObject({
    /** One repeat's requests in order (odd repeats run backwards); each holds trainers × per_device_batch completions. */
    points: z.array(ProbePoint),
    repeats: positiveInt,
    /** Requests at the largest point before measuring (kernel compilation, CUDA-graph shapes, allocator). */
    warmup: nonNegativeInt,
    /** Points asked for that TRL could not run (trainers × batch not a multiple of num_generations). */
    skipped: z.array(z.strictObject({ ...ProbePoint.shape, why: z.string() })),
  })
  .meta({ description: 'The requests a profile driver sends: for each point, trainers × per_device_batch completions in one request.' });
export type ProbePlan = z.infer<typeof ProbePlan>;

/** One (sweep point, mode, repeat): the independent unit of measurement. */
export const UnitPlan = z.object({
  /** The id of its point in `RunPlan.points`. */
  point: z.string(),
  mode: Mode,
  repeat: Count,
  /** Relative to the run folder: `<mode>/r<k>` or `<point>/<mode>/r<k>` in a sweep. */
  dir: z.string(),
  devices: DeviceAccount,
  batch: BatchPlan,
  processes: z.array(ProcessSpec),
  /** A profile unit (`grpo-bench profile`): the server alone, sent what trainer rank 0 would send for each point. */
  probe: ProbePlan.optional(),
});
export type UnitPlan = z.infer<typeof UnitPlan>;

/** Something that stops `run` on this machine, shown as a warning by `plan`. */
export const PlanWarning = z.object({
  kind: z.literal('cannot_run_here'),
  /** The sweep point it concerns, in a sweep. */
  point: z.string().optional(),
  message: z.string(),
});
export type PlanWarning = z.infer<typeof PlanWarning>;

/** Device slots of one group of a unit on each of its nodes. */
export const SlurmGroup = z.object({
  role: Role,
  /** Indices into the job's node list. */
  nodes: z.array(z.number()),
  /** The unit's device slots (DeviceAccount numbers) on each of those nodes, in node order. */
  slots: z.array(z.array(z.number())),
});
export type SlurmGroup = z.infer<typeof SlurmGroup>;

export const SlurmUnit = z.object({
  dir: z.string(),
  /** The server group first (when the mode has one), then the trainers. */
  groups: z.array(SlurmGroup),
  /** What the node agents need of the unit's scenario (sweep points may differ). */
  timeout_s: z.number(),
  /** The scenario's telemetry settings, as its schema (scenario/schema.ts) checked them. */
  telemetry: z.custom<Scenario['telemetry']>((v) => typeof v === 'object' && v !== null),
});
export type SlurmUnit = z.infer<typeof SlurmUnit>;

/** The SLURM side of a plan: the job's shape and each unit's placement on its nodes. */
export const SlurmPlan = z.object({
  nodes: z.number(),
  /** GPUs per node (device cuda) or trainer processes per node (device cpu). */
  per_node: z.number(),
  /** Index-aligned with RunPlan.units. */
  units: z.array(SlurmUnit),
});
export type SlurmPlan = z.infer<typeof SlurmPlan>;

/** A sweep point as planned (scenario/sweep.ts PointInfo). */
const PlannedPoint = z.object({
  id: z.string(),
  values: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  label: z.string(),
});

// Keys in the order their problems are best reported in.
export const RunPlan = z.object({
  device: z.enum(['cuda', 'cpu']),
  /** Every sweep point (one, `default`, without a sweep) with its id, swept values and label, in sweep order. */
  points: z.array(PlannedPoint),
  /** Execution order; modes interleave across repeats so machine drift falls on both. */
  units: z.array(UnitPlan),
  scenario: z.string(),
  workload: z.custom<Scenario['workload']>((v) => typeof v === 'string'),
  /**
   * What the machine lacks for this plan (present only on a plan made to be read, `grpo-bench
   * plan`, which prints a plan anywhere; `run` refuses instead).
   */
  warnings: z.array(PlanWarning).optional(),
  /** Facts the plan was told to assume instead of probing them (`plan --gpus`, `--assume`). */
  assumed: z.object({ gpus: z.number().optional(), libraries: z.record(z.string(), z.string()).optional() }).optional(),
  /** Present when the units run as a SLURM batch job: which nodes each unit's processes go to. */
  slurm: SlurmPlan.optional(),
});
export type RunPlan = z.infer<typeof RunPlan>;

/** What the reader checks of a plan.json: the plan, with the points a plan written before they were named at plan time lacks (results/migrate.ts, planPoints). */
export const PlanShape = RunPlan.extend({ points: RunPlan.shape.points.optional() });
