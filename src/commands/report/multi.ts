// `grpo-bench report <folder> <folder>…`: one page over several results folders, written under
// reports/multi-<names>/ unless --out says otherwise.
import { createHash } from 'node:crypto';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { compareFolders, type FolderRecord } from '../../analysis/folders.ts';
import { UserError } from '../../errors.ts';
import { harnessVersion } from '../../env/harness.ts';
import type { ReportFormatName } from '../../report/formats.ts';
import { loadRun } from '../../report/load.ts';
import {
  MULTI_FILES,
  multiCharts,
  multiFieldsCsv,
  multiHtml,
  multiMarkdown,
  multiSummaryCsv,
  type MultiInput,
} from '../../report/multi.ts';
import { fileSlug, REPORTS_ROOT, reportChartFile, RUN_FILES } from '../../results/layout.ts';

export interface MultiReportOptions {
  /** Results folders of runs, or folders that hold them (each run folder inside, by name). */
  results: readonly string[];
  out?: string;
  formats?: readonly ReportFormatName[];
  vector?: 'svg' | 'pdf';
  /** Show folders whose files do not match their digests, the page's first line naming them. */
  allowUnverified?: boolean;
}

const isFile = (p: string) =>
  stat(p).then(
    (s) => s.isFile(),
    () => false,
  );

/** The run folders an argument names: itself when it holds a summary, else the run folders directly inside it. */
async function runFolders(arg: string): Promise<string[]> {
  const info = await stat(arg).catch(() => undefined);
  if (!info?.isDirectory())
    throw new UserError(`${arg}: no such results folder`, 'Pass the folders of runs (results/<run-id>), or folders that hold them.');
  if (await isFile(path.join(arg, RUN_FILES.summary))) return [arg];
  const inside = (await readdir(arg, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => path.join(arg, e.name))
    .sort();
  const runs = [];
  for (const dir of inside) if (await isFile(path.join(dir, RUN_FILES.summary))) runs.push(dir);
  if (runs.length === 0)
    throw new UserError(
      `${arg}: neither a run's results folder (no ${RUN_FILES.summary}) nor a folder of them`,
      'Pass the folders of finished runs, e.g. results/<run-id>, or the folder that holds them.',
    );
  return runs;
}

/** `multi-<run ids>` when short enough to read, else the first run id, the count, and a hash of them all. */
function multiReportName(runIds: readonly string[]): string {
  const joined = fileSlug(runIds.join('+'), 'runs');
  if (joined.length <= 80) return `multi-${joined}`;
  const hash = createHash('sha256').update(runIds.join('\n')).digest('hex').slice(0, 8);
  return `multi-${fileSlug(runIds[0]!, 'run', 40)}-and-${runIds.length - 1}-more-${hash}`;
}

export async function multiReportCommand(opts: MultiReportOptions): Promise<{ outDir: string; files: string[]; unverified?: string }> {
  const dirs = [...new Set((await Promise.all(opts.results.map(runFolders))).flat())];
  const folders: FolderRecord[] = [];
  const unverified: string[] = [];
  for (const dir of dirs) {
    const r = await loadRun(dir, { allowUnverified: opts.allowUnverified });
    if (r.integrity?.state === 'unverified') unverified.push(`${dir} (${r.integrity.problems.map((p) => p.file).join(', ')})`);
    folders.push({ dir, summary: r.summary, ...(r.manifest ? { manifest: r.manifest } : {}) });
  }
  const unverifiedLine = unverified.length
    ? `UNVERIFIED: the figures of ${unverified.join('; ')} rest on raw files that no longer match what their runs recorded; shown because of --allow-unverified.`
    : undefined;
  const input: MultiInput = { folders, comparison: compareFolders(folders), ...(unverifiedLine ? { unverified: unverifiedLine } : {}) };
  const charts = multiCharts(input);
  const outDir = path.resolve(opts.out ?? path.join(REPORTS_ROOT, multiReportName(folders.map((f) => f.summary.run_id))));
  const files: string[] = [];
  const put = async (rel: string, content: string | Uint8Array) => {
    await mkdir(path.dirname(path.join(outDir, rel)), { recursive: true });
    await writeFile(path.join(outDir, rel), content);
    files.push(rel);
  };
  const formats = new Set(opts.formats ?? ['csv', 'png', 'markdown', 'html']);
  if (formats.has('csv')) {
    await put(MULTI_FILES.summary, multiSummaryCsv(input));
    await put(MULTI_FILES.fields, multiFieldsCsv(input));
  }
  if (formats.has('png')) {
    const { renderPng, renderVector } = await import('../../report/png.ts');
    for (const c of charts) {
      await put(reportChartFile(c.id), await renderPng(c));
      if (opts.vector) await put(reportChartFile(c.id, opts.vector), await renderVector(c, opts.vector));
    }
  }
  if (formats.has('markdown')) await put(MULTI_FILES.markdown, multiMarkdown(input, charts));
  if (formats.has('html')) await put(MULTI_FILES.html, await multiHtml(input, charts, `grpo-bench ${harnessVersion()}`));
  return { outDir, files, ...(unverifiedLine ? { unverified: unverifiedLine } : {}) };
}
