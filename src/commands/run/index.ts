// `grpo-bench run`: scenario → plan → for each unit (hygiene, samplers, supervised processes)
// → summary → reports. Every unit's outcome is written to the manifest as soon as it is known,
// so a failure or Ctrl-C later in the run loses nothing measured before it.
import path from 'node:path';
import { UserError } from '../../errors.ts';
import { loadScenarioFile } from '../../scenario/load.ts';
import { expandPoints, sweepPoints, type PointInfo, type SweepPoint } from '../../scenario/sweep.ts';
import type { LauncherName, ModeName, Scenario } from '../../scenario/schema.ts';
import { planSlurmRun } from '../../launch/slurm/plan.ts';
import { jobScript } from '../../launch/slurm/script.ts';
import { portPool, portsFor } from '../../launch/ports.ts';
import type { UnitOutcome } from '../../launch/supervisor.ts';
import { describeError, outcomeError, runSampledUnit } from '../../launch/unit.ts';
import type { RunPlan, UnitPlan } from '../../launch/types.ts';
import { projectRoot, resolvePython } from '../../env/python.ts';
import { probePython, type PythonInfo } from '../../env/libraries.ts';
import { probeVariants, variantRecord, type ResolvedVariant } from '../../env/variant-probe.ts';
import { planVariantRun, sweepValues } from '../../scenario/variants.ts';
import { gitState, harnessCommand, harnessVersion } from '../../env/harness.ts';
import { inventory as collectInventory, smallestGpuMemoryBytes, type Inventory } from '../../telemetry/inventory.ts';
import { fingerprint } from '../../results/fingerprint.ts';
import { RESULTS_SCHEMA_VERSION, type Manifest, type UnitRecord } from '../../results/manifest.ts';
import { RunStore } from '../../results/store.ts';
import { newRunId, RUN_FILES } from '../../results/layout.ts';
import { analyzeRun } from '../../analysis/summarize.ts';
import { formatSummaryTable } from './table.ts';
import { followProgress } from './progress.ts';

export interface RunOptions {
  scenario: string;
  modes?: ModeName[];
  repeats?: number;
  steps?: number;
  warmupSteps?: number;
  /** Override the scenario's launcher. */
  launcher?: LauncherName;
  /** Parent folder of results/<run-id>. */
  out: string;
  /** Parent folder of reports/<run-id>; undefined skips reports. */
  reports?: string;
  /** Ctrl-C handling is the CLI's; tests pass their own signal. */
  signal?: AbortSignal;
  /** The points to run instead of the scenario's sweep (headroom: one field varied at a time). */
  points?: readonly PointInfo[];
  /** Only these points of the scenario's sweep, by id (`--point enable_sleep_mode=false`). */
  pointIds?: readonly string[];
  /**
   * A reason not to start a unit, given the units recorded so far (headroom ends a search at its
   * first failure); the unit is recorded as skipped with that reason.
   */
  skip?: (unit: UnitPlan, recorded: readonly UnitRecord[]) => string | undefined;
}

export interface RunOutcome {
  exitCode: number;
  /** The results folder, results/<run-id>. */
  runDir: string;
}

