// `grpo-bench plan`: what `run` would start, without starting anything; with the slurm
// launcher, the batch job script `run` would submit.
import path from 'node:path';
import { loadScenarioFile } from '../../scenario/load.ts';
import { expandSweep } from '../../scenario/sweep.ts';
import { warningText } from '../../launch/plan.ts';
import { launcherFor } from '../../launch/launchers.ts';
import { UsageError } from '../../errors.ts';
import type { PlanWarning, RunPlan } from '../../records/plan.ts';
import type { LauncherName, ModeName } from '../../scenario/schema.ts';
import { SHARED_GPU_SERVER_LABEL } from '../../modes.ts';
import { projectRoot, resolvePython } from '../../env/python.ts';
import { inventory, smallestGpuMemoryBytes } from '../../telemetry/inventory.ts';
import { portPool, portsFor } from '../../launch/ports.ts';
import { probePython } from '../../env/libraries.ts';
import { planningVariants } from '../../env/variant-probe.ts';
import { shellQuote } from '../../launch/shell.ts';

export interface PlanOptions {
  scenario: string;
  modes?: ModeName[];
  json: boolean;
  /** Plan for this many GPUs instead of probing (lets a CPU machine show a GPU plan). */
  gpus?: number;
  /** Library versions to plan for instead of (or where) the workload Python has none: `trl=1.13.0`, `vllm=0.26.0`. */
  assume?: string[];
  /** Override the scenario's launcher. */
  launcher?: LauncherName;
}

/**
 * `--assume` entries, `name=version` (or `name==version`), each flag holding one or several separated by commas. A
 * version may itself hold commas (`trl[vllm]=>=0.19.1,<=0.28.0`): a comma splits only before
 * another `name=`.
 */
export function parseAssumptions(entries: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of entries.flatMap((e) => e.split(/,(?=\s*[A-Za-z][\w.[\]-]*=)/))) {
    // `==` too: pip's spelling, which Python users type.
    const m = /^\s*([A-Za-z][\w.[\]-]*)==?(.+?)\s*$/.exec(entry);
    if (!m || !/^[<>=!~]*\d/.test(m[2]!))
      throw new UsageError(`--assume ${entry}: write name=version, e.g. --assume trl=1.13.0,vllm=0.26.0`);
    out[m[1]!.toLowerCase()] = m[2]!;
  }
  return out;
}

/**
 * The libraries to plan with: the probed ones (none when the workload Python does not start), the
 * assumed ones over them. The vLLM range an installed TRL declares (`trl[vllm]`) belongs to that
 * TRL, so it is dropped when another TRL is assumed.
 */
export function plannedLibraries(
  probed: Record<string, string | null> | undefined,
  assumed: Record<string, string>,
): Record<string, string | null> | undefined {
  if (Object.keys(assumed).length === 0) return probed;
  const out: Record<string, string | null> = { ...(probed ?? {}) };
  if (assumed.trl !== undefined && assumed.trl !== out.trl && assumed['trl[vllm]'] === undefined) delete out['trl[vllm]'];
  return { ...out, ...assumed };
}

