// What a report shows, put together from the one reader of a results folder (results/read.ts)
// and the analysis: the summary (computed again for an older folder), the step rows, the
// manifest, every unit's samples and the time series behind the charts. Nothing is read from disk
// here but through the reader, and no number is computed here.
import { note, RUN_SUBJECT } from '../analysis/summary/notes.ts';
import { currentSummary, summarize } from '../analysis/summary/summarize.ts';
import { runTimelines, type TimelineOptions, type UnitTimeline } from '../analysis/summary/timeline.ts';
import { SUMMARY_SCHEMA_VERSION, type Summary } from '../records/summary.ts';
import { type StepRow } from '../records/steps.ts';
import { UserError } from '../errors.ts';
import { variantGate, type VariantVerdict } from '../analysis/variants.ts';
import { DEFAULT_GATE_METRIC } from '../records/metrics.ts';
import type { RunPlan } from '../records/plan.ts';
import { RUN_FILES } from '../results/layout.ts';
import type { Manifest } from '../records/manifest.ts';
import type { IntegrityCheck } from '../results/integrity.ts';
import { readAnalysis, readRun, type RunData, type UnitData } from '../results/read.ts';

export interface RunRecord {
  runDir: string;
  /** How the folder's files compared with their digests; `unverified` only where the user asked to go on. */
  integrity: IntegrityCheck;
  runId: string;
  summary: Summary;
  manifest?: Manifest;
  plan?: RunPlan;
  /** Step rows in steps.csv order; empty when the file is absent. */
  steps: StepRow[];
  /** Every unit with its samples, in plan order; empty when the folder could not be read whole. */
  units: UnitData[];
  /** The verdict between the run's variants (analysis/variants.ts), when it has two or more. */
  variants?: VariantVerdict;
}

export interface ReportInput extends RunRecord {
  /** One timeline per (point, mode): the first repeat that completed. */
  timelines: UnitTimeline[];
}

export interface LoadOptions extends TimelineOptions {
  /** Show a folder whose files do not match their digests (or cannot be read whole), its figures marked unverified. */
  allowUnverified?: boolean;
}

async function load(runDir: string, allowUnverified = false): Promise<{ record: RunRecord; run?: RunData }> {
  let run: RunData | undefined;
  let unreadable: string | undefined;
  try {
    run = await readRun(runDir, { allowUnverified });
  } catch (err) {
    // Without a readable manifest nothing can be verified: summary.json alone only where the user asked.
    if (!(err instanceof UserError) || !allowUnverified) throw err;
    unreadable = err.message.split('\n')[0];
  }
  const integrity: IntegrityCheck = run?.integrity ?? {
    state: 'unverified',
    problems: [{ file: RUN_FILES.manifest, what: 'unreadable', detail: unreadable ?? '' }],
    units: [],
    runWide: true,
    derivedChanged: [],
  };
  if (run && !run.analysis && integrity.derivedChanged.length) return { record: recomputed(runDir, run), run };
  // A summary can be shown from summary.json alone, without the rest of the folder.
  const stored = run ? run.analysis : await readAnalysis(runDir);
  if (!stored) {
    throw new UserError(
      `${runDir}: no ${RUN_FILES.summary}, so there is nothing to report`,
      'Reports are made from a results folder after analysis; pass the folder of a finished run (results/<run-id>).',
    );
  }
  const { summary, rows } = currentSummary(stored, run, unreadable);
  if (!run && stored.summary.schema_version >= SUMMARY_SCHEMA_VERSION) {
    summary.notes = [
      ...summary.notes,
      note('summary_alone', RUN_SUBJECT, `${unreadable}: the report shows ${RUN_FILES.summary} alone, without the time series.`),
    ];
  }
  integrityNotes(summary, integrity);
  const record = withVariants({
    runDir,
    integrity,
    runId: summary.run_id,
    summary,
    ...(run ? { manifest: run.manifest, plan: run.plan } : {}),
    steps: rows,
    units: run?.units ?? [],
  });
  return { record, ...(run ? { run } : {}) };
}

/** steps.csv or summary.json changed after the analysis wrote them: both again from the (verified) raw files, never the changed copy. */
function recomputed(runDir: string, run: RunData): RunRecord {
  const { summary, rows } = summarize(run);
  const files = run.integrity.derivedChanged.join(' and ');
  summary.notes.unshift(
    note(
      'derived_recomputed',
      RUN_SUBJECT,
      `${files} changed after the analysis wrote ${run.integrity.derivedChanged.length > 1 ? 'them' : 'it'} (digest in manifest.json): this report computed every figure again from the run's raw files, which match their digests.`,
    ),
  );
  integrityNotes(summary, run.integrity);
  return withVariants({
    runDir,
    integrity: run.integrity,
    runId: summary.run_id,
    summary,
    manifest: run.manifest,
    plan: run.plan,
    steps: rows,
    units: run.units,
  });
}

function integrityNotes(summary: Summary, integrity: IntegrityCheck): void {
  if (integrity.state === 'before_digests') {
    summary.notes.push(
      note(
        'before_digests',
        RUN_SUBJECT,
        'Written before integrity digests: this folder records no digests of its files, so they cannot be checked against what the run wrote.',
      ),
    );
  } else if (integrity.state === 'unverified') {
    const files = integrity.problems.map(
      (p) => `${p.file} (${p.what === 'missing' || p.what === 'unreadable' ? p.what : `${p.what} differs`}: ${p.detail})`,
    );
    summary.notes.unshift(note('unverified', RUN_SUBJECT, `Unverified: ${files.join('; ')}. Shown because of --allow-unverified.`));
  }
}

/** The summary, step rows, manifest and units of a results folder. */
export async function loadRun(runDir: string, options: Pick<LoadOptions, 'allowUnverified'> = {}): Promise<RunRecord> {
  return (await load(runDir, options.allowUnverified)).record;
}

/** The report of a run just summarised, from what is in memory: the folder is not read or summarised again. */
export function freshReportInput(run: RunData, summary: Summary, steps: StepRow[], options: TimelineOptions = {}): ReportInput {
  const record = withVariants({
    runDir: run.dir,
    integrity: run.integrity,
    runId: summary.run_id,
    summary,
    manifest: run.manifest,
    plan: run.plan,
    steps,
    units: run.units,
  });
  return { ...record, timelines: runTimelines(run, summary, options) };
}

/** Everything a report shows, charts over time included. */
export async function loadReportInput(runDir: string, options: LoadOptions = {}): Promise<ReportInput> {
  const { record, run } = await load(runDir, options.allowUnverified);
  return { ...record, timelines: run ? runTimelines(run, record.summary, options) : [] };
}

/** The verdict between a run's variants, for its report; undefined for a run without two variants or one that cannot be judged. */
function variantVerdict(input: Omit<RunRecord, 'variants'>): VariantVerdict | undefined {
  if (!input.manifest?.variants || Object.keys(input.manifest.variants).length < 2) return undefined;
  try {
    return variantGate([{ dir: input.runDir, manifest: input.manifest, summary: input.summary, rows: input.steps }], {
      metric: DEFAULT_GATE_METRIC,
    });
  } catch (err) {
    if (err instanceof UserError) return undefined;
    throw err;
  }
}

/** The record with the verdict between its variants, computed here so that the report's tables and charts only format it. */
function withVariants(record: Omit<RunRecord, 'variants'>): RunRecord {
  const v = variantVerdict(record);
  return v ? { ...record, variants: v } : record;
}
