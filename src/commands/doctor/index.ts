// `grpo-bench doctor`: what this machine offers and what each workload mode is missing,
// before anything is started.
import { inventory as collectInventory, type Inventory } from '../../telemetry/inventory.ts';
import { probePython, type PythonInfo } from '../../env/libraries.ts';
import { projectRoot, resolvePython } from '../../env/python.ts';
import { workloadAdapters } from '../../workloads/adapters.ts';
import { formatBinaryBytes } from '../../value-format.ts';

export interface DoctorReport {
  inventory: Inventory;
  python: PythonInfo;
  workloads: { workload: string; mode: string; ok: boolean; missing: string[] }[];
}

export async function doctorCommand(o: { json: boolean }): Promise<number> {
  const root = projectRoot();
  const [inventory, python] = await Promise.all([collectInventory(), probePython(resolvePython(root), root)]);
  const workloads: DoctorReport['workloads'] = workloadAdapters().flatMap((adapter) =>
    adapter
      .readiness(python, inventory.gpus.length)
      .map(({ modes, ok, missing }) => ({ workload: adapter.name, mode: modes.join(', '), ok, missing })),
  );
  const report: DoctorReport = { inventory, python, workloads };
  if (o.json) console.log(JSON.stringify(report, null, 2));
  else console.log(formatDoctor(report));
  return workloads.some((w) => w.ok) ? 0 : 1;
}

function formatDoctor({ inventory, python, workloads }: DoctorReport): string {
  const h = inventory.host;
  const lines = [
    `host      ${h.cpu_model} · ${h.cpu_cores} cores · ${formatBinaryBytes(h.memory_total_mib * 2 ** 20, 'GiB', 0)} · ${h.os}`,
  ];
  if (inventory.gpus.length === 0)
    lines.push(`GPUs      none${inventory.gpus_reason ? ` (${inventory.gpus_reason})` : ''}: workloads run on CPU`);
  for (const g of inventory.gpus) {
    lines.push(
      `GPU ${g.index}     ${g.name} · ${g.memory_total_mib === null ? '? GiB' : formatBinaryBytes(g.memory_total_mib * 2 ** 20, 'GiB', 0)} · driver ${g.driver_version}${inventory.cuda_version ? ` (CUDA ${inventory.cuda_version})` : ''}`,
    );
  }
  lines.push(`python    ${python.executable ?? python.python}${python.error ? `  ✗ ${python.error}` : ''}`);
  const order = ['python', 'torch', 'cuda', 'transformers', 'accelerate', 'trl', 'vllm', 'datasets'];
  lines.push(`libraries ${order.map((n) => `${n} ${python.libraries[n] ?? '—'}`).join(' · ')}`);
  lines.push(`CUDA      ${python.cuda_available ? `usable from torch, ${python.cuda_devices} device(s)` : 'not usable from torch'}`);
  lines.push('');
  for (const w of workloads) {
    lines.push(`${w.ok ? '✓' : '✗'} ${w.workload} ${w.mode}${w.ok ? '' : `: missing ${w.missing.join('; ')}`}`);
  }
  return lines.join('\n');
}
