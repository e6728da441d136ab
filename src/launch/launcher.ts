// Where a run's units execute is an interface, not an if: a launcher plans every unit's processes
// (or the batch job that will start them), starts them, follows them until each unit's outcome is
// recorded, and cancels what runs when the run is interrupted. The run engine (engine.ts) and the
// `plan` command ask the launcher the scenario names and never which one it is.
import type { Scenario } from '../scenario/schema.ts';
import type { SweepPoint } from '../scenario/sweep.ts';
import type { RunStore } from '../results/store.ts';
import type { UnitRecord } from '../records/manifest.ts';
import type { PlanOptions } from './plan.ts';
import type { PlanContext } from '../workloads/types.ts';
import type { RunPlan, UnitPlan } from '../records/plan.ts';

/** What a launcher needs besides the plan to write what it submits (a job script). */
export interface ScriptContext {
  scenario: Scenario;
  runDir: string;
  root: string;
  python: string;
}

export interface LaunchRun extends ScriptContext {
  plan: RunPlan;
  store: RunStore;
  /** The scenario a unit runs with (its sweep point's). */
  scenarioOf: (unit: UnitPlan) => Scenario;
  /** Aborted on Ctrl-C (or SIGTERM/SIGHUP): the launcher cancels what runs and returns. */
  signal: AbortSignal;
  /** A reason not to start a unit, given the units recorded so far (headroom ends a search at its first failure). */
  skip?: (unit: UnitPlan, recorded: readonly UnitRecord[]) => string | undefined | Promise<string | undefined>;
}

export interface LaunchResult {
  /** The signal ended the run. */
  interrupted: boolean;
  /** Why the units were cut short by something other than the user (a scheduler's time limit), else null. */
  endedEarly: string | null;
}

export interface Launcher {
  /** Whether the units run on this machine, so that its GPUs are the plan's devices. */
  readonly onThisMachine: boolean;
  /** Whether it can decide before each unit, from those recorded so far, not to start it (headroom's search). */
  readonly skipsUnits: boolean;
  /** Every unit's processes, in order: pure, so `plan` prints exactly what `run` executes. */
  plan(points: readonly SweepPoint[], ctx: PlanContext, options: PlanOptions): RunPlan;
  /** What is submitted instead of starting processes here (a batch job script), when there is one. */
  script?(plan: RunPlan, ctx: ScriptContext): string;
  /** Where the plan runs, for the run's first line. */
  where(plan: RunPlan, gpusHere: number): string;
  /** Starts the units, follows them, records each outcome in the store as soon as it is known; cancels on the signal. */
  run(o: LaunchRun): Promise<LaunchResult>;
}
