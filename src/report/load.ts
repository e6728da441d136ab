// Loading what a report shows from a results folder: the summary (numbers, computed by
// analysis), the step table, and the time series behind the charts (telemetry or per-process
// samples, phase spans, step boundaries), downsampled for display. No rendering here.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.ts';
import { parseStepsCsv } from '../analysis/steps.ts';
import { summarize } from '../analysis/summarize.ts';
import { upgradeSummary } from '../analysis/upgrade.ts';
import { SUMMARY_SCHEMA_VERSION, type StepRow, type Summary, type UnitStatus } from '../analysis/types.ts';
import { parseCsv, readRun } from '../results/read.ts';
import type { Manifest } from '../results/manifest.ts';
import type { DeviceAccount, RunPlan } from '../launch/types.ts';
import { readEventsFile } from '../results/events.ts';
import type { ModeName } from '../scenario/schema.ts';
import { RUN_FILES, unitDir } from '../results/layout.ts';
import { phaseOrder } from './theme.ts';

export interface RunRecord {
  runDir: string;
  runId: string;
  summary: Summary;
  manifest?: Manifest;
  plan?: RunPlan;
  /** Rows of steps.csv, in file order; empty when the file is absent. */
  steps: StepRow[];
}

/** One line of a time-series chart, downsampled: [seconds since the unit's start, value] pairs. */
export interface Series {
  label: string;
  role: 'trainer' | 'server';
  /** GPU index (telemetry) or process id (process samples). */
  key: number;
  points: [number, number][];
}

export interface PhaseSpan {
  /** Row of the phase strip: `trainer 0`, `server 0`. */
  row: string;
  name: string;
  x0: number;
  x1: number;
  /** In a mixed bucket (runs too long to show each span): the band of the row's height this phase fills, bottom to top, 0–1. */
  share?: [number, number];
}

export interface UnitTimeline {
  point: string;
  mode: ModeName;
  repeat: number;
  dir: string;
  /** `gpu`: nvidia-smi samples per GPU; `process`: per-process CPU % and RSS (machines without GPUs). */
  source: 'gpu' | 'process' | 'none';
  /** Epoch seconds of x = 0. */
  origin: number;
  /** Last x with data. */
  end: number;
  util: Series[];
  memory: Series[];
  /** Memory capacity of one device in MiB, where the samples say it. */
  memoryTotalMiB?: number;
  spans: PhaseSpan[];
  /** Start of every step on trainer rank 0 (x, seconds since origin). */
  stepStarts: number[];
  /** Width of a display bucket in seconds when the series were downsampled; 0 when every sample is shown. */
  bucketSeconds: number;
  /** Samples read before downsampling (all series together). */
  rawSamples: number;
}

export interface ReportInput extends RunRecord {
  /** One timeline per (point, mode): the first repeat that completed. */
  timelines: UnitTimeline[];
}

export interface LoadOptions {
  /** Buckets per series for min/max downsampling (each keeps its min and its max). */
  buckets?: number;
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UserError(`${file}: cannot read (${(err as Error).message})`);
  }
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** A CSV as a header and its rows (results/read.ts parses it; a row cut mid-write is left out). */
export function csvTable(text: string): { header: string[]; rows: string[][] } {
  const [head, ...rest] = parseCsv(text).records;
  return { header: head?.fields ?? [], rows: rest.map((r) => r.fields) };
}

/** Column index by name; -1 when absent. */
function columns(header: string[]): (name: string) => number {
  return (name) => header.indexOf(name);
}

const num = (s: string | undefined): number => (s === undefined || s === '' ? NaN : Number(s));

/**
 * summary.json writes NaN as null (busy_fraction, generation_to_training_ratio when unknown);
 * back to NaN here so the types hold and every renderer shows it as missing.
 */
export function nullsToNaN(summary: Summary): Summary {
  const nan = (x: number | null) => (x === null ? Number.NaN : x);
  for (const m of summary.modes) {
    m.generation_to_training_ratio = nan(m.generation_to_training_ratio);
    for (const a of m.activity) a.busy_fraction = nan(a.busy_fraction);
  }
  for (const c of summary.comparisons) {
    for (const k of Object.keys(c.generation_to_training_ratio)) c.generation_to_training_ratio[k] = nan(c.generation_to_training_ratio[k]!);
  }
  return summary;
}

