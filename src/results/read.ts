// Reading a results folder back: manifest, plan, and per unit its event files and sampled CSVs.
// A partial run reads as far as it goes: missing files are empty, unreadable lines are listed
// as problems, and the caller says what was missing.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { readUserFile, UserError } from '../errors.ts';
import type { RunPlan, UnitPlan } from '../launch/types.ts';
import { MODE_NAMES, type ModeName } from '../scenario/schema.ts';
import { sweepPoints, type PointInfo, type SweepSpec } from '../scenario/sweep.ts';
import { readEventsFile, type ParsedEvents } from './events.ts';
import { EVENTS_DIR, parseEventFileName, RUN_FILES, SAMPLE_FILES } from './layout.ts';
import type { Manifest, UnitRecord } from './manifest.ts';

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
  rows: Row[];
  problems: { line: number; message: string }[];
}

export interface TelemetryRow {
  t: number;
  gpu: number;
  util_pct: number;
  mem_used_mib: number;
  mem_total_mib: number;
  power_w: number;
  sm_clock_mhz: number;
  temp_c: number;
  throttle_reasons: string;
  /** Columns of the NVML sampler (telemetry/gpu-row.ts); absent in files written before them, NaN in nvidia-smi rows. */
  energy_mj?: number;
  sm_active_pct?: number;
  sm_occupancy_pct?: number;
  tensor_active_pct?: number;
  /** `nvml` or `nvidia-smi`; absent in files written before the column. */
  source?: string;
}

/** The text columns of telemetry.csv; the others are numbers. */
export const TELEMETRY_TEXT_COLUMNS = ['throttle_reasons', 'source'] as const;

export interface ProcessRow {
  t: number;
  pid: number;
  process: string;
  role: string;
  cpu_pct: number;
  rss_mib: number;
  gpu_mem_mib: number;
}

export interface HostRow {
  t: number;
  cpu_pct: number;
  mem_used_mib: number;
  mem_total_mib: number;
}

export interface UnitData {
  plan: UnitPlan;
  /** The manifest's record of this unit; absent when the manifest never got to it. */
  record: UnitRecord | undefined;
  events: EventFile[];
  /** Absent when the file is (CPU runs have no telemetry.csv). */
  telemetry?: Table<TelemetryRow>;
  processes?: Table<ProcessRow>;
  host?: Table<HostRow>;
}

export interface RunData {
  dir: string;
  manifest: Manifest;
  plan: RunPlan;
  units: UnitData[];
}

// Only the parts analysis reads are checked; the rest passes through.
const ManifestShape = z.looseObject({
  run_id: z.string(),
  status: z.string(),
  scenario: z.looseObject({
    name: z.string(),
    workload: z.string(),
    protocol: z.enum(['equal_per_device_batch', 'equal_global_batch']),
    warmup_steps: z.number().int().nonnegative(),
  }),
  units: z.array(z.looseObject({ dir: z.string(), status: z.string() })),
});

const PlanShape = z.looseObject({
  device: z.enum(['cuda', 'cpu']),
  /** Absent in a plan.json written before points were named at plan time (planPoints derives them). */
  points: z.array(z.looseObject({ id: z.string(), values: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])), label: z.string() })).optional(),
  units: z.array(
    z.looseObject({
      point: z.string(),
      mode: z.enum(MODE_NAMES as [ModeName, ...ModeName[]]),
      repeat: z.number().int().nonnegative(),
      dir: z.string(),
      devices: z.looseObject({ kind: z.enum(['cuda', 'cpu']), allocated: z.array(z.number()), training: z.array(z.number()), server: z.array(z.number()) }),
      batch: z.looseObject({ global_batch: z.number(), per_device_train_batch_size: z.number() }),
    }),
  ),
});

async function readJson<T>(runDir: string, name: string, shape: z.ZodType, what: string): Promise<T> {
  const file = path.join(runDir, name);
  const text = await readUserFile(file, name, 'Pass a results folder written by `grpo-bench run`, e.g. results/<run-id>.', what);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (${(err as Error).message}); expected ${what}`);
  }
  const parsed = shape.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `  ${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new UserError(`${file}: not ${what}\n${issues.join('\n')}`);
  }
  return json as T;
}