export async function planCommand(o: PlanOptions): Promise<RunPlan> {
  const loaded = await loadScenarioFile(o.scenario);
  const scenario = { ...loaded.scenario, launcher: o.launcher ?? loaded.scenario.launcher };
  const points = expandSweep(scenario, loaded.sweep, loaded.file);
  const root = projectRoot();
  const python = resolvePython(root);
  const launcher = await launcherFor(scenario.launcher);
  const here = launcher.onThisMachine;
  // The libraries as run probes them: a workload's plan may depend on them (the trl plan on the TRL version).
  // A launcher that runs elsewhere plans for its own devices: this host's GPUs do not count.
  const [machine, pythonInfo] = await Promise.all([o.gpus !== undefined || !here ? undefined : inventory(), probePython(python, root)]);
  const assumed = parseAssumptions(o.assume ?? []);
  const runDir = path.resolve('results', '<run-id>');
  const context = {
    root,
    runDir,
    python,
    nextPort: await portPool(portsFor(points)),
    libraries: plannedLibraries(pythonInfo.error ? undefined : pythonInfo.libraries, assumed),
    gpuCount: machine ? machine.gpus.length : (o.gpus ?? 0),
    gpuMemoryBytes: machine ? smallestGpuMemoryBytes(machine) : undefined,
  };
  const variants = scenario.variants
    ? await planningVariants(scenario, root, context.libraries ?? undefined)
    : { variants: [], warnings: [] };
  const plan = launcher.plan(points, context, { modes: o.modes, lacking: 'warn', variants: variants.variants });
  const facts = {
    ...(o.gpus !== undefined && here ? { gpus: o.gpus } : {}),
    ...(Object.keys(assumed).length > 0 ? { libraries: assumed } : {}),
  };
  const noPython: PlanWarning[] = pythonInfo.error
    ? [{ kind: 'cannot_run_here', message: `the workload Python (${python}) does not start: ${pythonInfo.error}` }]
    : [];
  const warnings = [
    ...noPython,
    ...variants.warnings.map((message): PlanWarning => ({ kind: 'cannot_run_here', message })),
    ...(plan.warnings ?? []),
  ];
  const shown: RunPlan = {
    ...plan,
    ...(warnings.length > 0 ? { warnings } : {}),
    ...(Object.keys(facts).length > 0 ? { assumed: facts } : {}),
  };
  if (o.json) console.log(JSON.stringify(shown, null, 2));
  else if (launcher.script) {
    // The script alone on stdout, ready to read or to save; what stops it from running, on stderr.
    console.log(launcher.script(shown, { scenario, runDir, root, python }));
    for (const w of warnings) console.error(`warning: ${warningText(w)}`);
  } else console.log(formatPlan(shown));
  return shown;
}

export function formatPlan(plan: RunPlan): string {
  const lines = [`scenario ${plan.scenario} · workload ${plan.workload} · ${plan.device} · ${plan.units.length} unit(s), in this order`];
  const a = plan.assumed;
  if (a) {
    const facts = [
      ...(a.gpus !== undefined ? [`${a.gpus} GPU(s)`] : []),
      ...Object.entries(a.libraries ?? {}).map(([n, v]) => `${n} ${v}`),
    ];
    lines.push(`assumed, not probed: ${facts.join(', ')}`);
  }
  for (const u of plan.units) {
    lines.push('', `${u.dir}  (${u.mode}, repeat ${u.repeat}${u.point !== 'default' ? `, ${u.point}` : ''})`);
    if (u.devices.server.some((g) => u.devices.training.includes(g))) lines.push(`  ${SHARED_GPU_SERVER_LABEL}`);
    lines.push(
      `  devices: training [${u.devices.training.join(', ')}]${u.devices.server.length ? `, server [${u.devices.server.join(', ')}]` : ''}` +
        ` · batch ${u.batch.per_device_train_batch_size}/device × ${u.batch.training_devices} = ${u.batch.global_batch} completions, ${u.batch.prompts_per_step} prompts`,
    );
    for (const p of u.processes) {
      lines.push(
        `  ${p.name} (${p.role}${p.gpus.length ? `, GPUs ${p.gpus.join(',')}` : ''}${
          Object.keys(p.ports).length
            ? `, ports ${Object.entries(p.ports)
                .map(([k, v]) => `${k}=${v}`)
                .join(' ')}`
            : ''
        })`,
      );
      lines.push(
        `    env: ${Object.entries(p.env)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`,
      );
      lines.push(`    argv: ${p.argv.map(shellQuote).join(' ')}`);
      if (p.ready.kind === 'http') lines.push(`    ready: GET ${p.ready.url} → 200 within ${p.ready.timeout_s} s`);
    }
  }
  if (plan.warnings?.length) {
    lines.push('', `warning: this machine cannot run this plan (grpo-bench run refuses it here):`);
    for (const w of plan.warnings) lines.push(`  - ${warningText(w)}`);
  }
  lines.push('', 'Ports shown are free now; run picks fresh ones.');
  return lines.join('\n');
}
