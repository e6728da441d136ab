// The report of a profile run (`grpo-bench profile`, and `report` on its folder): profile.md and
// its charts. Written by both commands, so it sits below them.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { profileView } from '../analysis/whatif/profile.ts';
import { type Profile } from '../records/profile.ts';
import { REPORT_FILES, reportChartFile } from '../results/layout.ts';

/** profile.md and its charts (PNG) in `outDir`; the files written, relative to it. */
export async function writeProfileReport(profile: Profile, outDir: string): Promise<string[]> {
  const { profileCharts, profileMarkdown } = await import('./whatif.ts');
  const { renderPng } = await import('./png.ts');
  const view = profileView(profile);
  const charts = profileCharts(profile, view);
  await mkdir(path.dirname(path.join(outDir, reportChartFile('x'))), { recursive: true });
  const files: string[] = [];
  for (const c of charts) {
    await writeFile(path.join(outDir, reportChartFile(c.id)), await renderPng(c));
    files.push(reportChartFile(c.id));
  }
  await writeFile(path.join(outDir, REPORT_FILES.profile), profileMarkdown(profile, view, charts));
  return [...files, REPORT_FILES.profile];
}
