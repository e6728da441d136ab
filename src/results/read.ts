// The one reader of a results folder: manifest, plan, every unit's event files and sampled CSVs,
// and what the analysis wrote (summary.json, steps.csv), validated and typed as RunData. Nothing
// else reads a results folder; paths come from layout.ts, older folders are brought up to date by
// migrate.ts. Before anything is parsed, the folder's files are checked against the digests its
// manifest recorded (integrity.ts): a raw file that changed after the run is an error unless the
// caller asks to go on, and a derived file that changed is left out so it is computed again. A
// partial run reads as far as it goes: missing files are empty, unreadable lines and rows are
// listed as problems, and the caller says what was missing.
import { open, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { z } from 'zod';
import { Manifest, type UnitRecord } from '../records/manifest.ts';
import { PlanShape, type RunPlan, type UnitPlan } from '../records/plan.ts';
import { TELEMETRY_TEXT_COLUMNS, type HostRow, type ProcessRow, type TelemetryRow } from '../records/samples.ts';
import type { StepRow } from '../records/steps.ts';
import { SummaryShape, type Summary } from '../records/summary.ts';
import { readUserFile, UserError } from '../errors.ts';
import { parseEvents, PROTOCOL_VERSION, type ParsedEvents } from '../records/events.ts';
import type { PointInfo, SweepSpec } from '../scenario/sweep.ts';
import { parseCsv } from './csv.ts';
import { checkIntegrity, IntegrityError, INTEGRITY_EXIT_CODE, type IntegrityCheck } from './integrity.ts';
import { EVENTS_DIR, parseEventFileName, RUN_FILES, SAMPLE_FILES } from './layout.ts';
import { checkSchemaVersion, planPoints } from './migrate.ts';
import { parseStepsCsv } from './steps-csv.ts';
import { clockOffset, readNodeFolders, shiftEvents } from './nodes.ts';

export interface EventFile {
  /** Relative to the run folder, e.g. `colocate/r0/events/trainer-0.jsonl`. */
  file: string;
  role: string;
  rank: number;
  parsed: ParsedEvents;
}

/** A CSV read into numbers by column (text columns kept as text); rows with the wrong field count are problems. */
export interface Table<Row> {
  file: string;
  /** The header, in file order. */
  columns: string[];
  rows: Row[];
  problems: { line: number; message: string }[];
}


export interface UnitData {
  plan: UnitPlan;
  /** The manifest's record of this unit; absent when the manifest never got to it. */
  record: UnitRecord | undefined;
  events: EventFile[];
  /** Absent when the file is absent or empty (CPU runs have no telemetry.csv). */
  telemetry?: Table<TelemetryRow>;
  processes?: Table<ProcessRow>;
  host?: Table<HostRow>;
}

/** What the analysis wrote into the folder. */
export interface StoredAnalysis {
  /** summary.json as written (its `schema_version` may be older than this harness's), unknown figures as NaN. */
  summary: Summary;
  /** Rows of steps.csv, in file order; empty when the file is absent. */
  steps: StepRow[];
}

export interface RunData {
  dir: string;
  manifest: Manifest;
  plan: RunPlan;
  /** In plan order. */
  units: UnitData[];
  /** Absent until the analysis has run (no summary.json), and when steps.csv or summary.json changed after it wrote them. */
  analysis?: StoredAnalysis;
  /** How the folder's files compared with the digests its manifest recorded. */
  integrity: IntegrityCheck;
}

export interface ReadOptions {
  /** Read a folder whose raw files do not match their digests instead of refusing it; `integrity` says which. */
  allowUnverified?: boolean;
}

const HINT = 'Pass a results folder written by `grpo-bench run`, e.g. results/<run-id>.';

/** Reads `name` in the run folder as JSON of `shape`; undefined when absent and `optional`. Errors name the file and each field. */
async function readJson<T>(runDir: string, name: string, shape: z.ZodType, what: string, optional = false): Promise<T | undefined> {
  const file = path.join(runDir, name);
  if (optional && (await stat(file).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? null : undefined))) === null) return undefined;
  // A results file that cannot be read is a damaged folder, never a verdict: its own exit code.
  const text = await readUserFile(file, name, HINT, what).catch((err: unknown) => {
    throw err instanceof UserError ? new UserError(err.message, err.hint, INTEGRITY_EXIT_CODE) : err;
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (${(err as Error).message}); expected ${what}`, HINT, INTEGRITY_EXIT_CODE);
  }
  const parsed = shape.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `  ${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new UserError(`${file}: not ${what}\n${issues.join('\n')}`, HINT, INTEGRITY_EXIT_CODE);
  }
  // The file's own object, not zod's copy: key order and fields it does not check stay as written.
  return json as T;
}

/**
 * The whole run folder. Fails (a UserError naming the file and field) when manifest.json or
 * plan.json is missing or malformed, and (an IntegrityError naming each file) when a raw file is
 * not as its unit recorded it, unless `allowUnverified`.
 */
export async function readRun(runDir: string, options: ReadOptions = {}): Promise<RunData> {
  const manifest = (await readJson<Manifest>(runDir, RUN_FILES.manifest, Manifest, 'a grpo-bench run manifest (run_id, scenario, units)'))!;
  checkSchemaVersion(path.join(runDir, RUN_FILES.manifest), manifest.schema_version);
  const integrity = await checkIntegrity(runDir, manifest);
  if (integrity.problems.length && !options.allowUnverified) throw new IntegrityError(runDir, integrity.problems);
  const stored = (await readJson<Omit<RunPlan, 'points'> & { points?: PointInfo[] }>(runDir, RUN_FILES.plan, PlanShape, 'a grpo-bench launch plan (device, units with dir, mode, devices, batch)'))!;
  const plan: RunPlan = { ...stored, points: stored.points ?? planPoints(stored.units, manifest.sweep as SweepSpec | undefined) };
  const records = new Map(manifest.units.map((u) => [u.dir, u]));
  const units = await Promise.all(plan.units.map((u) => readUnit(runDir, u, records.get(u.dir))));
  const analysis = integrity.derivedChanged.length ? undefined : await readAnalysis(runDir);
  return { dir: runDir, manifest, plan, units, ...(analysis ? { analysis } : {}), integrity };
}

/** summary.json and steps.csv alone (a report can show a summary whose folder cannot be read whole); undefined without summary.json. */
export async function readAnalysis(runDir: string): Promise<StoredAnalysis | undefined> {
  const summary = await readJson<Summary>(runDir, RUN_FILES.summary, SummaryShape, 'a grpo-bench summary (schema_version, run_id, modes, comparisons)', true);
  if (!summary) return undefined;
  const steps = await readText(path.join(runDir, RUN_FILES.steps));
  return { summary: nullsToNaN(summary), steps: steps ? parseStepsCsv(steps) : [] };
}

/**
 * summary.json writes NaN as null (busy_fraction, generation_to_training_ratio when unknown);
 * back to NaN here so the types hold and every renderer shows it as missing.
 */
function nullsToNaN(summary: Summary): Summary {
  const nan = (x: number | null) => (x === null ? Number.NaN : x);
  for (const m of summary.modes) {
    m.generation_to_training_ratio = nan(m.generation_to_training_ratio);
    for (const a of m.activity) {
      a.busy_fraction = nan(a.busy_fraction);
      // Summaries written before the idle figures have none: derive the phases view's.
      a.idle = a.idle ? { ...a.idle, phases: nan(a.idle.phases) } : { phases: 1 - a.busy_fraction };
      if (a.sm_occupancy_mean !== undefined) a.sm_occupancy_mean = nan(a.sm_occupancy_mean);
      if (a.tensor_active_mean !== undefined) a.tensor_active_mean = nan(a.tensor_active_mean);
    }
  }
  for (const c of summary.comparisons) {
    for (const k of Object.keys(c.generation_to_training_ratio)) c.generation_to_training_ratio[k] = nan(c.generation_to_training_ratio[k]!);
  }
  return summary;
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function readUnit(runDir: string, plan: UnitPlan, record: UnitRecord | undefined): Promise<UnitData> {
  const unitDir = path.join(runDir, plan.dir);
  const events = await readUnitEvents(unitDir, plan.dir);
  /** A folder's sample tables; a node's with its clock offset added, its GPUs renamed to the unit's slots and its name on every row. */
  const tables = async (dir: string, node?: { name: string; offset: number; slot: (gpu: number) => number }) => {
    const [telemetry, processes, host] = await Promise.all([
      readTable<TelemetryRow>(runDir, path.join(dir, SAMPLE_FILES.telemetry), TELEMETRY_TEXT_COLUMNS),
      readTable<ProcessRow>(runDir, path.join(dir, SAMPLE_FILES.processes), ['process', 'role']),
      readTable<HostRow>(runDir, path.join(dir, SAMPLE_FILES.host), []),
    ]);
    if (!node) return { telemetry, processes, host };
    const onNode = <R extends { t: number }>(t: Table<R> | undefined, more: (r: R) => Partial<R> = () => ({})) =>
      t && { ...t, columns: [...t.columns, 'node'], rows: t.rows.map((r) => ({ ...r, ...more(r), t: r.t + node.offset, node: node.name })) };
    return { telemetry: onNode(telemetry, (r) => ({ gpu: node.slot(r.gpu) })), processes: onNode(processes), host: onNode(host) };
  };
  const own = await tables(plan.dir);
  // A unit that ran on several nodes: every node's samples in one table per kind.
  const perNode = await Promise.all(
    (await readNodeFolders(unitDir)).map(({ dir, record }) =>
      tables(path.join(plan.dir, dir), { name: record.node, offset: clockOffset(record), slot: (gpu) => record.slots[record.gpus.indexOf(gpu)] ?? gpu }),
    ),
  );
  const merge = <R>(kind: 'telemetry' | 'processes' | 'host') => mergeTables([own, ...perNode].map((t) => t[kind] as Table<R> | undefined));
  return { plan, record, events, telemetry: merge<TelemetryRow>('telemetry'), processes: merge<ProcessRow>('processes'), host: merge<HostRow>('host') };
}

/** One table of several files' rows (undefined when none exists); each problem names its file when there are several. */
function mergeTables<R>(tables: (Table<R> | undefined)[]): Table<R> | undefined {
  const present = tables.filter((t): t is Table<R> => t !== undefined);
  if (present.length <= 1) return present[0];
  return {
    file: present[0]!.file,
    columns: [...new Set(present.flatMap((t) => t.columns))],
    rows: present.flatMap((t) => t.rows),
    problems: present.flatMap((t) => t.problems.map((p) => ({ ...p, message: `${t.file}: ${p.message}` }))),
  };
}

/**
 * A unit's event files (`events/<role>-<rank>.jsonl`, and `nodes/<node>/events/…` of a unit
 * that ran on several nodes, on the submitting host's clock), sorted by name within each
 * folder; none when absent. Each `file` is `prefix/…` (the run-relative unit folder, or '' for
 * unit-relative).
 */
export async function readUnitEvents(unitDir: string, prefix: string): Promise<EventFile[]> {
  const events = await readEventsDir(unitDir, prefix, 0);
  for (const { dir, record } of await readNodeFolders(unitDir)) {
    events.push(...(await readEventsDir(path.join(unitDir, dir), path.join(prefix, dir), clockOffset(record))));
  }
  return events;
}

async function readEventsDir(dir: string, prefix: string, offset: number): Promise<EventFile[]> {
  const eventsDir = path.join(dir, EVENTS_DIR);
  let names: string[] = [];
  try {
    names = (await readdir(eventsDir)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const events: EventFile[] = [];
  for (const name of names) {
    const of = parseEventFileName(name);
    if (!of) continue;
    const parsed = shiftEvents(await readEventsFile(path.join(eventsDir, name)), offset);
    events.push({ file: path.join(prefix, EVENTS_DIR, name), ...of, parsed });
  }
  return events;
}

/**
 * Follows an event file while its writer appends to it: each call returns the JSON objects of the
 * lines completed since the previous call (none while the file does not exist yet), unchecked, so
 * a live display can show what the analysis will later check and report. Reads only the new bytes,
 * so a long run's growing file costs the harness (whose CPU time is measured) nothing extra per
 * call; a line or a character cut between two reads waits for the next.
 */
export function followEventLines(file: string): () => Promise<Record<string, unknown>[]> {
  let offset = 0;
  let partial = '';
  const decoder = new StringDecoder('utf8');
  return async () => {
    let fh;
    try {
      fh = await open(file, 'r');
    } catch {
      return []; // not created yet: the workload is still starting
    }
    try {
      const { size } = await fh.stat();
      if (size <= offset) return [];
      const buf = Buffer.alloc(size - offset);
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      offset += bytesRead;
      const lines = (partial + decoder.write(buf.subarray(0, bytesRead))).split('\n');
      partial = lines.pop() ?? '';
      return lines.flatMap((line) => {
        try {
          const json: unknown = JSON.parse(line);
          return json !== null && typeof json === 'object' ? [json as Record<string, unknown>] : [];
        } catch {
          return []; // not an event the analysis could read either; the analysis reports it
        }
      });
    } finally {
      await fh.close();
    }
  };
}

/** Reads `runDir/file`, a CSV with a header; columns not in `text` become numbers (empty → NaN). Absent or empty file → undefined. */
export async function readTable<Row>(runDir: string, file: string, text: readonly string[]): Promise<Table<Row> | undefined> {
  const content = await readText(path.join(runDir, file));
  if (!content) return undefined;
  const { records, problems } = parseCsv(content);
  const columns = records.shift()?.fields ?? [];
  const rows: Row[] = [];
  for (const { line, fields } of records) {
    if (fields.length !== columns.length) {
      problems.push({ line, message: `${fields.length} fields, header has ${columns.length}` });
      continue;
    }
    const row: Record<string, string | number> = {};
    columns.forEach((h, i) => {
      const v = fields[i]!;
      row[h] = text.includes(h) ? v : v === '' ? Number.NaN : Number(v);
    });
    rows.push(row as Row);
  }
  return { file, columns, rows, problems };
}

/** An event file parsed; an absent one is empty (its process never started). */
export async function readEventsFile(file: string): Promise<ParsedEvents> {
  const text = await readText(file);
  return text === undefined ? { protocol: PROTOCOL_VERSION, events: [], problems: [], truncated: false } : parseEvents(text);
}
