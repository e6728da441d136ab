// The GPU memory of one mode at one point (CUDA runs): where it peaks, what a colocated engine
// holds, what sleep and wake give back and take, and what each process and each device held as
// the samplers saw it — the numbers behind memory headroom. Pure: units in, one record out.
import type { PhaseEvent } from '../../records/events.ts';
import type { UnitData } from '../../results/read.ts';
import { median } from '../inference/stats.ts';
import { eventsOf, trainerFiles, type UnitSteps } from './steps.ts';
import type { MemorySummary } from '../../records/summary.ts';

const MiB = 2 ** 20;

/** Undefined when the units recorded no memory at all (a CPU run, or events written before these fields). */
export function memorySummary(units: readonly UnitSteps[]): MemorySummary | undefined {
  const peaks: Record<string, number> = {};
  const sleepFreed: number[] = [];
  const wakeTaken: number[] = [];
  let engine: MemorySummary['engine'];
  let total: number | undefined;
  for (const u of units) {
    const rank0 = trainerFiles(u.unit).find((f) => f.rank === 0);
    const phases = eventsOf(rank0, 'phase');
    // The peaks of every step, warm-up included: headroom is about the largest allocation.
    for (const p of phases) {
      const peak = (p as PhaseEvent).peak_allocated;
      if (peak !== undefined) peaks[p.name] = Math.max(peaks[p.name] ?? 0, peak);
    }
    const measured = new Set(u.measured.map((r) => r.step));
    const perStep = (name: string) => {
      const by = new Map<number, number>();
      for (const p of phases)
        if (p.name === name && p.bytes !== undefined && measured.has(p.step)) by.set(p.step, (by.get(p.step) ?? 0) + p.bytes);
      return [...by.values()];
    };
    sleepFreed.push(...perStep('sleep'));
    wakeTaken.push(...perStep('wake'));
    const config = eventsOf(rank0, 'config')[0]?.config as
      { engine?: { memory?: Record<string, unknown> }; device_memory?: { total_bytes?: unknown } } | undefined;
    const m = config?.engine?.memory;
    if (m && !engine) {
      const num = (k: 'weights_bytes' | 'kv_cache_bytes' | 'requested_bytes') => (typeof m[k] === 'number' ? { [k]: m[k] as number } : {});
      engine = { ...num('weights_bytes'), ...num('kv_cache_bytes'), ...num('requested_bytes') };
    }
    const t = config?.device_memory?.total_bytes ?? m?.device_total_bytes;
    if (typeof t === 'number') total ??= t;
  }
  const processes = processPeaks(units.map((u) => u.unit));
  const device = devicePeak(units.map((u) => u.unit));
  const out: MemorySummary = {
    ...(Object.keys(peaks).length ? { peak_allocated_by_phase: peaks } : {}),
    ...(engine && Object.keys(engine).length ? { engine } : {}),
    ...(total !== undefined ? { device_total_bytes: total } : {}),
    ...(sleepFreed.length ? { sleep_freed_bytes: median(sleepFreed) } : {}),
    ...(wakeTaken.length ? { wake_taken_bytes: median(wakeTaken) } : {}),
    ...(processes ? { process_peak_bytes: processes } : {}),
    ...(device !== undefined ? { device_used_peak_bytes: device } : {}),
  };
  return Object.keys(out).length ? out : undefined;
}

/** Per process name: the most device memory its processes held at one sample (summed over its pids), bytes. */
function processPeaks(units: readonly UnitData[]): Record<string, number> | undefined {
  const out: Record<string, number> = {};
  for (const u of units) {
    const at = new Map<string, { name: string; bytes: number }>();
    for (const r of u.processes?.rows ?? []) {
      if (!(r.gpu_mem_mib > 0)) continue;
      const key = `${r.process}\u0000${r.t}`;
      const held = at.get(key) ?? { name: r.process, bytes: 0 };
      held.bytes += r.gpu_mem_mib * MiB;
      at.set(key, held);
    }
    for (const { name, bytes } of at.values()) out[name] = Math.max(out[name] ?? 0, bytes);
  }
  return Object.keys(out).length ? out : undefined;
}

/** The most any of the units' GPUs had in use at one sample (the driver's view: every process, and memory outside PyTorch), bytes. */
function devicePeak(units: readonly UnitData[]): number | undefined {
  let best: number | undefined;
  for (const u of units) {
    const gpus = new Set(u.plan.devices.allocated);
    for (const r of u.telemetry?.rows ?? [])
      if (gpus.has(r.gpu) && Number.isFinite(r.mem_used_mib)) best = Math.max(best ?? 0, r.mem_used_mib * MiB);
  }
  return best;
}
