// Events → one StepRow per optimizer step of each unit, timed on trainer rank 0, with warm-up,
// steady-state and outlier marks (written as steps.csv, results/steps-csv.ts). Rules and
// constants: constants.ts, docs/metrics.md.
import type { Event, PhaseEvent, StepEvent } from '../../records/events.ts';
import type { EventFile, UnitData } from '../../results/read.ts';
import { STEADY_RATIO } from '../inference/constants.ts';
import { note } from './notes.ts';
import { type Note } from '../../records/notes.ts';
import { stepBreakdown } from './phases.ts';
import { namedOutliers } from './guards.ts';
import { steadyStateByThroughput, type SteadyStateCut } from './steady-state.ts';
import { outlierFlags, unionLength } from '../inference/stats.ts';
import type { StepRow } from '../../records/steps.ts';
import { formatNumber, formatPercentText } from '../../value-format.ts';

export function eventsOf<K extends Event['type']>(file: EventFile | undefined, type: K): Extract<Event, { type: K }>[] {
  return (file?.parsed.events ?? []).filter((e): e is Extract<Event, { type: K }> => e.type === type);
}

export function trainerFiles(unit: UnitData): EventFile[] {
  return unit.events.filter((f) => f.role === 'trainer').sort((a, b) => a.rank - b.rank);
}

export interface UnitSteps {
  unit: UnitData;
  rows: StepRow[];
  steady: SteadyStateCut;
  /** Measured rows only (not warm-up, not settling). */
  measured: StepRow[];
}

/**
 * The StepRows of one unit from trainer rank 0's `step` events; phases summed per step from its
 * `phase` events (`dur`, monotonic). Work (samples, tokens) is the whole step's: rank 0's counts
 * when they reach the planned global batch, else (rank 0 logged its own share) the sum over the
 * trainer ranks that logged the step.
 */
