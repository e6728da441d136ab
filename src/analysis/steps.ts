// Events → one StepRow per optimizer step of each unit, timed on trainer rank 0, with warm-up,
// steady-state and outlier marks; and steps.csv. Rules and constants: constants.ts, docs/metrics.md.
import { stringify } from 'csv-stringify/sync';
import type { Event, PhaseEvent, StepEvent } from '../results/events.ts';
import { PHASE_NAMES } from '../results/events.ts';
import { parseCsv, type EventFile, type UnitData } from '../results/read.ts';
import { STEADY } from './constants.ts';
import { stepBreakdown } from './phases.ts';
import { mad, median, outlierFlags, unionLength } from './stats.ts';
import type { StepRow } from './types.ts';

export function eventsOf<K extends Event['type']>(file: EventFile | undefined, type: K): Extract<Event, { type: K }>[] {
  return (file?.parsed.events ?? []).filter((e): e is Extract<Event, { type: K }> => e.type === type);
}

export function trainerFiles(unit: UnitData): EventFile[] {
  return unit.events.filter((f) => f.role === 'trainer').sort((a, b) => a.rank - b.rank);
}

export interface SteadyState {
  /** Index (into the steps after the fixed warm-up) of the first measured step. */
  start: number;
  /** False when no step before the reference window met the rule (step time still drifting); measurement then starts at the reference window. */
  settled: boolean;
  /** False when there were too few steps to look (everything after the fixed warm-up is measured). */
  checked: boolean;
}

/**
 * Where step time settles, among the steps after the fixed warm-up (durations in step order).
 * Reference: the last half of the steps, median m, σ̂ = 1.4826·MAD. The first measured step is
 * the earliest k before the reference's start with d_k ≤ m + max(3σ̂, 0.05·m) and the median
 * of d_k … d_end within 5% of m. Constants: STEADY.
 */
export function detectSteadyState(durations: readonly number[]): SteadyState {
  const n = durations.length;
  if (n < STEADY.min_steps) return { start: 0, settled: true, checked: false };
  const refStart = n - Math.ceil(n * STEADY.reference_fraction);
  const ref = durations.slice(refStart);
  const m = median(ref);
  const threshold = m + Math.max(STEADY.k_mad * STEADY.mad_to_sigma * mad(ref), STEADY.tolerance * m);
  for (let k = 0; k < refStart; k++) {
    if (durations[k]! <= threshold && Math.abs(median(durations.slice(k)) - m) <= STEADY.tolerance * m) {
      return { start: k, settled: true, checked: true };
    }
  }
  return { start: refStart, settled: false, checked: true };
}

export interface UnitSteps {
  unit: UnitData;
  rows: StepRow[];
  steady: SteadyState;
  /** Measured rows only (not warm-up, not settling). */
  measured: StepRow[];
}

/**
 * The StepRows of one unit from trainer rank 0's `step` events; phases summed per step from its
 * `phase` events (`dur`, monotonic). Work (samples, tokens) is the whole step's: rank 0's counts
 * when they reach the planned global batch, else (rank 0 logged its own share) the sum over the
 * trainer ranks that logged the step.
 */
