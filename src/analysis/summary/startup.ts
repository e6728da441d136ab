// Where a run's time before its first step goes (docs/metrics.md "Where start-up goes"): per run,
// trainer rank 0's `startup` events between the unit's launch and the end of its first step; per
// mode, their means over the runs, cold and warm compile caches apart.
import { STARTUP_PARTS, type StartupEvent } from '../../records/events.ts';
import type { StartupCache, StartupShare, StartupSplit } from '../../records/summary.ts';
import { eventsOf, trainerFiles, type UnitSteps } from './steps.ts';

/** One run's split: seconds by part, in display order; they add up to `total_s`. */
export interface RunStartup {
  cache: StartupCache;
  total_s: number;
  /** `launch`, the parts the run wrote, `first_step`, `other`. */
  seconds: Map<string, number>;
}

/** The split's rows in display order: launch, the protocol's parts, the first step, the rest. */
export const SPLIT_ORDER = ['launch', ...STARTUP_PARTS, 'first_step', 'other'] as const;

/**
 * One run's split. `launched`: the unit's start (manifest, epoch seconds); `firstEvent`: the
 * process's earliest event; `firstStep`: trainer-0's first step. A part written inside another
 * (TRL builds its vLLM engine in GRPOTrainer's constructor) counts in the inner part only, so the
 * parts never overlap; `other` is what no part covers (interpreter start, data loading, the
 * harness's waits). Undefined without start-up events.
 */
export function runStartup(
  launched: number,
  firstEvent: number,
  events: readonly StartupEvent[],
  firstStep: { t0: number; t1: number },
  cache: StartupCache,
): RunStartup | undefined {
  if (events.length === 0) return undefined;
  const total = firstStep.t1 - launched;
  const seconds = new Map<string, number>([['launch', firstEvent - launched]]);
  for (const part of STARTUP_PARTS) {
    let s = 0;
    for (const e of events.filter((x) => x.part === part)) {
      const inner = events.filter((x) => x !== e && x.t0 >= e.t0 && x.t1 <= e.t1 && x.dur < e.dur);
      s += e.dur - inner.reduce((sum, x) => sum + x.dur, 0);
    }
    if (events.some((x) => x.part === part)) seconds.set(part, s);
  }
  seconds.set('first_step', firstStep.t1 - firstStep.t0);
  const covered = [...seconds.values()].reduce((a, b) => a + b, 0);
  seconds.set('other', total - covered);
  return { cache, total_s: total, seconds };
}

function cacheOf(warm: boolean | null | undefined): StartupCache {
  return warm === true ? 'warm' : warm === false ? 'cold' : 'unknown';
}

/** A mode's runs → their splits (means over runs, so the parts add up to the mean time to first step), cold, warm and unknown apart; undefined when no run wrote start-up events. */
export function startupSplits(units: readonly UnitSteps[]): StartupSplit[] | undefined {
  const runs: RunStartup[] = [];
  for (const u of units) {
    const first = u.rows[0];
    const started = u.unit.record?.started ? Date.parse(u.unit.record.started) / 1000 : Number.NaN;
    const rank0 = trainerFiles(u.unit).find((f) => f.rank === 0);
    if (!first || !Number.isFinite(started) || !rank0) continue;
    const firstEvent = Math.min(
      ...rank0.parsed.events.map((e) => {
        const when = 't0' in e ? e.t0 : 't' in e ? e.t : undefined;
        return typeof when === 'number' ? when : Number.POSITIVE_INFINITY;
      }),
    );
    const r = runStartup(started, firstEvent, eventsOf(rank0, 'startup'), first, cacheOf(u.unit.record?.cache_warm));
    if (r) runs.push(r);
  }
  if (runs.length === 0) return undefined;
  const order: StartupCache[] = ['cold', 'warm', 'unknown'];
  return order.flatMap((cache) => {
    const group = runs.filter((r) => r.cache === cache);
    if (group.length === 0) return [];
    const mean = (f: (r: RunStartup) => number) => group.reduce((s, r) => s + f(r), 0) / group.length;
    const parts: StartupShare[] = SPLIT_ORDER.filter((p) => group.some((r) => r.seconds.has(p))).map((part) => ({
      part,
      seconds: mean((r) => r.seconds.get(part) ?? 0),
      runs: group.filter((r) => r.seconds.has(part)).length,
    }));
    return [{ cache, runs: group.length, total_s: mean((r) => r.total_s), parts }];
  });
}
