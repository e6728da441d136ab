// `grpo-bench profile <scenario>`: measures the halves the what-if model composes, into an
// ordinary results folder.
//   server half  — one unit: server mode's generation server exactly as a run starts it, and a
//                  driver standing in for trainer rank 0 that sends, for K = 1 … Kmax trainers
//                  and each per-device batch B, the one request TRL's rank 0 would (K·B/G unique
//                  prompts, n = G), a few times each;
//   trainer half — colocate and hf runs of the scenario at each per-device batch (their phases
//                  give a step's time outside generation and colocate's own costs), or the
//                  trainer half of results folders already measured (--trainer-runs).
// Then profile.json (analysis/whatif/profile.ts), the usual summary and reports, and profile.md.
import path from 'node:path';
import { UnavailableError, UsageError, UserError } from '../../errors.ts';
import { buildProfile, profileView } from '../../analysis/whatif/profile.ts';
import { type Profile } from '../../records/profile.ts';
import { analyzeRun } from '../../analysis/summary/summarize.ts';
import { probePlan, planProbe, planRun } from '../../launch/plan.ts';
import { portPool, portsFor } from '../../launch/ports.ts';
import { executePlan } from '../../launch/engine.ts';
import { launcherFor } from '../../launch/launchers.ts';
import type { RunPlan, UnitPlan } from '../../records/plan.ts';
import { projectRoot, resolvePython } from '../../env/python.ts';
import { probePython } from '../../env/libraries.ts';
import { readRun } from '../../results/read.ts';
import { writeJsonAtomic } from '../../results/store.ts';
import { newRunId, PROBE_POINT, RUN_FILES } from '../../results/layout.ts';
import { writeProfileReport } from '../../report/profile-report.ts';
import { loadScenarioFile } from '../../scenario/load.ts';
import { applyOverrides } from '../../scenario/overrides.ts';
import { MODE_NAMES, type ModeName } from '../../scenario/schema.ts';
import { expandSweep, type SweepSpec } from '../../scenario/sweep.ts';
import { inventory as collectInventory, smallestGpuMemoryBytes } from '../../telemetry/inventory.ts';

export interface ProfileOptions {
  scenario: string;
  /** Trainer counts K the server is asked to serve (default 1 … 8). */
  trainers: number[];
  /** Per-device batches B (default: the scenario's sweep of grpo.per_device_train_batch_size, else its value). */
  batches?: number[];
  /** Measured requests per (K, B) (default 3). */
  requests: number;
  /** Unmeasured requests at the largest (K, B) first. */
  warmupRequests: number;
  /** Modes of the trainer half to run (default: colocate and hf, those the scenario defines); [] runs none. */
  trainerModes?: ModeName[];
  /** Results folders whose server/colocate/hf runs join the profile (the trainer half measured already). */
  trainerRuns?: string[];
  steps?: number;
  warmupSteps?: number;
  repeats?: number;
  out: string;
  reports?: string;
  signal?: AbortSignal;
}

export interface ProfileOutcome {
  exitCode: number;
  runDir: string;
  profile?: Profile;
}

const BATCH_FIELD = 'grpo.per_device_train_batch_size';

