// What a report shows, put together from the one reader of a results folder (results/read.ts)
// and the analysis: the summary (computed again for an older folder), the step rows, the
// manifest, every unit's samples and the time series behind the charts. Nothing is read from disk
// here but through the reader, and no number is computed here.
import { note, RUN_SUBJECT } from '../analysis/notes.ts';
import { currentSummary } from '../analysis/summarize.ts';
import { runTimelines, type TimelineOptions, type UnitTimeline } from '../analysis/timeline.ts';
import { SUMMARY_SCHEMA_VERSION, type Summary } from '../records/summary.ts';
import { type StepRow } from '../records/steps.ts';
import { UserError } from '../errors.ts';
import type { RunPlan } from '../records/plan.ts';
import { RUN_FILES } from '../results/layout.ts';
import type { Manifest } from '../records/manifest.ts';
import { readAnalysis, readRun, type RunData, type UnitData } from '../results/read.ts';

export interface RunRecord {
  runDir: string;
  runId: string;
  summary: Summary;
  manifest?: Manifest;
  plan?: RunPlan;
  /** Step rows in steps.csv order; empty when the file is absent. */
  steps: StepRow[];
  /** Every unit with its samples, in plan order; empty when the folder could not be read whole. */
  units: UnitData[];
}

export interface ReportInput extends RunRecord {
  /** One timeline per (point, mode): the first repeat that completed. */
  timelines: UnitTimeline[];
}

export type LoadOptions = TimelineOptions;

async function load(runDir: string): Promise<{ record: RunRecord; run?: RunData }> {
  let run: RunData | undefined;
  let unreadable: string | undefined;
  try {
    run = await readRun(runDir);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    unreadable = err.message.split('\n')[0];
  }
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
    summary.notes = [...summary.notes, note('summary_alone', RUN_SUBJECT, `${unreadable}: the report shows ${RUN_FILES.summary} alone, without the time series.`)];
  }
  const record: RunRecord = {
    runDir,
    runId: summary.run_id,
    summary,
    ...(run ? { manifest: run.manifest, plan: run.plan } : {}),
    steps: rows,
    units: run?.units ?? [],
  };
  return { record, ...(run ? { run } : {}) };
}

/** The summary, step rows, manifest and units of a results folder. */
export async function loadRun(runDir: string): Promise<RunRecord> {
  return (await load(runDir)).record;
}

/** Everything a report shows, charts over time included. */
export async function loadReportInput(runDir: string, options: LoadOptions = {}): Promise<ReportInput> {
  const { record, run } = await load(runDir);
  return { ...record, timelines: run ? runTimelines(run, record.summary, options) : [] };
}
