// Before each unit on a GPU machine: the unit's GPUs hold no compute process and their memory
// is back near idle. Waits briefly for a previous unit's stragglers, then fails naming who holds what.
import { setTimeout as sleep } from 'node:timers/promises';
import { UnavailableError } from '../errors.ts';
import { num, parseRows, smiQuery } from './nvidia-smi.ts';

export const HOLDER_FIELDS = ['pid', 'process_name', 'used_memory', 'gpu_uuid'] as const;
export const GPU_ID_FIELDS = ['index', 'uuid', 'memory.used'] as const;

export interface GpuHolder {
  pid: number;
  name: string;
  used_mib: number | null;
}

export interface GpuState {
  gpu: number;
  uuid: string;
  mem_used_mib: number | null;
  holders: GpuHolder[];
}

/** Joins the two query outputs: compute processes are listed by GPU uuid, the unit names GPUs by index. */
export function parseGpuStates(gpuOut: string, appsOut: string): GpuState[] {
  const states = parseRows(gpuOut, GPU_ID_FIELDS.length).map(([index, uuid, used]): GpuState => ({
    gpu: num(index) ?? -1,
    uuid: uuid ?? '',
    mem_used_mib: num(used),
    holders: [],
  }));
  for (const [pid, name, used, uuid] of parseRows(appsOut, HOLDER_FIELDS.length, 1)) {
    states.find((s) => s.uuid === uuid)?.holders.push({ pid: num(pid) ?? -1, name: name ?? '', used_mib: num(used) });
  }
  return states;
}

/** What keeps each of `gpus` from being idle: one line per busy GPU, none when all are free. */
export function busyReasons(states: GpuState[], gpus: number[], idleMemMiB: number): string[] {
  const out: string[] = [];
  for (const gpu of gpus) {
    const s = states.find((x) => x.gpu === gpu);
    if (!s) out.push(`GPU ${gpu}: not listed by nvidia-smi`);
    else if (s.holders.length > 0) {
      out.push(`GPU ${gpu}: ${s.holders.map((h) => `pid ${h.pid} ${h.name} (${h.used_mib ?? '?'} MiB)`).join(', ')}`);
    } else if (s.mem_used_mib !== null && s.mem_used_mib > idleMemMiB) {
      out.push(`GPU ${gpu}: ${s.mem_used_mib} MiB in use with no compute process listed (another container or a process being torn down?)`);
    }
  }
  return out;
}

export interface IdleOptions {
  gpus: number[];
  /** How long to wait for the GPUs to free up before failing (default 30). */
  waitS?: number;
  pollMs?: number;
  /** memory.used at or under this counts as idle (default 1024 MiB). */
  idleMemMiB?: number;
  smi?: string;
}

export async function waitGpusIdle(o: IdleOptions): Promise<void> {
  if (o.gpus.length === 0) return;
  const smi = o.smi ?? 'nvidia-smi';
  const deadline = Date.now() + (o.waitS ?? 30) * 1000;
  for (;;) {
    const [gpuOut, appsOut] = await Promise.all([
      smiQuery(smi, [`--query-gpu=${GPU_ID_FIELDS.join(',')}`, '--format=csv,noheader,nounits']),
      smiQuery(smi, [`--query-compute-apps=${HOLDER_FIELDS.join(',')}`, '--format=csv,noheader,nounits']),
    ]);
    const busy = busyReasons(parseGpuStates(gpuOut, appsOut), o.gpus, o.idleMemMiB ?? 1024);
    if (busy.length === 0) return;
    if (Date.now() >= deadline) {
      throw new UnavailableError(
        `GPU${o.gpus.length > 1 ? 's' : ''} ${o.gpus.join(', ')} still busy after ${o.waitS ?? 30} s:\n  ${busy.join('\n  ')}`,
        'End those processes (or wait for them), or give the scenario other GPUs.',
      );
    }
    await sleep(o.pollMs ?? 1000);
  }
}