export function unitSteps(unit: UnitData, warmupSteps: number, notes: Note[]): UnitSteps {
  const trainers = trainerFiles(unit);
  const rank0 = trainers.find((f) => f.rank === 0);
  const where = unit.plan.dir;
  const empty: UnitSteps = { unit, rows: [], steady: steadyStateByThroughput([]), measured: [] };
  if (!rank0) {
    if (unit.events.length > 0 || unit.record?.status !== 'planned')
      notes.push(note('no_trainer_events', where, 'no trainer-0 event file; no steps from this unit'));
    return empty;
  }
  const steps = dedupe(eventsOf(rank0, 'step'), where, notes);
  const byStep = new Map<number, PhaseEvent[]>();
  const intervals = new Map<number, { t0: number; t1: number }[]>();
  const syncBytes = new Map<number, number>();
  for (const p of eventsOf(rank0, 'phase')) {
    byStep.set(p.step, [...(byStep.get(p.step) ?? []), p]);
    intervals.set(p.step, [...(intervals.get(p.step) ?? []), p]);
    if (p.name === 'weight_sync' && p.bytes !== undefined) syncBytes.set(p.step, (syncBytes.get(p.step) ?? 0) + p.bytes);
  }
  // Nested phases are taken out of their parent or kept as details, so a step's phases add up (analysis/summary/phases.ts).
  const phases = new Map([...byStep].map(([step, events]) => [step, stepBreakdown(events).phases]));
  const otherRanks = trainers.filter((f) => f.rank !== 0).map((f) => new Map(eventsOf(f, 'step').map((s) => [s.step, s])));
  const global = unit.plan.batch.global_batch;
  let mismatched = 0;
  const rows: StepRow[] = steps.map((s) => {
    let work = { samples: s.samples, prompt_tokens: s.prompt_tokens, completion_tokens: s.completion_tokens };
    if (s.samples < global && otherRanks.length > 0) {
      for (const r of otherRanks) {
        const o = r.get(s.step);
        if (!o) continue;
        work = {
          samples: work.samples + o.samples,
          prompt_tokens: work.prompt_tokens + o.prompt_tokens,
          completion_tokens: work.completion_tokens + o.completion_tokens,
        };
      }
    }
    if (work.samples !== global) mismatched++;
    return {
      point: unit.plan.point,
      mode: unit.plan.mode,
      repeat: unit.plan.repeat,
      step: s.step,
      warmup: false,
      t0: s.t0,
      t1: s.t1,
      duration_s: s.t1 - s.t0,
      ...work,
      phases: phases.get(s.step) ?? {},
      // Outside every timed phase of rank 0 (their union, so nested phases count once).
      ...(intervals.size > 0 ? { idle_s: Math.max(0, s.t1 - s.t0 - unionLength(intervals.get(s.step) ?? [], s.t0, s.t1)) } : {}),
      ...(syncBytes.size > 0 ? { weight_sync_bytes: syncBytes.get(s.step) ?? 0 } : {}),
      loss: s.loss ?? null,
      reward_mean: s.reward_mean ?? null,
      outlier: false,
    };
  });
  if (mismatched > 0)
    notes.push(
      note(
        'batch_mismatch',
        where,
        `${mismatched} step(s) did not do the planned ${global} samples (a rank's events missing, or the workload changed the batch)`,
      ),
    );

  for (const r of rows) if (r.step < warmupSteps) Object.assign(r, { warmup: true, excluded_by: 'warmup' });
  const after = rows.filter((r) => !r.warmup);
  const steady = steadyStateByThroughput(after.map((r) => ({ work: r.completion_tokens, seconds: r.duration_s })));
  after.slice(0, steady.start).forEach((r) => Object.assign(r, { warmup: true, excluded_by: 'settling' }));
  const measured = after.slice(steady.start);
  outlierFlags(measured.map((r) => r.duration_s)).forEach((flag, i) => (measured[i]!.outlier = flag));
  const pct = (x: number) => formatPercentText(x, { decimals: 0 });
  if (!steady.checked && after.length > 0) {
    notes.push(
      note(
        'steady_state_unchecked',
        where,
        `only ${after.length} step(s) after the warm-up (fewer than ${STEADY_RATIO.min_steps}): the steady-state rule was not applied, all are measured`,
      ),
    );
  } else if (!steady.settled) {
    notes.push(
      note(
        'not_settled',
        where,
        `throughput was still below its last steps' by more than ${pct(STEADY_RATIO.tolerance)} up to the reference window; measuring the last ${measured.length} steps`,
      ),
    );
  } else if (steady.cut_steps > 0) {
    notes.push(
      note(
        'settling_cut',
        where,
        `${steady.cut_steps} step(s) after the warm-up cut as settling: their throughput was ${pct(steady.cut_relative_throughput!)} of the last ${steady.reference_steps} steps'; keeping them would have given ${pct(steady.uncut_relative_throughput)}`,
      ),
    );
  }
  const odd = namedOutliers(measured.map((r) => ({ label: `step ${r.step}`, value: r.duration_s })));
  if (odd.length > 0) {
    notes.push(
      note(
        'outlier_steps',
        where,
        `${odd.map((o) => `${o.label} (${formatNumber(o.value, { decimals: 3 })} s, modified z ${formatNumber(o.z, { decimals: 1 })})`).join(', ')} far from the other measured steps: flagged in steps.csv, kept`,
      ),
    );
  }
  return { unit, rows, steady, measured };
}

/** Measured step rows of one (point, mode), one array per run (repeat), runs and steps in order. */
export function measuredRuns(rows: readonly StepRow[], point: string, mode: string): StepRow[][] {
  const byRepeat = new Map<number, StepRow[]>();
  for (const r of rows) {
    if (r.warmup || r.point !== point || r.mode !== mode) continue;
    const run = byRepeat.get(r.repeat) ?? [];
    run.push(r);
    byRepeat.set(r.repeat, run);
  }
  return [...byRepeat.entries()].sort((a, b) => a[0] - b[0]).map(([, run]) => run.sort((x, y) => x.step - y.step));
}

function dedupe(steps: StepEvent[], where: string, notes: Note[]): StepEvent[] {
  const seen = new Map<number, StepEvent>();
  for (const s of steps) if (!seen.has(s.step)) seen.set(s.step, s);
  if (seen.size < steps.length)
    notes.push(note('duplicate_steps', where, `trainer-0 logged ${steps.length - seen.size} step(s) twice; the first of each kept`));
  return [...seen.values()].sort((a, b) => a.step - b.step);
}
