// The memory headroom of one model and mode on the GPU at hand, from a search over sweep points
// (grpo-bench headroom): along each axis the points run in order until the first one that does not
// fit; the verdict is the last one that did. Pure: the command gathers each probe's outcome.
import type { MemoryError } from '../../records/events.ts';
import { formatBinaryBytes } from '../../value-format.ts';

export type ProbeOutcome =
  /** Ran to the end. */
  | 'fits'
  /** Failed with a memory error (PyTorch out of memory, or vLLM unable to start or size its KV cache). */
  | 'out_of_memory'
  /** Failed for another reason: the search cannot say whether it fits. */
  | 'failed'
  /** Not run: the search ended before it. */
  | 'not_run';

export interface Probe {
  point: string;
  value: number;
  outcome: ProbeOutcome;
  memory_error?: MemoryError;
  /** Why it failed or was not run, when not memory. */
  reason?: string;
  /** The largest allocator peak of any phase on trainer rank 0, bytes (CUDA). */
  peak_allocated_bytes?: number;
  /** The phase with that peak. */
  peak_phase?: string;
  /** Median step time over the measured steps. */
  step_time_s?: number;
}

export interface Axis {
  /** The scenario field searched, dotted (`grpo.per_device_train_batch_size`). */
  field: string;
  /** `largest`: values tried upwards, the largest that fits is wanted; `smallest`: downwards. */
  want: 'largest' | 'smallest';
  probes: Probe[];
  /** The last value that fit before the first that did not; absent when none fit. */
  best?: number;
  /** The first value that ran out of memory. */
  limit?: number;
  /** True when the search found both sides of the limit: a value that fits and the next that does not. */
  bracketed: boolean;
  statement: string;
}

export interface Headroom {
  scenario: string;
  /** The sweep point the search started from, when not the scenario without its sweep. */
  point?: string;
  model: string;
  mode: string;
  gpu?: { name: string; total_bytes?: number };
  axes: Axis[];
}

const gib = (b: number) => formatBinaryBytes(b);

/** The verdict of one axis from its probes, in the order they were (to be) run. */
export function judgeAxis(field: string, want: Axis['want'], probes: readonly Probe[]): Axis {
  const name = field.split('.').at(-1)!;
  const firstBad = probes.findIndex((p) => p.outcome !== 'fits');
  const fitting = firstBad < 0 ? probes : probes.slice(0, firstBad);
  const best = fitting.at(-1)?.value;
  const stop = firstBad < 0 ? undefined : probes[firstBad]!;
  const limit = stop?.outcome === 'out_of_memory' ? stop.value : undefined;
  const bracketed = best !== undefined && limit !== undefined;
  const word = want === 'largest' ? 'largest' : 'smallest';
  let statement: string;
  if (stop?.outcome === 'failed') {
    statement = `${name}: the search stopped at ${stop.value}, which failed for another reason than memory (${stop.reason ?? 'see its log'})${best !== undefined ? `; ${best} fits` : ''}`;
  } else if (best === undefined) {
    statement = `${name}: none of the values tried fits; ${stop!.value} ${describeMemory(stop!)}`;
  } else if (limit === undefined) {
    statement = `${name}: every value tried fits; the ${word} that fits is ${want === 'largest' ? 'at least' : 'at most'} ${best}`;
  } else {
    const peak = fitting.at(-1)!.peak_allocated_bytes;
    statement = `${name}: the ${word} that fits is ${best}${peak !== undefined ? ` (allocator peak ${gib(peak)}${fitting.at(-1)!.peak_phase ? ` in ${fitting.at(-1)!.peak_phase}` : ''})` : ''}; ${limit} ${describeMemory(stop!)}`;
  }
  return {
    field,
    want,
    probes: [...probes],
    ...(best !== undefined ? { best } : {}),
    ...(limit !== undefined ? { limit } : {}),
    bracketed,
    statement,
  };
}

function describeMemory(p: Probe): string {
  const m = p.memory_error;
  if (!m) return 'ran out of memory';
  const where = m.phase_path?.length ? m.phase_path.join(' › ') : m.phase;
  const what =
    m.kind === 'oom'
      ? 'ran out of memory'
      : m.kind === 'engine_start'
        ? 'left vLLM too little free memory to start'
        : 'left vLLM no room for one sequence’s KV cache';
  const sizes = [
    ...(m.asked_bytes !== undefined ? [`asked ${gib(m.asked_bytes)}`] : []),
    ...(m.free_bytes !== undefined ? [`${gib(m.free_bytes)} free`] : []),
  ];
  return `${what}${where ? ` in ${where}` : ''}${sizes.length ? ` (${sizes.join(', ')})` : ''}`;
}
