// What each mode of the trl workload needs, and whether this machine has it: data for `doctor`,
// and the library half of the adapter's refusals.
import { HARNESS_PIP } from '../../env/libraries.ts';
import type { ModeName } from '../../scenario/schema.ts';
import { MIN_TRL, TRL_PIP, compareVersions, satisfies, vllmRequirement } from './versions.ts';

export interface ModeReadiness {
  mode: ModeName;
  ok: boolean;
  /** One line per missing piece, each saying how to get it. */
  missing: string[];
}

/** GPUs a mode needs at the least: server needs one for vLLM and one for the trainer. */
const MIN_GPUS: Record<ModeName, number> = { server: 2, colocate: 1, hf: 0 };

export function libraryProblems(libraries: Record<string, string | null>, mode: ModeName): string[] {
  const out: string[] = [];
  const trl = libraries.trl ?? null;
  if (!trl) out.push(`trl is not installed: ${TRL_PIP}`);
  else if (compareVersions(trl, MIN_TRL) < 0) out.push(`trl ${trl} is too old: the trl workload needs trl >= ${MIN_TRL} (${TRL_PIP})`);
  for (const lib of ['torch', 'transformers', 'accelerate', 'datasets']) {
    if (!libraries[lib]) out.push(`${lib} is not installed: pip install -r requirements.txt -r requirements-trl.txt`);
  }
  if (!libraries.jsonschema) out.push(`jsonschema is not installed: ${HARNESS_PIP}`);
  if (mode !== 'hf') {
    const wanted = vllmRequirement(libraries);
    const vllm = libraries.vllm ?? null;
    const spec = libraries['trl[vllm]'];
    if (!vllm)
      out.push(`${mode} mode needs vLLM, which is not installed: pip install '${wanted}'${trl ? ` (the range trl ${trl} accepts)` : ''}`);
    else if (spec && !satisfies(vllm, spec))
      out.push(`${mode} mode: vllm ${vllm} is outside the range trl ${trl} accepts: pip install '${wanted}'`);
  }
  return out;
}

/** `sharedGpu`: server mode's server on the trainer's GPU (IPC weight transfer), one GPU in all. */
export function gpuProblems(mode: ModeName, gpuCount: number, sharedGpu = false): string[] {
  if (mode === 'hf' || gpuCount >= (sharedGpu ? 1 : MIN_GPUS[mode])) return [];
  if (gpuCount === 0) return [`${mode} mode needs CUDA GPUs (vLLM runs on GPU only); this machine has none`];
  return [
    `${mode} mode needs at least ${MIN_GPUS[mode]} GPUs (one for the vLLM server, one or more for the trainer; or one shared, with modes.server.vllm.weight_transfer: ipc); this machine has ${gpuCount}`,
  ];
}

/** Per mode of the trl workload: can it run here, and what is missing if not. */
export function trlReadiness(libraries: Record<string, string | null>, gpuCount: number): ModeReadiness[] {
  return (['server', 'colocate', 'hf'] as const).map((mode) => {
    const missing = [...libraryProblems(libraries, mode), ...gpuProblems(mode, gpuCount)];
    return { mode, ok: missing.length === 0, missing };
  });
}