export async function runCommand(o: RunOptions): Promise<RunOutcome> {
  const loaded = await loadScenarioFile(o.scenario);
  const scenario = applyOverrides(loaded.scenario, o);
  const points = o.points ? expandPoints(scenario, o.points, loaded.file) : expandPoints(scenario, selectPoints(sweepPoints(loaded.sweep), o.pointIds), loaded.file);
  const root = projectRoot();
  const python = resolvePython(root);
  const [inventory, pythonInfo, variants] = await Promise.all([collectInventory(), probePython(python, root), probeVariants(scenario, root)]);
  if (pythonInfo.error) {
    throw new UserError(`the workload Python (${python}) does not start: ${pythonInfo.error}`, 'Run `npm run setup`, or point GRPO_BENCH_PYTHON at a Python with torch and transformers.');
  }
  const gpuCount = inventory.gpus.length;
  const outRoot = path.resolve(o.out);
  const runId = newRunId(scenario.name, outRoot);
  const runDir = path.join(outRoot, runId);
  const context = { root, runDir, python, nextPort: await portPool(portsFor(points)), libraries: pythonInfo.libraries };
  // On SLURM the devices are the compute nodes': this host's GPUs do not count.
  if (variants.length && scenario.launcher === 'slurm') throw new UserError('a scenario with variants runs on this machine, not as a SLURM job', 'Use --launcher local.');
  const plan =
    scenario.launcher === 'slurm'
      ? planSlurmRun(points, context, { modes: o.modes })
      : planVariantRun(points, { ...context, gpuCount, gpuMemoryBytes: smallestGpuMemoryBytes(inventory) }, variants, { modes: o.modes });
  if (plan.slurm && o.skip) throw new UserError('a run that skips units as it goes (headroom) runs on this machine, not as a SLURM job', 'Use --launcher local.');

  const { runStatus, interrupted, ok, total } = await executePlan({
    plan,
    runId,
    runDir,
    root,
    python,
    scenarioFile: loaded.file,
    scenario,
    sweep: loaded.sweep,
    inventory,
    pythonInfo,
    variants,
    pointScenario: (unit) => pointScenario(points, plan, unit),
    signal: o.signal,
    skip: o.skip,
  });
  let summaryOk = false;
  try {
    const summary = await analyzeRun(runDir);
    console.log(formatSummaryTable(summary));
    summaryOk = true;
    if (o.reports && !interrupted) {
      const { reportCommand } = await import('../report/index.ts');
      const report = await reportCommand({ results: runDir, out: path.resolve(o.reports, runId) });
      console.log(`reports: ${path.relative(process.cwd(), report.outDir) || report.outDir}`);
    }
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    console.error(`no summary: ${err.message}`);
  }
  console.log(`results: ${path.relative(process.cwd(), runDir) || runDir} (${runStatus}${ok < total ? `: ${ok} of ${total} units ok` : ''})`);
  const exitCode = interrupted ? 130 : runStatus === 'completed' && summaryOk ? 0 : 1;
  return { exitCode, runDir };
}

export interface ExecuteOptions {
  plan: RunPlan;
  runId: string;
  runDir: string;
  root: string;
  /** The workload Python, named in a SLURM job script. */
  python: string;
  scenarioFile: string;
  scenario: Scenario;
  sweep?: Record<string, unknown[]>;
  /** The machine and the workload Python, for the manifest's fingerprint. */
  inventory: Inventory;
  pythonInfo: PythonInfo;
  /** The scenario's variants as probed; recorded in the manifest. */
  variants?: readonly ResolvedVariant[];
  /** The scenario a unit runs with (its sweep point's). */
  pointScenario: (unit: UnitPlan) => Scenario;
  signal?: AbortSignal;
  /** A reason not to start a unit, given the units recorded so far (RunOptions.skip). */
  skip?: RunOptions['skip'];
}

/**
 * Writes manifest.json and plan.json, then runs every unit in order, recording each outcome as
 * soon as it is known (so a failure or Ctrl-C later loses nothing measured before), and
 * completes the manifest. `run` and `profile` share it.
 */
export async function executePlan(o: ExecuteOptions): Promise<{ runStatus: Manifest['status']; interrupted: boolean; ok: number; total: number }> {
  const { plan, runDir } = o;
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
    ...(o.variants?.length ? { variants: Object.fromEntries(o.variants.map((v) => [v.name, variantRecord(v, o.inventory.gpus[0]?.driver_version ?? null)])) } : {}),
    units: plan.units.map((u): UnitRecord => ({ dir: u.dir, point: u.point, mode: u.mode, repeat: u.repeat, status: 'planned' })),
  };
  const store = await RunStore.create(runDir, manifest);
  await store.writeJson(RUN_FILES.plan, plan);
  const where = plan.slurm ? `a SLURM job of ${plan.slurm.nodes} node(s)` : plan.device === 'cuda' ? `${o.inventory.gpus.length} GPU(s)` : 'CPU';
  console.error(`run ${o.runId}: ${plan.units.length} unit(s) on ${where} → ${path.relative(process.cwd(), runDir) || runDir}`);

  const { signal, dispose } = interruptSignal(o.signal);
  let interrupted = false;
  /** Why SLURM ended the job before its last unit; the run is then partial, whatever its units did. */
  let endedEarly: string | null = null;
  try {
    if (plan.slurm) {
      const { runOnSlurm } = await import('./slurm.ts');
      const script = jobScript(plan, { scenario: o.scenario.name, runDir, settings: o.scenario.slurm, harness: harnessCommand(), root: o.root, python: o.python });
      try {
        ({ interrupted, endedEarly } = await runOnSlurm({ plan, script, store, runDir, steps: (u) => o.pointScenario(u).steps, signal }));
      } catch (err) {
        await store.finish('failed'); // the job was refused or could not be followed: say so in the record
        throw err;
      }
    } else {
      for (const [index, unit] of plan.units.entries()) {
        if (signal.aborted) break;
        const reason = o.skip?.(unit, store.current.units);
        if (reason !== undefined) {
          console.error(`[${index + 1}/${plan.units.length}] ${unit.dir}: skipped (${reason})`);
          await store.updateUnit(unit.dir, { status: 'skipped', error: { message: reason } });
          continue;
        }
        const outcome = await runOneUnit(unit, { index, plan, store, runDir, scenario: o.pointScenario(unit), signal });
        if (outcome.status === 'interrupted') {
          interrupted = true;
          break;
        }
      }
    }
  } finally {
    dispose();
  }
  interrupted ||= signal.aborted;

  const statuses = store.current.units.map((u) => u.status).filter((st) => st !== 'skipped');
  const ok = statuses.filter((s) => s === 'ok').length;
  // A job SLURM ended in the middle of a unit leaves a partial run even when no unit finished.
  const cut = endedEarly !== null && statuses.some((s) => s !== 'planned');
  const runStatus: Manifest['status'] = interrupted ? 'interrupted' : ok === statuses.length ? 'completed' : ok > 0 || cut ? 'partial' : 'failed';
  await store.finish(runStatus);
  return { runStatus, interrupted, ok, total: statuses.length };
}

