// `grpo-bench plan`: what `run` would start, without starting anything.
import path from 'node:path';
import { loadScenarioFile } from '../../scenario/load.ts';
import { expandSweep } from '../../scenario/sweep.ts';
import { planRun } from '../../launch/plan.ts';
import type { RunPlan } from '../../launch/types.ts';
import type { ModeName } from '../../scenario/schema.ts';
import { projectRoot, resolvePython } from '../../env/python.ts';
import { inventory, smallestGpuMemoryBytes } from '../../telemetry/inventory.ts';
import { portPool, portsFor } from '../../launch/ports.ts';
import { probePython } from '../../env/libraries.ts';

export interface PlanOptions {
  scenario: string;
  modes?: ModeName[];
  json: boolean;
  /** Plan for this many GPUs instead of probing (lets a CPU machine show a GPU plan). */
  gpus?: number;
}

export async function planCommand(o: PlanOptions): Promise<RunPlan> {
  const loaded = await loadScenarioFile(o.scenario);
  const points = expandSweep(loaded.scenario, loaded.sweep, loaded.file);
  const root = projectRoot();
  const python = resolvePython(root);
  // The libraries as run probes them: a workload's plan may depend on them (the trl plan on the TRL version).
  const [machine, pythonInfo] = await Promise.all([o.gpus !== undefined ? undefined : inventory(), probePython(python, root)]);
  const plan = planRun(
    points,
    {
      root,
      runDir: path.resolve('results', '<run-id>'),
      python,
      gpuCount: machine ? machine.gpus.length : o.gpus!,
      gpuMemoryBytes: machine ? smallestGpuMemoryBytes(machine) : undefined,
      nextPort: await portPool(portsFor(points)),
      libraries: pythonInfo.error ? undefined : pythonInfo.libraries,
    },
    { modes: o.modes },
  );
  console.log(o.json ? JSON.stringify(plan, null, 2) : formatPlan(plan));
  return plan;
}

export function formatPlan(plan: RunPlan): string {
  const lines = [`scenario ${plan.scenario} · workload ${plan.workload} · ${plan.device} · ${plan.units.length} unit(s), in this order`];
  for (const u of plan.units) {
    lines.push('', `${u.dir}  (${u.mode}, repeat ${u.repeat}${u.point !== 'default' ? `, ${u.point}` : ''})`);
    lines.push(
      `  devices: training [${u.devices.training.join(', ')}]${u.devices.server.length ? `, server [${u.devices.server.join(', ')}]` : ''}` +
        ` · batch ${u.batch.per_device_train_batch_size}/device × ${u.batch.training_devices} = ${u.batch.global_batch} completions, ${u.batch.prompts_per_step} prompts`,
    );
    for (const p of u.processes) {
      lines.push(`  ${p.name} (${p.role}${p.gpus.length ? `, GPUs ${p.gpus.join(',')}` : ''}${Object.keys(p.ports).length ? `, ports ${Object.entries(p.ports).map(([k, v]) => `${k}=${v}`).join(' ')}` : ''})`);
      lines.push(`    env: ${Object.entries(p.env).map(([k, v]) => `${k}=${v}`).join(' ')}`);
      lines.push(`    argv: ${p.argv.map(shellQuote).join(' ')}`);
      if (p.ready.kind === 'http') lines.push(`    ready: GET ${p.ready.url} → 200 within ${p.ready.timeout_s} s`);
    }
  }
  lines.push('', 'Ports shown are free now; run picks fresh ones.');
  return lines.join('\n');
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
