// The workload's own account of why a unit failed. A launcher (torchrun, accelerate) that loses
// a rank exits with its own traceback last in the log, which buries the rank's error; each
// rank records that error in its `end` event, so the earliest one is the first failure.
import { readUnitEvents } from './read.ts';

export interface WorkloadError {
  /** The event file it came from, relative to the unit folder, e.g. `events/trainer-1.jsonl`. */
  file: string;
  /** The error as the workload wrote it: the exception first, then (maybe) its traceback. */
  error: string;
}

/** The earliest `end` event with status error among the unit's event files; null when none has one. */
export async function firstWorkloadError(unitDir: string): Promise<WorkloadError | null> {
  let first: (WorkloadError & { t: number }) | null = null;
  for (const f of await readUnitEvents(unitDir, '')) {
    for (const e of f.parsed.events) {
      if (e.type !== 'end' || e.status !== 'error') continue;
      const t = e.t ?? Number.POSITIVE_INFINITY;
      if (!first || t < first.t) first = { file: f.file, error: e.error?.trim() || '(no message)', t };
    }
  }
  return first && { file: first.file, error: first.error };
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
