// Every path of a results folder and of a report folder, named once. Writers (the run command,
// the supervisor, the samplers, the workload adapters, the analysis) and readers (results/read.ts)
// build paths only through these names, so the layout changes in one place.
//
//   results/                          RESULTS_ROOT (the run command's --out)
//     noise-profiles/<scenario>-<environment hash>.json
//     <run-id>/                       a run folder
//       manifest.json plan.json       written by the run command
//       steps.csv summary.json        written by the analysis
//       slurm/job.sh slurm/job-<id>.out   a run that was a SLURM job: its script and its output
//       [<point>/]<mode>/r<k>/        a unit folder (the point level only in a sweep)
//         events/<role>-<rank>.jsonl  one event file per workload process (docs/events.md)
//         logs/<process>.log          stdout and stderr of each supervised process
//         telemetry.csv telemetry-fields.csv processes.csv host.csv   the samplers' files
//         <workload>-output/          a workload's own output folder (TRL's output_dir)
//         nodes/<node>/               a unit run on several nodes (docs/slurm.md): per node,
//           node.json                 its role, device slots, clock offset and outcome,
//           events/ logs/ *.csv       and its share of the unit's files, as above
//   reports/<run-id>/                 the report of a run (grpo-bench report), beside results/
import { existsSync } from 'node:fs';
import path from 'node:path';

/** Default parent folders of run folders and of report folders. */
export const RESULTS_ROOT = 'results';
export const REPORTS_ROOT = 'reports';

/** A name as a file-name part: lower case, runs of other characters as one '-', at most `max` long; `fallback` when nothing is left. */
export function fileSlug(name: string, fallback: string, max = Number.POSITIVE_INFINITY): string {
  return name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, max) || fallback;
}

/** A run folder's name, `<scenario>-YYYYMMDD-HHMMSS`, with a suffix if that folder exists already. */
export function newRunId(scenarioName: string, outRoot: string, now = new Date()): string {
  const slug = fileSlug(scenarioName, 'run', 60);
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  let id = `${slug}-${stamp}`;
  for (let i = 2; existsSync(path.join(outRoot, id)); i++) id = `${slug}-${stamp}-${i}`;
  return id;
}

/** Files at the top of a run folder. */
export const RUN_FILES = {
  manifest: 'manifest.json',
  plan: 'plan.json',
  steps: 'steps.csv',
  summary: 'summary.json',
  /** The verdict of `grpo-bench headroom` (analysis/summary/headroom.ts), in the run folder of its search. */
  headroom: 'headroom.json',
  /** The measured halves of `grpo-bench profile` (analysis/whatif/profile.ts). */
  profile: 'profile.json',
  /** The verdict between a run's variants (`grpo-bench gate`, analysis/variants.ts). */
  variantVerdict: 'variants-verdict.json',
} as const;

/** The unit folder of a profile run's server half (the server and the driver standing in for trainer rank 0). */
export const PROBE_UNIT_DIR = path.join('probe', 'server', 'r0');
/** Its point id in plan.json. */
export const PROBE_POINT = 'probe';

/** A run that was a SLURM job (docs/slurm.md): the job script as submitted, and the job's own output, `%j` being the job id as sbatch writes it. */
export const SLURM_FILES = {
  script: path.join('slurm', 'job.sh'),
  output: path.join('slurm', 'job-%j.out'),
} as const;

/** The job's output file of job `jobId`, relative to the run folder. */
export function slurmOutputFile(jobId: string): string {
  return SLURM_FILES.output.replace('%j', jobId);
}

/** The samplers' files in a unit folder. */
export const SAMPLE_FILES = {
  telemetry: 'telemetry.csv',
  /** How often each GPU field was read and how often its value changed (telemetry/rates.ts). */
  telemetryFields: 'telemetry-fields.csv',
  processes: 'processes.csv',
  host: 'host.csv',
} as const;
export type SampleKind = keyof typeof SAMPLE_FILES;

/** Folders of a unit folder: event files and process logs. */
export const EVENTS_DIR = 'events';
export const LOGS_DIR = 'logs';

