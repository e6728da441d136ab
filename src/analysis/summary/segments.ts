// What each view read during each timed segment of a program (its `phase` events): the table
// of `grpo-bench sample`, and of the known-truth check (bench/gpu/known-truth.py writes what the
// GPU truly did into each segment's event). Pure.
import type { PhaseEvent } from '../../records/events.ts';
import { readViews, type GpuSeries, type ViewReading } from './views.ts';

export interface SegmentReading {
  /** Order of the segment in the program. */
  index: number;
  name: string;
  gpu: number;
  t0: number;
  t1: number;
  /** The part of the segment read: its start is moved on by the settling time, so views that average a trailing window do not carry the previous segment into it. */
  read_from: number;
  /** What the program says the GPU did (the event's `truth`), when it says. */
  truth?: unknown;
  reading: ViewReading;
}

/** Default settling time: utilization.gpu and NVML power average over up to about a second. */
export const SEGMENT_SETTLE_S = 1;

/** One reading per (segment, GPU); a segment shorter than the settling time is read whole. */
export function segmentReadings(phases: readonly PhaseEvent[], series: Iterable<GpuSeries>, settleS = SEGMENT_SETTLE_S): SegmentReading[] {
  const out: SegmentReading[] = [];
  const gpus = [...series];
  [...phases]
    .sort((a, b) => a.t0 - b.t0)
    .forEach((p, index) => {
      const from = p.t1 - p.t0 > 2 * settleS ? p.t0 + settleS : p.t0;
      for (const s of gpus) {
        out.push({
          index,
          name: p.name,
          gpu: s.gpu,
          t0: p.t0,
          t1: p.t1,
          read_from: from,
          ...('truth' in p && p.truth !== undefined ? { truth: p.truth } : {}),
          reading: readViews(s, from, p.t1),
        });
      }
    });
  return out;
}