export async function loadRun(runDir: string): Promise<RunRecord> {
  const json = await readJson<Summary>(path.join(runDir, RUN_FILES.summary));
  if (!json) {
    throw new UserError(
      `${runDir}: no summary.json, so there is nothing to report`,
      'Reports are made from a results folder after analysis; pass the folder of a finished run (results/<run-id>).',
    );
  }
  if (!(json.schema_version >= SUMMARY_SCHEMA_VERSION)) return { ...(await reanalyse(runDir, json)), ...(await planAndManifest(runDir)) };
  const summary = nullsToNaN(json);
  return { runDir, runId: summary.run_id, summary, ...(await planAndManifest(runDir)), steps: await readSteps(runDir) };
}

async function readSteps(runDir: string): Promise<StepRow[]> {
  const text = await readText(path.join(runDir, RUN_FILES.steps));
  return text ? parseStepsCsv(text) : [];
}

async function planAndManifest(runDir: string): Promise<{ manifest?: Manifest; plan?: RunPlan }> {
  return { manifest: await readJson<Manifest>(path.join(runDir, RUN_FILES.manifest)), plan: await readJson<RunPlan>(path.join(runDir, RUN_FILES.plan)) };
}

/**
 * A summary.json older than this harness's schema lacks fields the report shows (e.g. the
 * settings that differ): the analysis runs again, in memory, from the events, and the report
 * shows its result, saying so in the notes. The results folder is left as it was (archived runs
 * stay byte-for-byte). When the folder cannot be analysed, the old summary is shown with a note.
 */
async function reanalyse(runDir: string, old: Summary): Promise<Omit<RunRecord, 'manifest' | 'plan'>> {
  const was = `summary.json has schema ${String(old.schema_version)}, older than this harness's ${SUMMARY_SCHEMA_VERSION}`;
  try {
    const { summary, rows } = summarize(await readRun(runDir));
    summary.notes.unshift(`${was}: this report re-ran the analysis from the events in memory; the results folder is unchanged.`);
    return { runDir, runId: summary.run_id, summary, steps: rows };
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    const summary = nullsToNaN(upgradeSummary(old));
    summary.notes = [`${was}, and the analysis could not re-run (${err.message.split('\n')[0]}); the report shows the old summary, without the settings that differ between the modes.`, ...(summary.notes ?? [])];
    return { runDir, runId: summary.run_id, summary, steps: await readSteps(runDir) };
  }
}

/**
 * Min/max bucket downsampling: splits the x range into `buckets` equal buckets and keeps, in
 * time order, the lowest and the highest sample of each, so peaks and dips survive. Input must
 * be sorted by x. Returns the input when it is already small enough.
 */
export function downsampleMinMax(points: readonly [number, number][], buckets: number): [number, number][] {
  if (points.length <= buckets * 2 || points.length < 3) return [...points];
  const x0 = points[0]![0];
  const span = points[points.length - 1]![0] - x0 || 1;
  const out: [number, number][] = [];
  let b = -1;
  let lo: [number, number] | undefined;
  let hi: [number, number] | undefined;
  const flush = () => {
    if (!lo || !hi) return;
    if (lo === hi) out.push(lo);
    else if (lo[0] <= hi[0]) out.push(lo, hi);
    else out.push(hi, lo);
  };
  for (const p of points) {
    const k = Math.min(buckets - 1, Math.floor(((p[0] - x0) / span) * buckets));
    if (k !== b) {
      flush();
      b = k;
      lo = hi = p;
    } else {
      if (p[1] < lo![1]) lo = p;
      if (p[1] > hi![1]) hi = p;
    }
  }
  flush();
  return out;
}

/**
 * Phase spans for display: merges a span into the previous one of the same row and name when
 * they touch, and drops spans shorter than `minWidth` seconds (invisible at chart width).
 */
export function simplifySpans(spans: readonly PhaseSpan[], minWidth: number): PhaseSpan[] {
  const out: PhaseSpan[] = [];
  const last = new Map<string, PhaseSpan>();
  for (const s of spans) {
    const prev = last.get(s.row);
    if (prev && prev.name === s.name && s.x0 - prev.x1 <= minWidth) {
      prev.x1 = Math.max(prev.x1, s.x1);
      continue;
    }
    if (s.x1 - s.x0 < minWidth) continue;
    const copy = { ...s };
    out.push(copy);
    last.set(s.row, copy);
  }
  return out;
}

/**
 * Phase spans too many to draw one by one: the time axis cut into `buckets` buckets, each row of
 * each bucket split by the share of the bucket every phase took (a stacked strip), so long runs
 * still show the mix of phases instead of whichever spans happen to be wide enough.
 */