export function unitSteps(unit: UnitData, warmupSteps: number, notes: string[]): UnitSteps {
  const trainers = trainerFiles(unit);
  const rank0 = trainers.find((f) => f.rank === 0);
  const where = unit.plan.dir;
  const empty: UnitSteps = { unit, rows: [], steady: { start: 0, settled: true, checked: false }, measured: [] };
  if (!rank0) {
    if (unit.events.length > 0 || unit.record?.status !== 'planned') notes.push(`${where}: no trainer-0 event file; no steps from this unit`);
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
  // Nested phases are taken out of their parent or kept as details, so a step's phases add up (analysis/phases.ts).
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
        work = { samples: work.samples + o.samples, prompt_tokens: work.prompt_tokens + o.prompt_tokens, completion_tokens: work.completion_tokens + o.completion_tokens };
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
  if (mismatched > 0) notes.push(`${where}: ${mismatched} step(s) did not do the planned ${global} samples (a rank's events missing, or the workload changed the batch)`);

  for (const r of rows) if (r.step < warmupSteps) Object.assign(r, { warmup: true, excluded_by: 'warmup' });
  const after = rows.filter((r) => !r.warmup);
  const steady = detectSteadyState(after.map((r) => r.duration_s));
  after.slice(0, steady.start).forEach((r) => Object.assign(r, { warmup: true, excluded_by: 'settling' }));
  const measured = after.slice(steady.start);
  outlierFlags(measured.map((r) => r.duration_s)).forEach((flag, i) => (measured[i]!.outlier = flag));
  if (!steady.settled) {
    notes.push(`${where}: step time did not settle by the rule in docs/metrics.md; measuring the last ${measured.length} steps`);
  }
  return { unit, rows, steady, measured };
}

function dedupe(steps: StepEvent[], where: string, notes: string[]): StepEvent[] {
  const seen = new Map<number, StepEvent>();
  for (const s of steps) if (!seen.has(s.step)) seen.set(s.step, s);
  if (seen.size < steps.length) notes.push(`${where}: trainer-0 logged ${steps.length - seen.size} step(s) twice; the first of each kept`);
  return [...seen.values()].sort((a, b) => a.step - b.step);
}

/** Phase names in a stable order: the protocol's, then any others alphabetically. */
export function phaseColumns(rows: readonly StepRow[]): string[] {
  const names = new Set(rows.flatMap((r) => Object.keys(r.phases)));
  const known = PHASE_NAMES.filter((n) => names.has(n));
  const others = [...names].filter((n) => !(PHASE_NAMES as readonly string[]).includes(n)).sort();
  return [...known, ...others];
}

// steps.csv: the one definition of its columns, used to write it (stepsCsv) and to read it back
// (parseStepsCsv, which the reports use). Units are in the names; booleans true/false; missing
// values empty, so pandas.read_csv loads it without options.

type Cell = string | number | boolean | null | undefined;
/** text; number (NaN when empty); maybe (a number, absent when empty); optional (a number, null when empty); bool. */
type Kind = 'text' | 'number' | 'maybe' | 'optional' | 'bool';
interface Column {
  name: string;
  kind: Kind;
  get: (r: StepRow) => Cell;
  /** Derived columns are written for readers, never read back. */
  derived?: boolean;
}

const field = (name: keyof StepRow & string, kind: Kind): Column => ({ name, kind, get: (r) => r[name] as Cell });

/** Columns before the phase columns. */
const HEAD: readonly Column[] = [
  field('point', 'text'),
  field('mode', 'text'),
  field('repeat', 'number'),
  field('step', 'number'),
  field('warmup', 'bool'),
  field('excluded_by', 'text'),
  field('outlier', 'bool'),
  field('t0', 'number'),
  field('t1', 'number'),
  field('duration_s', 'number'),
  field('samples', 'number'),
  field('prompt_tokens', 'number'),
  field('completion_tokens', 'number'),
];
/** Completion tokens ÷ duration of the row: a unit conversion for readers of the CSV, not a summary statistic. */
const RATE: Column = { name: 'completion_tokens_per_s', kind: 'number', derived: true, get: (r) => (r.duration_s > 0 ? r.completion_tokens / r.duration_s : undefined) };
/** Columns after the phase columns. */
const TAIL: readonly Column[] = [field('idle_s', 'maybe'), field('weight_sync_bytes', 'maybe'), field('loss', 'optional'), field('reward_mean', 'optional')];

/** The column of a phase: `phase_<name>_s` (characters other than letters, digits and _ become _). */
export const phaseColumn = (name: string) => `phase_${name.replace(/[^A-Za-z0-9_]/g, '_')}_s`;
const PHASE_COLUMN = /^phase_(.+)_s$/;

/**
 * steps.csv: one row per (point, mode, repeat, step). A phase a step did not have is 0 seconds;
 * `idle_s` is the step's time outside every phase (empty when the unit logged no phases).
 * `rates: true` adds `completion_tokens_per_s` after the token counts (the report's copy).
 */
export function stepsCsv(rows: readonly StepRow[], options: { rates?: boolean } = {}): string {
  const phases = phaseColumns(rows);
  const head = options.rates ? [...HEAD, RATE] : HEAD;
  const columns = [...head.map((c) => c.name), ...phases.map(phaseColumn), ...TAIL.map((c) => c.name)];
  const cell = (v: Cell) => (v === null || v === undefined ? '' : v);
  const records = rows.map((r) => [...head.map((c) => cell(c.get(r))), ...phases.map((p) => r.phases[p] ?? 0), ...TAIL.map((c) => cell(c.get(r)))]);
  return stringify(records, { header: true, columns, cast: { boolean: (v) => (v ? 'true' : 'false') } });
}

/**
 * steps.csv back into StepRows by the same column definitions. Columns it does not know (and
 * derived ones) are ignored; phases come back from `phase_<name>_s`.
 */
export function parseStepsCsv(text: string): StepRow[] {
  const { records } = parseCsv(text.endsWith('\n') ? text : `${text}\n`);
  const header = records.shift()?.fields ?? [];
  const known = new Map([...HEAD, ...TAIL].map((c) => [c.name, c]));
  return records.map(({ fields }) => {
    const row: Record<string, unknown> = { point: 'default', mode: 'server', warmup: false, outlier: false, phases: {} };
    header.forEach((h, i) => {
      const s = fields[i] ?? '';
      const c = known.get(h);
      if (!c) {
        const phase = PHASE_COLUMN.exec(h)?.[1];
        if (phase !== undefined && s !== '') (row.phases as Record<string, number>)[phase] = Number(s);
        return;
      }
      if (c.kind === 'bool') row[h] = s === 'true' || s === 'True' || s === '1';
      else if (s !== '') row[h] = c.kind === 'text' ? s : Number(s);
      else if (c.kind === 'number') row[h] = Number.NaN;
      else if (c.kind === 'optional') row[h] = null;
    });
    return row as unknown as StepRow;
  });
}
