// The workload's own account of why a unit failed. A launcher (torchrun, accelerate) that loses
// a rank exits with its own traceback last in the log, which buries the rank's error; each
// rank records that error in its `end` event, so the earliest one is the first failure.
import type { MemoryError } from '../records/events.ts';
import { readUnitEvents } from './read.ts';
import { formatBinaryBytes } from '../value-format.ts';

export interface WorkloadError {
  /** The event file it came from, relative to the unit folder, e.g. `events/trainer-1.jsonl`. */
  file: string;
  /** The error as the workload wrote it: the exception first, then (maybe) its traceback. */
  error: string;
  /** When the failure was memory: the phase it hit, the bytes asked and free (a sweep point that does not fit). */
  memory_error?: MemoryError;
}

/** The earliest `end` event with status error among the unit's event files; null when none has one. */
export async function firstWorkloadError(unitDir: string): Promise<WorkloadError | null> {
  let first: (WorkloadError & { t: number }) | null = null;
  for (const f of await readUnitEvents(unitDir, '')) {
    for (const e of f.parsed.events) {
      if (e.type !== 'end' || e.status !== 'error') continue;
      const t = e.t ?? Number.POSITIVE_INFINITY;
      if (!first || t < first.t) first = { file: f.file, error: e.error?.trim() || '(no message)', t, ...(e.memory_error ? { memory_error: e.memory_error } : {}) };
    }
  }
  if (!first) return null;
  const { t: _, ...found } = first;
  return found;
}

/** One line on a memory failure: `out of memory in forward_backward › trl:compute_loss: asked 2.0 GiB, 1.1 GiB free of 139.8 GiB`. */
export function memoryErrorLine(m: MemoryError): string {
  const gib = (b: number) => formatBinaryBytes(b);
  const what = { oom: 'out of memory', engine_start: 'vLLM would not start: too little free memory', kv_cache: 'vLLM’s KV cache cannot hold one sequence' }[m.kind];
  const where = m.phase_path?.length ? m.phase_path.join(' › ') : m.phase;
  const sizes = [
    ...(m.asked_bytes !== undefined ? [`asked ${gib(m.asked_bytes)}`] : []),
    ...(m.free_bytes !== undefined ? [`${gib(m.free_bytes)} free${m.total_bytes !== undefined ? ` of ${gib(m.total_bytes)}` : ''}`] : []),
  ];
  return `${what}${where ? ` in ${where}` : ''}${sizes.length ? `: ${sizes.join(', ')}` : ''}`;
}

/** The lines worth showing of a workload error: the exception line(s) and the innermost frames. */
export function errorLines(error: string, max = 12): string[] {
  const lines = error.split('\n').filter((l) => l.trim() !== '');
  if (lines.length <= max) return lines;
  const tb = lines.findIndex((l) => l.startsWith('Traceback'));
  const head = tb > 0 ? lines.slice(0, tb) : lines.slice(0, 1);
  const room = Math.max(1, max - head.length - 1);
  return [...head, '…', ...lines.slice(-room)];
}