/** Folder of a unit's node folders, and each node's record in its folder. */
export const NODES_DIR = 'nodes';
export const NODE_RECORD = 'node.json';
/** The folder of one node's share of a unit that ran on several nodes: `<unit folder>/nodes/<node>`. */
export function nodeDir(unitDir: string, node: string): string {
  return path.join(unitDir, NODES_DIR, node);
}

/** What an event file name holds in place of the rank when one launcher starts every rank (workloads/common/events.py replaces it). */
export const RANK_PLACEHOLDER = '{rank}';

/** A unit folder relative to its run folder: `<point>/<mode>/r<k>` in a sweep, `<mode>/r<k>` otherwise. */
export function unitDir(unit: { point: string; mode: string; repeat: number }, sweep: boolean): string {
  const leaf = path.join(unit.mode, `r${unit.repeat}`);
  return sweep ? path.join(unit.point, leaf) : leaf;
}

/** An event file relative to its unit folder, `events/<role>-<rank>.jsonl`; the rank may be RANK_PLACEHOLDER. */
export function eventFile(role: string, rank: number | typeof RANK_PLACEHOLDER): string {
  return path.join(EVENTS_DIR, `${role}-${rank}.jsonl`);
}

/** The role and rank an event file's name (`trainer-1.jsonl`) states; undefined when it is no event file. */
export function parseEventFileName(name: string): { role: string; rank: number } | undefined {
  const m = /^([a-z]+)-(\d+)\.jsonl$/.exec(name);
  return m ? { role: m[1]!, rank: Number(m[2]) } : undefined;
}

/** A supervised process's log relative to its unit folder, `logs/<name>.log`. */
export function logFile(processName: string): string {
  return path.join(LOGS_DIR, `${processName}.log`);
}

/** A folder, relative to the unit folder, where a workload's library may write its own output. */
export function workloadOutputDir(workload: string): string {
  return `${workload}-output`;
}

/** A noise profile of one scenario on one environment: `<results root>/noise-profiles/<scenario>-<hash>.json`. */
export function noiseProfileFile(resultsRoot: string, scenario: string, environmentHash: string): string {
  return path.join(resultsRoot, 'noise-profiles', `${fileSlug(scenario, 'scenario')}-${environmentHash}.json`);
}

/** The default report folder of a run folder: results/<run-id> → reports/<run-id>, siblings under one project folder. */
export function defaultReportDir(runDir: string, runId: string): string {
  return path.join(path.dirname(path.dirname(path.resolve(runDir))), REPORTS_ROOT, runId);
}

/** Files of a report folder. */
export const REPORT_FILES = {
  steps: 'steps.csv',
  summary: 'summary.csv',
  comparisons: 'comparisons.csv',
  pointComparisons: 'point-comparisons.csv',
  settingsDifferences: 'settings-differences.csv',
  notes: 'notes.csv',
  startup: 'startup.csv',
  telemetry: SAMPLE_FILES.telemetry,
  processes: SAMPLE_FILES.processes,
  markdown: 'report.md',
  html: 'report.html',
  /** A profile run's measured halves (grpo-bench profile). */
  profile: 'profile.md',
} as const;

/** What `grpo-bench predict` writes: PREDICTED tables, JSON and chart, in their own folder. */
export const PREDICT_FILES = { markdown: 'predict.md', json: 'predict.json' } as const;

/** What `grpo-bench reproduce` writes: the published claims against predicted and measured values. */
export const REPRODUCE_FILES = { markdown: 'reproduce.md', json: 'reproduce.json' } as const;
/** Its default folder, under the reports root. */
export const REPRODUCE_DIR = path.join(REPORTS_ROOT, 'reproduce');

/** The default folder of a prediction for N GPUs: `<report folder>/predict-<N>gpu`. */
export function predictDir(reportDir: string, gpus: number): string {
  return path.join(reportDir, `predict-${gpus}gpu`);
}

/** What `grpo-bench sample` writes into its folder besides a unit's events, logs and samples. */
export const SAMPLE_COMMAND_FILES = {
  record: 'sample.json',
  table: 'segments.md',
} as const;

/** A chart's PNG relative to the report folder. */
export function reportChartFile(chartId: string, ext: 'png' | 'svg' | 'pdf' = 'png'): string {
  return path.join('charts', `${chartId}.${ext}`);
}