export async function profileCommand(o: ProfileOptions): Promise<ProfileOutcome> {
  const loaded = await loadScenarioFile(o.scenario);
  const scenario = applyOverrides(loaded.scenario, o);
  const others = Object.keys(loaded.sweep ?? {}).filter((k) => k !== BATCH_FIELD);
  if (others.length > 0) {
    throw new UserError(
      `${loaded.file}: a profile measures one model at one length; its sweep may vary only ${BATCH_FIELD} (it also varies ${others.join(', ')})`,
      'Profile each value of the other axes as its own scenario.',
    );
  }
  const batches = o.batches ?? (loaded.sweep?.[BATCH_FIELD] as number[] | undefined) ?? [scenario.grpo.per_device_train_batch_size];
  const badBatch = batches.find((b) => !(Number.isInteger(b) && b > 0));
  if (badBatch !== undefined) throw new UserError(`per-device batch ${badBatch}: expected positive integers`);
  const trainerRuns = await Promise.all((o.trainerRuns ?? []).map((d) => readRun(d)));
  const defined = MODE_NAMES.filter((m) => m !== 'server' && scenario.modes[m] !== undefined);
  const modes = o.trainerModes ?? (trainerRuns.length > 0 ? [] : defined);
  for (const m of modes) {
    if (m === 'server')
      throw new UsageError(
        '--trainer-mode server: the trainer half is measured in colocate or hf runs (a server run needs 2 GPUs; pass its results with --trainer-runs)',
      );
    if (!defined.includes(m))
      throw new UsageError(
        `--trainer-mode ${m}: scenario '${scenario.name}' defines no ${m} mode (it defines: ${defined.join(', ') || 'none besides server'})`,
      );
  }

  const root = projectRoot();
  const python = resolvePython(root);
  const [inventory, pythonInfo] = await Promise.all([collectInventory(), probePython(python, root)]);
  if (pythonInfo.error)
    throw new UnavailableError(
      `the workload Python (${python}) does not start: ${pythonInfo.error}`,
      'Run `npm run setup`, or point GRPO_BENCH_PYTHON at a Python with torch and transformers.',
    );
  const outRoot = path.resolve(o.out);
  const runId = newRunId(`${scenario.name}-profile`, outRoot);
  const runDir = path.join(outRoot, runId);
  const sweep: SweepSpec = { [BATCH_FIELD]: batches as [number, ...number[]] };
  const points = expandSweep(scenario, sweep, loaded.file);
  const ctx = {
    root,
    runDir,
    python,
    gpuCount: inventory.gpus.length,
    gpuMemoryBytes: smallestGpuMemoryBytes(inventory),
    nextPort: await portPool(portsFor(points) + 8),
    libraries: pythonInfo.libraries,
  };
  const probe = probePlan(scenario, o.trainers, batches, o.requests, o.warmupRequests);
  const probeUnit = planProbe(scenario, ctx, probe);
  const trainerPlan: RunPlan | undefined = modes.length > 0 ? planRun(points, ctx, { modes }) : undefined;
  const plan: RunPlan = {
    scenario: scenario.name,
    workload: scenario.workload,
    device: probeUnit.devices.kind,
    points: [{ id: PROBE_POINT, values: {}, label: 'server half (profile driver)' }, ...(trainerPlan?.points ?? [])],
    units: [probeUnit, ...(trainerPlan?.units ?? [])],
  };
  for (const s of probe.skipped) console.error(`profile: skipping ${s.trainers} trainer(s) × batch ${s.per_device_batch}: ${s.why}`);

  const pointScenario = (unit: UnitPlan) => (unit.probe ? scenario : points.find((p) => p.id === unit.point)!.scenario);
  // The profile driver and the trainer half run on this machine, whatever launcher the scenario names.
  const launcher = await launcherFor('local');
  const result = await executePlan({
    plan,
    launcher,
    runId,
    runDir,
    root,
    python,
    scenarioFile: loaded.file,
    scenario,
    sweep,
    inventory,
    pythonInfo,
    pointScenario,
    signal: o.signal,
  });

  const run = await readRun(runDir);
  if (trainerPlan) {
    try {
      await analyzeRun(runDir);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      console.error(`no summary of the trainer half: ${err.message}`);
    }
  }
  const profile = buildProfile([run, ...trainerRuns]);
  await writeJsonAtomic(path.join(runDir, RUN_FILES.profile), profile);
  console.log(formatProfile(profile));
  if (o.reports && !result.interrupted) {
    const outDir = path.resolve(o.reports, runId);
    if (trainerPlan) {
      const { reportCommand } = await import('../report/index.ts');
      await reportCommand({ results: runDir, out: outDir }).catch((err: unknown) => {
        if (!(err instanceof UserError)) throw err;
        console.error(`no report of the trainer half: ${err.message}`);
      });
    }
    await writeProfileReport(profile, outDir);
    console.log(`reports: ${path.relative(process.cwd(), outDir) || outDir}`);
  }
  console.log(
    `results: ${path.relative(process.cwd(), runDir) || runDir} (${result.runStatus}${result.ok < result.total ? `: ${result.ok} of ${result.total} units ok` : ''})`,
  );
  const measuredServer = profile.server.some((c) => c.points.some((p) => p.source === 'probe'));
  return { exitCode: result.interrupted ? 130 : result.runStatus === 'completed' && measuredServer ? 0 : 1, runDir, profile };
}

/** The short table a profile ends with: the server curve. */
function formatProfile(p: Profile): string {
  const view = profileView(p);
  const lines = [`profile of ${p.model} (${p.workload}${p.device_name ? `, ${p.device_name}` : ''}):`];
  for (const c of view.server) {
    lines.push(
      `  server, tp ${c.tensor_parallel_size} × ${c.data_parallel_size} replica(s): completions → seconds per request [interval over runs, or one run's 25th–75th percentile]`,
    );
    for (const r of c.rows) {
      const iv = r.seconds.interval;
      lines.push(
        `    ${String(r.completions).padStart(5)} (${r.trainers} × ${r.per_device_batch})  ${r.seconds.value.toFixed(3)} s${iv ? ` [${iv.low.toFixed(3)}, ${iv.high.toFixed(3)}]${iv.kind === 'within_run_spread' ? ' one run' : ''}` : ''}  ${r.source}`,
      );
    }
  }
  for (const h of view.trainer)
    lines.push(
      `  ${h.mode} b${h.per_device_batch} ×${h.training_devices}: compute ${h.compute_s.value.toFixed(3)} s, generate ${h.generate_s.value.toFixed(3)} s, sync ${h.weight_sync_s.value.toFixed(3)} s (${h.steps} steps)`,
    );
  for (const n of p.notes) lines.push(`  note: ${n}`);
  return lines.join('\n');
}
