// steps.csv, one row per optimizer step of each unit: the one definition of its columns, used by
// the analysis to write it (stepsCsv) and by the reader to read it back (parseStepsCsv).
import { stringify } from 'csv-stringify/sync';
import type { StepRow } from '../records/steps.ts';
import { parseCsv } from './csv.ts';
import { orderPhases } from '../records/events.ts';

/** The phases of the rows, in the protocol's order and then alphabetically. */
export function phaseColumns(rows: readonly StepRow[]): string[] {
  return orderPhases(rows.flatMap((r) => Object.keys(r.phases)));
}

// Units are in the names; booleans true/false; missing values empty, so pandas.read_csv loads it
// without options.

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
