// The launch plan (plan.json): data only. Everything the supervisor starts is described here,
// so `grpo-bench plan --json` prints exactly what `run` will execute. The launcher's own
// interfaces (workload adapters, plan context) stay in launch/types.ts.
import { z } from 'zod';
import type { ModeName, Scenario } from '../scenario/schema.ts';
import { nonNegativeInt, positiveInt } from '../scenario/fields.ts';
import type { PointInfo } from '../scenario/sweep.ts';
import { Count, Mode, Point, Role } from './common.ts';

export { Role } from './common.ts';

/** How the supervisor knows a process is ready to serve. */
export type Readiness = { kind: 'http'; url: string; timeout_s: number } | { kind: 'none' };

export interface ProcessSpec {
  /** Unique in its unit; names its log file (`logs/<name>.log`). */
  name: string;
  role: Role;
  /** argv[0] is the executable. */
  argv: string[];
  /** Added to the harness's environment (which the child inherits). */
  env: Record<string, string>;
  cwd: string;
  /** GPU indices this process may use (CUDA_VISIBLE_DEVICES); empty on CPU. */
  gpus: number[];
  /** Ports this process listens on, by purpose. */
  ports: Record<string, number>;
  ready: Readiness;
  /**
   * Event files this process writes, relative to the unit folder. A launcher that starts
   * several ranks (torchrun, accelerate) lists one per rank.
   */
  events: string[];
  /**
   * Whether the unit is finished when this process exits. Servers are not: they are ended
   * once every trainer is done.
   */
  finishes_unit: boolean;
}

/** Device accounting of a unit: what the throughput normalisations divide by. */
export interface DeviceAccount {
  kind: 'cuda' | 'cpu';
  /** GPU indices (cuda) or process slots (cpu) held by the mode, server included. */
  allocated: number[];
  training: number[];
  server: number[];
}

/** Per-step work of a unit, as the protocol fixed it. */
export interface BatchPlan {
  per_device_train_batch_size: number;
  training_devices: number;
  /** Completions per optimizer step across all training devices. */
  global_batch: number;
  num_generations: number;
  /** Distinct prompts per optimizer step. */
  prompts_per_step: number;
}

/** One (sweep point, mode, repeat): the independent unit of measurement. */
export interface UnitPlan {
  /** The id of its point in `RunPlan.points`. */
  point: string;
  mode: ModeName;
  repeat: number;
  /** Relative to the run folder: `<mode>/r<k>` or `<point>/<mode>/r<k>` in a sweep. */
  dir: string;
  devices: DeviceAccount;
  batch: BatchPlan;
  processes: ProcessSpec[];
  /** A profile unit (`grpo-bench profile`): the server alone, sent what trainer rank 0 would send for each point. */
  probe?: ProbePlan;
}

export interface RunPlan {
  scenario: string;
  workload: Scenario['workload'];
  device: 'cuda' | 'cpu';
  /** Every sweep point (one, `default`, without a sweep) with its id, swept values and label, in sweep order. */
  points: PointInfo[];
  /** Execution order; modes interleave across repeats so machine drift falls on both. */
  units: UnitPlan[];
  /**
   * What the machine lacks for this plan (present only on a plan made to be read, `grpo-bench
   * plan`, which prints a plan anywhere; `run` refuses instead).
   */
  warnings?: PlanWarning[];
  /** Facts the plan was told to assume instead of probing them (`plan --gpus`, `--assume`). */
  assumed?: { gpus?: number; libraries?: Record<string, string> };
  /** Present when the units run as a SLURM batch job: which nodes each unit's processes go to. */
  slurm?: SlurmPlan;
}

/** Something that stops `run` on this machine, shown as a warning by `plan`. */
export interface PlanWarning {
  kind: 'cannot_run_here';
  /** The sweep point it concerns, in a sweep. */
  point?: string;
  message: string;
}

/** Device slots of one group of a unit on each of its nodes. */
export interface SlurmGroup {
  role: Role;
  /** Indices into the job's node list. */
  nodes: number[];
  /** The unit's device slots (DeviceAccount numbers) on each of those nodes, in node order. */
  slots: number[][];
}

export interface SlurmUnit {
  dir: string;
  /** The server group first (when the mode has one), then the trainers. */
  groups: SlurmGroup[];
  /** What the node agents need of the unit's scenario (sweep points may differ). */
  timeout_s: number;
  telemetry: Scenario['telemetry'];
}

/** The SLURM side of a plan: the job's shape and each unit's placement on its nodes. */
export interface SlurmPlan {
  nodes: number;
  /** GPUs per node (device cuda) or trainer processes per node (device cpu). */
  per_node: number;
  /** Index-aligned with RunPlan.units. */
  units: SlurmUnit[];
}


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


export const DevicesShape = z.looseObject({ kind: z.enum(['cuda', 'cpu']), allocated: z.array(z.number()), training: z.array(z.number()), server: z.array(z.number()) });
export const BatchShape = z.looseObject({
  per_device_train_batch_size: z.number(),
  training_devices: z.number(),
  global_batch: z.number(),
  num_generations: z.number(),
  prompts_per_step: z.number(),
});

/** What the reader checks of a plan.json: the parts the analysis relies on; other fields pass through. */
export const PlanShape = z.looseObject({
  device: z.enum(['cuda', 'cpu']),
  /** Absent in a plan.json written before points were named at plan time (results/migrate.ts, planPoints). */
  points: z.array(Point).optional(),
  units: z.array(
    z.looseObject({
      point: z.string(),
      mode: Mode,
      repeat: Count,
      dir: z.string(),
      devices: DevicesShape,
      batch: BatchShape,
      processes: z.array(z.looseObject({ name: z.string(), role: Role, events: z.array(z.string()) })),
    }),
  ),
  scenario: z.string(),
  workload: z.string(),
});