export async function readRun(runDir: string): Promise<RunData> {
  const manifest = await readJson<Manifest>(runDir, RUN_FILES.manifest, ManifestShape, 'a grpo-bench run manifest (run_id, scenario, units)');
  const stored = await readJson<Omit<RunPlan, 'points'> & { points?: PointInfo[] }>(runDir, RUN_FILES.plan, PlanShape, 'a grpo-bench launch plan (device, units with dir, mode, devices, batch)');
  const plan: RunPlan = { ...stored, points: stored.points ?? planPoints(stored.units, manifest.sweep as SweepSpec | undefined) };
  const records = new Map(manifest.units.map((u) => [u.dir, u]));
  const units = await Promise.all(plan.units.map((u) => readUnit(runDir, u, records.get(u.dir))));
  return { dir: runDir, manifest, plan, units };
}

/**
 * The points of a plan.json written before points were named at plan time: the sweep recorded in
 * the manifest expanded again (the same function named them then), kept to the points the plan's
 * units have, in sweep order. A unit's point the sweep does not give keeps its id as its label.
 */
export function planPoints(units: readonly Pick<UnitPlan, 'point'>[], sweep: SweepSpec | undefined): PointInfo[] {
  const ids = new Set(units.map((u) => u.point));
  const swept = sweepPoints(sweep).filter((p) => ids.has(p.id));
  const named = new Set(swept.map((p) => p.id));
  return [...swept, ...[...ids].filter((id) => !named.has(id)).map((id) => ({ id, values: {}, label: id }))];
}

async function readUnit(runDir: string, plan: UnitPlan, record: UnitRecord | undefined): Promise<UnitData> {
  const events = await readUnitEvents(path.join(runDir, plan.dir), plan.dir);
  const [telemetry, processes, host] = await Promise.all([
    readTable<TelemetryRow>(runDir, path.join(plan.dir, SAMPLE_FILES.telemetry), TELEMETRY_TEXT_COLUMNS),
    readTable<ProcessRow>(runDir, path.join(plan.dir, SAMPLE_FILES.processes), ['process', 'role']),
    readTable<HostRow>(runDir, path.join(plan.dir, SAMPLE_FILES.host), []),
  ]);
  return { plan, record, events, telemetry, processes, host };
}

/**
 * A unit's event files (`events/<role>-<rank>.jsonl`), sorted by name; none when the folder is
 * absent. Each `file` is `prefix/events/<name>` (the run-relative unit folder, or '' for unit-relative).
 */
export async function readUnitEvents(unitDir: string, prefix: string): Promise<EventFile[]> {
  const eventsDir = path.join(unitDir, EVENTS_DIR);
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
    events.push({ file: path.join(prefix, EVENTS_DIR, name), ...of, parsed: await readEventsFile(path.join(eventsDir, name)) });
  }
  return events;
}

/** Reads `runDir/file`, a CSV with a header; columns not in `text` become numbers (empty → NaN). Absent file → undefined. */
export async function readTable<Row>(runDir: string, file: string, text: readonly string[]): Promise<Table<Row> | undefined> {
  let content: string;
  try {
    content = await readFile(path.join(runDir, file), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const { records, problems } = parseCsv(content);
  const header = records.shift()?.fields ?? [];
  const rows: Row[] = [];
  for (const { line, fields } of records) {
    if (fields.length !== header.length) {
      problems.push({ line, message: `${fields.length} fields, header has ${header.length}` });
      continue;
    }
    const row: Record<string, string | number> = {};
    header.forEach((h, i) => {
      const v = fields[i]!;
      row[h] = text.includes(h) ? v : v === '' ? Number.NaN : Number(v);
    });
    rows.push(row as Row);
  }
  return { file, rows, problems };
}

/**
 * RFC 4180 CSV: quoted fields may hold commas, quotes ("") and newlines. Every row ends with a
 * newline; a last row without one (a sampler killed mid-write) is a problem, not a row.
 */
export function parseCsv(text: string): { records: { line: number; fields: string[] }[]; problems: { line: number; message: string }[] } {
  const records: { line: number; fields: string[] }[] = [];
  const problems: { line: number; message: string }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  const endRecord = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line: recordLine, fields });
    fields = [];
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else field += c;
  }
  if (quoted) problems.push({ line: recordLine, message: 'unterminated quoted field (file cut mid-row)' });
  else if (field !== '' || fields.length > 0) problems.push({ line: recordLine, message: 'last row has no newline (writer stopped mid-row); not read' });
  return { records, problems };
}
