// `grpo-bench run`: scenario → plan (by the scenario's launcher) → the run engine
// (src/launch/engine.ts) → summary → reports.
import path from 'node:path';
import { UnavailableError, UsageError, UserError } from '../../errors.ts';
import { loadScenarioFile } from '../../scenario/load.ts';
import { applyOverrides, selectPoints } from '../../scenario/overrides.ts';
import { expandPoints, sweepPoints, type PointInfo, type SweepPoint } from '../../scenario/sweep.ts';
import type { LauncherName, ModeName, Scenario } from '../../scenario/schema.ts';
import { executePlan, type ExecuteOptions } from '../../launch/engine.ts';
import { launcherFor } from '../../launch/launchers.ts';
import { portPool, portsFor } from '../../launch/ports.ts';
import type { RunPlan, UnitPlan } from '../../records/plan.ts';
import { projectRoot, resolvePython } from '../../env/python.ts';
import { probePython } from '../../env/libraries.ts';
import { inventory as collectInventory, smallestGpuMemoryBytes } from '../../telemetry/inventory.ts';
import { newRunId } from '../../results/layout.ts';
import { analyzeRunData } from '../../analysis/summary/summarize.ts';
import { readRun } from '../../results/read.ts';
import type { OutputFormat } from '../../report/doc.ts';
import { probeVariants } from '../../env/variant-probe.ts';
import { sweepValues } from '../../scenario/variants.ts';
import { formatSummaryTable } from './table.ts';
import { arms, describeLook, inBlocks, MAX_BLOCKS, untilResolvedHook, type UntilResolved } from './until-resolved.ts';

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
  /** The summary on stdout: plain aligned text (default) or Markdown. */
  format?: OutputFormat;
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
  skip?: ExecuteOptions['skip'];
  /** Interleaved blocks until the regression rule resolves or the budget runs out (run --until-resolved). */
  untilResolved?: UntilResolved;
}

export interface RunOutcome {
  exitCode: number;
  /** The results folder, results/<run-id>. */
  runDir: string;
}

export async function runCommand(o: RunOptions): Promise<RunOutcome> {
  const loaded = await loadScenarioFile(o.scenario);
  const scenario = applyOverrides(loaded.scenario, o.untilResolved ? { ...o, repeats: MAX_BLOCKS } : o);
  const points = o.points
    ? expandPoints(scenario, o.points, loaded.file)
    : expandPoints(scenario, selectPoints(sweepPoints(loaded.sweep), o.pointIds), loaded.file);
  const root = projectRoot();
  const python = resolvePython(root);
  const [inventory, pythonInfo, variants] = await Promise.all([
    collectInventory(),
    probePython(python, root),
    probeVariants(scenario, root),
  ]);
  if (pythonInfo.error) {
    throw new UnavailableError(
      `the workload Python (${python}) does not start: ${pythonInfo.error}`,
      'Run `npm run setup`, or point GRPO_BENCH_PYTHON at a Python with torch and transformers.',
    );
  }
  const gpuCount = inventory.gpus.length;
  const outRoot = path.resolve(o.out);
  const runId = newRunId(scenario.name, outRoot);
  const runDir = path.join(outRoot, runId);
  const context = { root, runDir, python, nextPort: await portPool(portsFor(points)), libraries: pythonInfo.libraries };
  const launcher = await launcherFor(scenario.launcher);
  const planned = launcher.plan(
    points,
    { ...context, gpuCount, gpuMemoryBytes: smallestGpuMemoryBytes(inventory) },
    { modes: o.modes, variants },
  );
  if (o.untilResolved && !launcher.skipsUnits)
    throw new UsageError(
      `run --until-resolved decides after each block whether to go on, so it runs on this machine, not with the ${scenario.launcher} launcher`,
      'Use --launcher local.',
    );
  const pair = o.untilResolved ? arms(planned.units) : undefined;
  const plan = pair ? { ...planned, units: inBlocks(planned.units, pair) } : planned;
  const sequential = pair && o.untilResolved ? untilResolvedHook(runDir, pair, o.untilResolved) : undefined;

  const { runStatus, interrupted, ok, total } = await executePlan({
    plan,
    launcher,
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
    skip: sequential?.hook ?? o.skip,
  });
  const look = sequential?.last();
  if (pair) console.log(`until resolved: ${look ? describeLook(look, pair) : 'no look: fewer than two blocks ran'}`);
  let summaryOk = false;
  try {
    // Read and summarised once: the reports are drawn from the same data, not from the folder again.
    const run = await readRun(runDir);
    const { summary, rows } = await analyzeRunData(run);
    console.log(formatSummaryTable(summary, o.format));
    summaryOk = true;
    if (o.reports && !interrupted) {
      const { usualReport } = await import('../report/index.ts');
      const { freshReportInput } = await import('../../report/load.ts');
      const outDir = path.resolve(o.reports, runId);
      await usualReport({}, freshReportInput(run, summary, rows), outDir);
      console.log(`reports: ${path.relative(process.cwd(), outDir) || outDir}`);
    }
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    console.error(`no summary: ${err.message}`);
  }
  console.log(
    `results: ${path.relative(process.cwd(), runDir) || runDir} (${runStatus}${ok < total ? `: ${ok} of ${total} units ok` : ''})`,
  );
  const exitCode = interrupted ? 130 : runStatus === 'completed' && summaryOk ? 0 : 1;
  return { exitCode, runDir };
}

/** A unit's scenario: its sweep point's (a variant's point is the sweep point with the variant set). */
function pointScenario(points: readonly SweepPoint[], plan: RunPlan, unit: UnitPlan): Scenario {
  const info = plan.points.find((p) => p.id === unit.point);
  const values = JSON.stringify(sweepValues(info ?? { values: {} }));
  return (points.find((p) => p.id === unit.point) ?? points.find((p) => JSON.stringify(p.values) === values))!.scenario;
}