interface UnitContext {
  index: number;
  plan: RunPlan;
  store: RunStore;
  runDir: string;
  scenario: Scenario;
  signal: AbortSignal;
}

async function runOneUnit(unit: UnitPlan, c: UnitContext): Promise<UnitOutcome> {
  const unitDir = path.join(c.runDir, unit.dir);
  await c.store.updateUnit(unit.dir, { status: 'running', started: new Date().toISOString() });
  const done = followProgress({ unit, unitDir, steps: c.scenario.steps, index: c.index, total: c.plan.units.length });
  const { outcome, samplerCost, gpuTelemetry, samplerProblems } = await runSampledUnit({
    dir: unitDir,
    processes: unit.processes,
    gpus: unit.devices.kind === 'cuda' ? unit.devices.allocated : [],
    telemetry: c.scenario.telemetry,
    timeoutS: c.scenario.timeouts.run_s,
    signal: c.signal,
  });
  for (const p of samplerProblems) console.error(`  sampler: ${p}`);
  const ended = new Date().toISOString();
  if (outcome.status === 'ok') {
    done('done');
    await c.store.updateUnit(unit.dir, { status: 'ok', ended, sampler_cost: samplerCost, telemetry: gpuTelemetry });
  } else {
    done(outcome.status);
    const error = await outcomeError(outcome, unitDir);
    console.error(describeError(error).join('\n'));
    await c.store.updateUnit(unit.dir, { status: outcome.status, ended, error, sampler_cost: samplerCost, telemetry: gpuTelemetry });
  }
  return outcome;
}

/** The sweep's points, or only those named (in sweep order); an unknown name is refused with the ones there are. */
export function selectPoints(points: readonly PointInfo[], ids: readonly string[] | undefined): PointInfo[] {
  if (!ids?.length) return [...points];
  const unknown = ids.filter((id) => !points.some((p) => p.id === id));
  if (unknown.length) throw new UserError(`--point ${unknown.join(', ')}: no such sweep point (the scenario has: ${points.map((p) => p.id).join(', ')})`);
  return points.filter((p) => ids.includes(p.id));
}

export function applyOverrides(s: Scenario, o: Pick<RunOptions, 'steps' | 'warmupSteps' | 'repeats' | 'launcher'>): Scenario {
  const steps = o.steps ?? s.steps;
  const warmup = o.warmupSteps ?? Math.min(s.warmup_steps, Math.max(0, steps - 1));
  if (warmup >= steps) throw new UserError(`--warmup-steps ${warmup} must be fewer than steps (${steps}): nothing would be measured`, 'Lower --warmup-steps or raise --steps.');
  return { ...s, steps, warmup_steps: warmup, repeats: o.repeats ?? s.repeats, launcher: o.launcher ?? s.launcher };
}

/** A unit's scenario: its sweep point's (a variant's point is the sweep point with the variant set). */
function pointScenario(points: readonly SweepPoint[], plan: RunPlan, unit: UnitPlan): Scenario {
  const info = plan.points.find((p) => p.id === unit.point);
  const values = JSON.stringify(sweepValues(info ?? { values: {} }));
  return (points.find((p) => p.id === unit.point) ?? points.find((p) => JSON.stringify(p.values) === values))!.scenario;
}

/** SIGINT/SIGTERM/SIGHUP abort the run: the supervisor ends every process group, results stay. */
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
