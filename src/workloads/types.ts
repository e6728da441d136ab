// What the launcher works with besides the plan itself (records/plan.ts): the context a plan is
// made in, where a unit's processes run, and the workload adapter contract.
import type { z } from 'zod';
import type { PythonInfo } from '../env/libraries.ts';
import type { ModeName, Scenario } from '../scenario/schema.ts';
import type { ProbePlan, ProcessSpec, UnitPlan } from '../records/plan.ts';

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
  /** Where a unit's processes run; absent: all on this machine (src/workloads/hosts.ts). */
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

/** A JSON document that crosses the language boundary, as a zod schema and where it is defined. */
export interface ContractSchema {
  schema: z.ZodType;
  /** Where its zod definition lives, for the generated file's comment. */
  source: string;
  title: string;
}

/** A workload adapter: one small contract, one module each, registered by name. */
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
