// The launch plan: data only. Everything the supervisor starts is described here, so
// `grpo-bench plan --json` prints exactly what `run` will execute.
import type { z } from 'zod';
import type { PythonInfo } from '../env/libraries.ts';
import type { ModeName, Scenario } from '../scenario/schema.ts';
import type { PointInfo } from '../scenario/sweep.ts';
import type { ProbePlan } from './probe-plan.ts';

export type Role = 'trainer' | 'server';

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

export type { ProbePlan } from './probe-plan.ts';

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

/**
 * Where one unit's processes run and meet each other. On one machine everything is on
 * loopback; across nodes the values are placeholders (`{server_addr}` …) that the node agent
 * fills in on each node once the job has its nodes (src/launch/slurm/placeholders.ts).
 */
export interface UnitHosts {
  /** Folder the processes write their events and outputs to (the unit folder, or its node's folder). */
  dir: string;
  /** Address the generation server binds. */
  serverBind: string;
  /** Address trainers reach the generation server on. */
  serverAddr: string;
  /** Address of trainer rank 0's host: the trainers' rendezvous and the weight-sync store. */
  headAddr: string;
  /** The address of the host a process runs on, as its peers reach it. */
  selfAddr: string;
  /** Hosts the trainer ranks are spread over (ranks are split evenly), and which one this is. */
  trainerHosts: number;
  hostRank: string;
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

/** What a plan is made from besides the scenario: facts about the machine and the places to write. */
export interface PlanContext {
  /** Absolute path of the project root (where src/ lives). */
  root: string;
  /** Absolute path of the run's results folder. */
  runDir: string;
  python: string;
  /** GPUs visible on this machine; 0 means CPU. */
  gpuCount: number;
  /** Memory of the smallest GPU, for fit estimates; absent on CPU. */
  gpuMemoryBytes?: number;
  /** Versions of the workload Python's libraries (null: not installed), for version-specific plans. */
  libraries?: Record<string, string | null>;
  /** A fresh port each call. Injected so the plan stays a pure function in tests. */
  nextPort: () => number;
  /** Folder for things worth keeping between runs (materialised preset models); default `<root>/.cache`. */
  cacheDir?: string;
  /** Where a unit's processes run; absent: all on this machine (src/launch/hosts.ts). */
  hosts?: (unit: Omit<UnitPlan, 'processes'>) => UnitHosts;
}

/** A unit as its workload sees it before its processes exist: mode, devices and the batch the protocol fixed. */
export type UnitShell = Omit<UnitPlan, 'processes'>;

/** Whether this machine has what some of a workload's modes need (`doctor`). */
export interface WorkloadReadiness {
  modes: readonly ModeName[];
  ok: boolean;
  /** One line per missing piece, each saying how to get it. */
  missing: string[];
}

/** A workload adapter: one small contract, one module each, registered by name. */
/** A JSON document that crosses the language boundary, as a zod schema and where it is defined. */
export interface ContractSchema {
  schema: z.ZodType;
  /** Where its zod definition lives, for the generated file's comment. */
  source: string;
  title: string;
}

export interface WorkloadAdapter {
  name: Scenario['workload'];
  modes: readonly ModeName[];
  /** The --config its programs validate (schemas/<name>-config.schema.json, generated from it). */
  config: ContractSchema;
  /** What each mode needs of this machine and whether it has it (libraries in the workload Python, GPUs). */
  readiness(python: PythonInfo, gpuCount: number): WorkloadReadiness[];
  /** Problems that stop a run of these modes before any unit is planned (missing library, too few GPUs, unknown model …). */
  check(scenario: Scenario, device: 'cuda' | 'cpu', ctx: PlanContext, modes: readonly ModeName[]): string[];
  /** Problems of one planned unit, with its own devices and per-device batch (does it fit its GPUs …). */
  checkUnit?(scenario: Scenario, unit: UnitShell, ctx: PlanContext): string[];
  processes(scenario: Scenario, unit: UnitShell, ctx: PlanContext): ProcessSpec[];
  /**
   * Server mode's generation server exactly as processes() plans it, with a driver in place of the
   * trainer that sends the server what trainer rank 0 would for each point of `probe`. Workloads
   * without it cannot be profiled.
   */
  probeProcesses?(scenario: Scenario, unit: UnitShell, ctx: PlanContext, probe: ProbePlan): ProcessSpec[];
}