export function mixSpans(spans: readonly PhaseSpan[], start: number, end: number, buckets: number): PhaseSpan[] {
  const width = (end - start) / buckets || 1;
  const acc = new Map<string, Map<string, number>[]>();
  for (const s of spans) {
    let rows = acc.get(s.row);
    if (!rows) acc.set(s.row, (rows = Array.from({ length: buckets }, () => new Map<string, number>())));
    const first = Math.max(0, Math.floor((s.x0 - start) / width));
    const last = Math.min(buckets - 1, Math.floor((s.x1 - start) / width));
    for (let b = first; b <= last; b++) {
      const overlap = Math.min(s.x1, start + (b + 1) * width) - Math.max(s.x0, start + b * width);
      if (overlap > 0) rows[b]!.set(s.name, (rows[b]!.get(s.name) ?? 0) + overlap);
    }
  }
  const out: PhaseSpan[] = [];
  for (const [row, bucketsOfRow] of acc) {
    bucketsOfRow.forEach((m, b) => {
      let y = 0;
      for (const name of phaseOrder(m.keys())) {
        const share = Math.min(1, m.get(name)! / width);
        out.push({ row, name, x0: start + b * width, x1: start + (b + 1) * width, share: [y, Math.min(1, y + share)] });
        y += share;
      }
    });
  }
  return out;
}

const round = (x: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/** pid → role and rank, from the start event of every event file of a unit. */
async function ranksByPid(eventsDir: string): Promise<Map<number, { role: string; rank: number }>> {
  const out = new Map<number, { role: string; rank: number }>();
  const names = await readdir(eventsDir).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.endsWith('.jsonl'))) {
    const { events } = await readEventsFile(path.join(eventsDir, name));
    const start = events.find((e) => e.type === 'start');
    if (start?.type === 'start') out.set(start.pid, { role: start.role, rank: start.rank });
  }
  return out;
}

