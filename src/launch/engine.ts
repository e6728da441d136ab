// The run engine: writes manifest.json and plan.json, hands the plan to its launcher, which
// records each unit's outcome as soon as it is known (so a failure or Ctrl-C later loses nothing
// measured before), and completes the manifest. `run`, `profile`, `headroom` and `calibrate`
// share it; it never asks which launcher it has.
import path from 'node:path';
import { UsageError } from '../errors.ts';
import type { Scenario } from '../scenario/schema.ts';
import type { PythonInfo } from '../env/libraries.ts';
import { gitState, harnessVersion } from '../env/harness.ts';
import type { Inventory } from '../telemetry/inventory.ts';
import { fingerprint } from '../telemetry/fingerprint.ts';
import { RESULTS_SCHEMA_VERSION, type Manifest, type UnitRecord } from '../records/manifest.ts';
import { RunStore } from '../results/store.ts';
import { compileCacheSettings } from '../env/compile-cache.ts';
import { variantRecord, type ResolvedVariant } from '../env/variant-probe.ts';
import { RUN_FILES } from '../results/layout.ts';
import type { Launcher, LaunchRun } from './launcher.ts';
import type { RunPlan, UnitPlan } from '../records/plan.ts';

export interface ExecuteOptions {
  plan: RunPlan;
  launcher: Launcher;
  runId: string;
  runDir: string;
  root: string;
  /** The workload Python, named in a job script. */
  python: string;
  scenarioFile: string;
  scenario: Scenario;
  sweep?: Record<string, unknown[]>;
  /** The machine and the workload Python, for the manifest's fingerprint. */
  inventory: Inventory;
  pythonInfo: PythonInfo;
  /** The scenario a unit runs with (its sweep point's). */
  /** The scenario's variants as probed; recorded in the manifest. */
  variants?: readonly ResolvedVariant[];
  pointScenario: (unit: UnitPlan) => Scenario;
  signal?: AbortSignal;
  skip?: LaunchRun['skip'];
}

export interface ExecuteResult {
  runStatus: Manifest['status'];
  interrupted: boolean;
  ok: number;
  total: number;
}

export async function executePlan(o: ExecuteOptions): Promise<ExecuteResult> {
  const { plan, runDir } = o;
  if (o.skip && !o.launcher.skipsUnits) {
    throw new UsageError(
      `a run that skips units as it goes (headroom) runs on this machine, not with the ${o.scenario.launcher} launcher`,
      'Use --launcher local.',
    );
  }
  const git = gitState(o.root);
  const manifest: Manifest = {
    schema_version: RESULTS_SCHEMA_VERSION,
    run_id: o.runId,
    status: 'running',
    started: new Date().toISOString(),
    harness: { version: harnessVersion(), git_sha: git.sha, git_dirty: git.dirty, node: process.version },
    scenario_file: path.resolve(o.scenarioFile),
    scenario: o.scenario,
    ...(o.sweep ? { sweep: o.sweep } : {}),
    command: process.argv.slice(1),
    fingerprint: fingerprint(o.inventory, o.pythonInfo, git.sha),
    ...(o.variants?.length
      ? { variants: Object.fromEntries(o.variants.map((v) => [v.name, variantRecord(v, o.inventory.gpus[0]?.driver_version ?? null)])) }
      : {}),
    compile_cache: compileCacheSettings(
      process.env,
      plan.units.flatMap((u) => u.processes.map((p) => p.env)),
    ),
    units: plan.units.map((u): UnitRecord => ({ dir: u.dir, point: u.point, mode: u.mode, repeat: u.repeat, status: 'planned' })),
  };
  const store = await RunStore.create(runDir, manifest);
  await store.writeJson(RUN_FILES.plan, plan);
  console.error(
    `run ${o.runId}: ${plan.units.length} unit(s) on ${o.launcher.where(plan, o.inventory.gpus.length)} → ${path.relative(process.cwd(), runDir) || runDir}`,
  );

  const { signal, dispose } = interruptSignal(o.signal);
  let result;
  try {
    result = await o.launcher.run({
      plan,
      store,
      runDir,
      root: o.root,
      python: o.python,
      scenario: o.scenario,
      scenarioOf: o.pointScenario,
      signal,
      skip: o.skip,
    });
  } catch (err) {
    await store.finish('failed'); // the units could not be started or followed: say so in the record
    throw err;
  } finally {
    dispose();
  }
  const interrupted = result.interrupted || signal.aborted;

  const statuses = store.current.units.map((u) => u.status).filter((st) => st !== 'skipped');
  const ok = statuses.filter((s) => s === 'ok').length;
  // Units cut short from outside (a scheduler's time limit) leave a partial run even when none finished.
  const cut = result.endedEarly !== null && statuses.some((s) => s !== 'planned');
  const runStatus: Manifest['status'] = interrupted
    ? 'interrupted'
    : ok === statuses.length
      ? 'completed'
      : ok > 0 || cut
        ? 'partial'
        : 'failed';
  await store.finish(runStatus);
  return { runStatus, interrupted, ok, total: statuses.length };
}

/** SIGINT/SIGTERM/SIGHUP abort the run: the launcher ends every process (or cancels the job), results stay. */
function interruptSignal(outer?: AbortSignal): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (!controller.signal.aborted) console.error(`\n${sig}: stopping the run, ending its processes …`);
    controller.abort(sig);
  };
  // SIGHUP: the terminal or session the run was started from went away.
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const sig of signals) process.on(sig, onSignal);
  outer?.addEventListener('abort', () => controller.abort(outer.reason), { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      for (const sig of signals) process.off(sig, onSignal);
    },
  };
}
