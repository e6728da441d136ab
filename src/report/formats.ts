// Report formats: one small contract, one entry each, a registry by name. Each writes its
// files into the report folder from the loaded run and the shared chart definitions.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REPORT_FILES, reportChartFile } from '../results/layout.ts';
import type { ChartSpec, OmittedChart } from './charts.ts';
import type { ReportInput } from './load.ts';

export interface ReportContext {
  input: ReportInput;
  charts: readonly ChartSpec[];
  /** Charts left out because they had nothing to draw, with the reason (the Markdown and the page say it). */
  omitted: readonly OmittedChart[];
  outDir: string;
  /** `grpo-bench <version>`, written into the page. */
  generator: string;
  /** Also draw every chart in this vector format (`charts/<id>.svg` or `.pdf`), with the PNGs. */
  vector?: 'svg' | 'pdf';
}

export interface ReportFormat {
  name: string;
  /** Writes the format's files; returns their paths relative to the report folder. */
  write(ctx: ReportContext): Promise<string[]>;
}

async function put(ctx: ReportContext, rel: string, content: string | Uint8Array): Promise<string> {
  const file = path.join(ctx.outDir, rel);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  return rel;
}

export const csvFormat = {
  name: 'csv',
  async write(ctx) {
    const { comparisonsCsv, notesCsv, pointComparisonsCsv, samplesCsv, settingsDifferencesCsv, startupCsv, stepsCsv, summaryCsv } =
      await import('./csv.ts');
    const files = [
      await put(ctx, REPORT_FILES.steps, stepsCsv(ctx.input)),
      await put(ctx, REPORT_FILES.summary, summaryCsv(ctx.input)),
      await put(ctx, REPORT_FILES.comparisons, comparisonsCsv(ctx.input)),
      await put(ctx, REPORT_FILES.pointComparisons, pointComparisonsCsv(ctx.input)),
      await put(ctx, REPORT_FILES.settingsDifferences, settingsDifferencesCsv(ctx.input)),
      await put(ctx, REPORT_FILES.notes, notesCsv(ctx.input)),
    ];
    const startup = startupCsv(ctx.input);
    if (startup !== undefined) files.push(await put(ctx, REPORT_FILES.startup, startup));
    for (const kind of ['telemetry', 'processes'] as const) {
      const samples = samplesCsv(ctx.input, kind);
      if (samples !== undefined) files.push(await put(ctx, REPORT_FILES[kind], samples));
    }
    return files;
  },
} satisfies ReportFormat;

export const pngFormat = {
  name: 'png',
  async write(ctx) {
    // Canvas is a native module: loaded only when PNGs are made.
    const { renderPng, renderVector } = await import('./png.ts');
    const files = [];
    for (const chart of ctx.charts) {
      files.push(await put(ctx, reportChartFile(chart.id), await renderPng(chart)));
      if (ctx.vector) files.push(await put(ctx, reportChartFile(chart.id, ctx.vector), await renderVector(chart, ctx.vector)));
    }
    return files;
  },
} satisfies ReportFormat;

export const markdownFormat = {
  name: 'markdown',
  async write(ctx) {
    const { renderMarkdown } = await import('./markdown.ts');
    return [await put(ctx, REPORT_FILES.markdown, renderMarkdown(ctx.input, ctx.charts, ctx.omitted))];
  },
} satisfies ReportFormat;

export const htmlFormat = {
  name: 'html',
  async write(ctx) {
    const { renderHtml } = await import('./html.ts');
    return [await put(ctx, REPORT_FILES.html, await renderHtml(ctx.input, ctx.charts, ctx.generator, ctx.omitted))];
  },
} satisfies ReportFormat;

export const REPORT_FORMATS = { csv: csvFormat, png: pngFormat, markdown: markdownFormat, html: htmlFormat } as const;
export type ReportFormatName = keyof typeof REPORT_FORMATS;
/** The CLI's `--format` choices. Each format loads its renderer when it writes, so listing them is cheap. */
export const REPORT_FORMAT_NAMES = Object.keys(REPORT_FORMATS) as ReportFormatName[];
