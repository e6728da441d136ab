// `grpo-bench report <results-dir>`: rebuilds reports/<run-id>/ from a results folder alone.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../errors.ts';
import { harnessVersion } from '../../env/harness.ts';
import { buildCharts } from '../../report/charts.ts';
import { REPORT_FORMATS, type ReportFormatName } from '../../report/formats.ts';
import { loadReportInput, type ReportInput } from '../../report/load.ts';
import { reportHeader } from '../../report/tables.ts';
import { defaultReportDir, RUN_FILES } from '../../results/layout.ts';
import { readRun } from '../../results/read.ts';

export interface ReportOptions {
  /** A run's results folder, `results/<run-id>`. */
  results: string;
  /** Where to write; default `reports/<run-id>` beside the `results` folder that holds the run. */
  out?: string;
  /** Formats to write (default: all of them). */
  formats?: readonly ReportFormatName[];
  /** Report a folder whose files do not match their digests, each unverified figure marked (default: refuse it). */
  allowUnverified?: boolean;
  /** Also draw every chart as SVG or PDF, beside its PNG. */
  vector?: 'svg' | 'pdf';
}

export interface ReportResult {
  outDir: string;
  /** Paths of the files written, relative to outDir. */
  files: string[];
  /** The report's first line when the folder did not verify: which figures are unverified. */
  unverified?: string;
}

export async function reportCommand(opts: ReportOptions): Promise<ReportResult> {
  const info = await stat(opts.results).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new UserError(`${opts.results}: no such results folder`, 'Pass the folder of a run, e.g. results/<run-id> (ls results/).');
  }
  // A profile run (`grpo-bench profile`) gets profile.md; the usual report covers its other units, if any.
  const profileText = await readFile(path.join(opts.results, RUN_FILES.profile), 'utf8').catch(() => undefined);
  if (profileText !== undefined) {
    const run = await readRun(opts.results, { allowUnverified: opts.allowUnverified });
    const outDir = path.resolve(opts.out ?? defaultReportDir(opts.results, run.manifest.run_id));
    const { parseProfile } = await import('../../analysis/whatif/profile.ts');
    const { writeProfileReport } = await import('../../report/profile-report.ts');
    const files = await writeProfileReport(parseProfile(JSON.parse(profileText), path.join(opts.results, RUN_FILES.profile)), outDir);
    if (run.plan.units.every((u) => u.probe)) return { outDir, files };
    const input = await loadReportInput(opts.results, { allowUnverified: opts.allowUnverified });
    return { outDir, files: [...files, ...(await usualReport(opts, input, outDir))], ...unverified(input) };
  }
  const input = await loadReportInput(opts.results, { allowUnverified: opts.allowUnverified });
  const outDir = path.resolve(opts.out ?? defaultReportDir(opts.results, input.runId));
  return { outDir, files: await usualReport(opts, input, outDir), ...unverified(input) };
}

function unverified(input: ReportInput): Pick<ReportResult, 'unverified'> {
  const line = reportHeader(input).unverified;
  return line ? { unverified: line } : {};
}

/** The report every run gets: CSV, PNG, Markdown and HTML into `outDir`; the files written. */
export async function usualReport(opts: Pick<ReportOptions, 'formats' | 'vector'>, input: ReportInput, outDir: string): Promise<string[]> {
  const { charts, omitted } = buildCharts(input);
  const generator = `grpo-bench ${harnessVersion()}`;
  const files: string[] = [];
  // PNGs first: the Markdown links to them.
  const names = opts.formats ?? (['csv', 'png', 'markdown', 'html'] as const);
  for (const name of names)
    files.push(
      ...(await REPORT_FORMATS[name].write({ input, charts, omitted, outDir, generator, ...(opts.vector ? { vector: opts.vector } : {}) })),
    );
  return files;
}