/** The time series of one unit (one mode, one repeat), relative to its first sample. */
export async function loadTimeline(
  runDir: string,
  unit: { point: string; mode: ModeName; repeat: number; dir: string; devices: DeviceAccount },
  options: LoadOptions = {},
): Promise<UnitTimeline> {
  const buckets = options.buckets ?? 600;
  const dir = path.join(runDir, unit.dir);
  const roleOf = (device: number): 'trainer' | 'server' => (unit.devices.server.includes(device) ? 'server' : 'trainer');

  // Events of trainer rank 0 and server rank 0: phases and step starts.
  const spans: PhaseSpan[] = [];
  const stepStartsAbs: number[] = [];
  let tMin = Infinity;
  let tMax = -Infinity;
  for (const [file, row] of [
    ['trainer-0.jsonl', 'trainer 0'],
    ['server-0.jsonl', 'server 0'],
  ] as const) {
    const { events } = await readEventsFile(path.join(dir, 'events', file));
    for (const e of events) {
      if (e.type === 'phase') {
        spans.push({ row, name: e.name, x0: e.t0, x1: e.t1 });
        tMin = Math.min(tMin, e.t0);
        tMax = Math.max(tMax, e.t1);
      } else if (e.type === 'step' && row === 'trainer 0') stepStartsAbs.push(e.t0);
      else if ('t' in e && typeof e.t === 'number') {
        tMin = Math.min(tMin, e.t);
        tMax = Math.max(tMax, e.t);
      }
    }
  }

  // Samples: GPU telemetry where there is some, per-process samples otherwise.
  type Raw = { key: number; label: string; role: 'trainer' | 'server'; rank?: number; util: [number, number][]; mem: [number, number][] };
  const raw = new Map<number, Raw>();
  let source: UnitTimeline['source'] = 'none';
  let memoryTotalMiB: number | undefined;
  let rawSamples = 0;
  const add = (s: Raw, t: number, util: number, mem: number) => {
    rawSamples++;
    if (Number.isFinite(util)) s.util.push([t, util]);
    if (Number.isFinite(mem)) s.mem.push([t, mem]);
    tMin = Math.min(tMin, t);
    tMax = Math.max(tMax, t);
  };
  const telemetry = await readText(path.join(dir, 'telemetry.csv'));
  if (telemetry) {
    source = 'gpu';
    const { header, rows } = csvTable(telemetry);
    const col = columns(header);
    const [ct, cg, cu, cm, cmt] = ['t', 'gpu', 'util_pct', 'mem_used_mib', 'mem_total_mib'].map(col) as [number, number, number, number, number];
    for (const r of rows) {
      const t = num(r[ct]);
      const g = num(r[cg]);
      if (!Number.isFinite(t) || !Number.isFinite(g)) continue;
      let s = raw.get(g);
      if (!s) raw.set(g, (s = { key: g, role: roleOf(g), label: `GPU ${g} · ${roleOf(g)}`, util: [], mem: [] }));
      add(s, t, num(r[cu]), num(r[cm]));
      const total = num(r[cmt]);
      if (Number.isFinite(total)) memoryTotalMiB = Math.max(memoryTotalMiB ?? 0, total);
    }
  } else {
    const processes = await readText(path.join(dir, 'processes.csv'));
    if (processes) {
      source = 'process';
      const { header, rows } = csvTable(processes);
      const col = columns(header);
      const [ct, cp, cr, cc, cm] = ['t', 'pid', 'role', 'cpu_pct', 'rss_mib'].map(col) as [number, number, number, number, number];
      // A process is named by the rank its event file's start event gives its pid; others (a
      // launcher such as torchrun, a helper) wrote no events.
      const ranks = await ranksByPid(path.join(dir, 'events'));
      for (const r of rows) {
        const t = num(r[ct]);
        const pid = num(r[cp]);
        if (!Number.isFinite(t) || !Number.isFinite(pid)) continue;
        let s = raw.get(pid);
        if (!s) {
          const role = r[cr] === 'server' ? 'server' : 'trainer';
          const rank = ranks.get(pid);
          const label = rank ? `${rank.role} ${rank.rank} (pid ${pid})` : `${role} launcher/helper (pid ${pid})`;
          raw.set(pid, (s = { key: pid, role, label, util: [], mem: [], ...(rank ? { rank: rank.rank } : {}) }));
        }
        add(s, t, num(r[cc]), num(r[cm]));
      }
    }
  }
  const origin = Number.isFinite(tMin) ? tMin : 0;
  const end = Number.isFinite(tMax) ? tMax - origin : 0;
  const rel = (pts: [number, number][]): [number, number][] =>
    downsampleMinMax(
      pts.sort((a, b) => a[0] - b[0]),
      buckets,
    ).map(([x, y]) => [round(x - origin, 2), round(y, 1)]);
  // Server first, then trainers; within a role ranks in order, then processes without a rank.
  const ordered = [...raw.values()].sort((a, b) =>
    a.role !== b.role ? (a.role === 'server' ? -1 : 1) : (a.rank ?? Infinity) - (b.rank ?? Infinity) || a.key - b.key,
  );
  const minWidth = end / (buckets * 4);
  return {
    point: unit.point,
    mode: unit.mode,
    repeat: unit.repeat,
    dir: unit.dir,
    source,
    origin,
    end: round(end, 2),
    util: ordered.map((s) => ({ label: s.label, role: s.role, key: s.key, points: rel(s.util) })),
    memory: ordered.map((s) => ({ label: s.label, role: s.role, key: s.key, points: rel(s.mem) })),
    ...(memoryTotalMiB !== undefined ? { memoryTotalMiB } : {}),
    spans: (spans.length > buckets ? mixSpans(spans, origin, origin + end, buckets) : simplifySpans(spans.sort((a, b) => a.x0 - b.x0), minWidth)).map((s) => ({
      ...s,
      x0: round(s.x0 - origin, 2),
      x1: round(s.x1 - origin, 2),
      ...(s.share ? { share: [round(s.share[0], 2), round(s.share[1], 2)] as [number, number] } : {}),
    })),
    bucketSeconds: rawSamples > raw.size * buckets * 2 ? end / buckets : 0,
    stepStarts: stepStartsAbs.sort((a, b) => a - b).map((t) => round(t - origin, 2)),
    rawSamples,
  };
}

/** Which unit of each (point, mode) the time-series charts show: the first repeat that completed, else the first. */
export function timelineUnits(record: RunRecord): { point: string; mode: ModeName; repeat: number; dir: string; devices: DeviceAccount; status?: UnitStatus | string }[] {
  const { summary, manifest, plan } = record;
  const chosen = [];
  for (const m of summary.modes) {
    const candidates = (manifest?.units ?? plan?.units ?? [])
      .filter((u) => u.point === m.point && u.mode === m.mode)
      .sort((a, b) => a.repeat - b.repeat);
    const status = (u: (typeof candidates)[number]) => ('status' in u ? u.status : 'ok');
    const unit = candidates.find((u) => status(u) === 'ok') ?? candidates[0];
    const fallbackDir = unitDir({ point: m.point, mode: m.mode, repeat: 0 }, summary.points.length > 1);
    chosen.push({ point: m.point, mode: m.mode, repeat: unit?.repeat ?? 0, dir: unit?.dir ?? fallbackDir, devices: m.devices, status: unit ? status(unit) : undefined });
  }
  return chosen;
}

export async function loadReportInput(runDir: string, options: LoadOptions = {}): Promise<ReportInput> {
  const record = await loadRun(runDir);
  const timelines = [];
  for (const unit of timelineUnits(record)) timelines.push(await loadTimeline(runDir, unit, options));
  return { ...record, timelines };
}
