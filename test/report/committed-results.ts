// The reports of the results folders committed under bench/, reduced to what must not change
// when the code that reads, analyses and renders them changes: every CSV and the Markdown as
// written, the summary the report shows, and the HTML page without its style sheet and scripts
// (the same for every run). The per-sample CSVs are copies of the committed samples, so they
// are kept as digests instead of a second copy.
//
// `npx tsx test/report/committed-results.ts` rewrites the snapshot under
// test/fixtures/committed-reports/; committed-results.test.ts compares against it.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { reportCommand } from '../../src/commands/report/index.ts';
import { loadRun } from '../../src/report/load.ts';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const SNAPSHOT_DIR = path.join(ROOT, 'test', 'fixtures', 'committed-reports');

/** Results folders committed under bench/ (each holds a manifest.json), relative to the project root, sorted. */
export async function committedRuns(): Promise<string[]> {
  const entries = await readdir(path.join(ROOT, 'bench'), { recursive: true });
  return entries
    .map(String)
    .filter((f) => path.basename(f) === 'manifest.json')
    .map((f) => path.join('bench', path.dirname(f)))
    .sort();
}

/** Sample files kept as a digest (name → sha256 and rows). */
const DIGESTED = ['telemetry.csv', 'processes.csv'];

/**
 * The HTML page as far as it comes from the run: its text, tables and chart data. The style
 * sheet and the scripts (Chart.js, the font, the chart plugins, the code that draws) are the
 * same for every run and belong to the renderer and its packages; they are left out.
 */
export function pageData(html: string): string {
  return html.replace(/<style>[\s\S]*?<\/style>/g, '<style>…</style>').replace(/<script>[\s\S]*?<\/script>/g, '<script>…</script>');
}

/** Renders the report of one committed run (CSV, Markdown, HTML) and returns the snapshot's files by name. */
export async function snapshotOf(runDir: string): Promise<Map<string, string>> {
  const out = await mkdtemp(path.join(tmpdir(), 'grpo-bench-committed-'));
  try {
    const { files } = await reportCommand({ results: path.join(ROOT, runDir), out, formats: ['csv', 'markdown', 'html'] });
    const snapshot = new Map<string, string>();
    const digests: Record<string, { sha256: string; lines: number }> = {};
    for (const name of files.sort()) {
      // A profile's charts are PNGs whatever the formats asked; pixels are the renderer's, not the run's.
      if (name.endsWith('.png')) continue;
      const text = await readFile(path.join(out, name), 'utf8');
      if (DIGESTED.includes(name))
        digests[name] = { sha256: createHash('sha256').update(text).digest('hex'), lines: text.split('\n').length - 1 };
      else snapshot.set(name, name === 'report.html' ? pageData(text) : text);
    }
    snapshot.set('samples.sha256.json', JSON.stringify(digests, null, 2) + '\n');
    // A profile run with only its server half (probe units) has no summary, only profile.md.
    if (existsSync(path.join(ROOT, runDir, 'summary.json'))) {
      const { summary } = await loadRun(path.join(ROOT, runDir));
      snapshot.set('summary.json', JSON.stringify(summary, null, 2) + '\n');
    }
    return snapshot;
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

async function writeSnapshots(): Promise<void> {
  await rm(SNAPSHOT_DIR, { recursive: true, force: true });
  for (const run of await committedRuns()) {
    const dir = path.join(SNAPSHOT_DIR, run);
    await mkdir(dir, { recursive: true });
    for (const [name, text] of await snapshotOf(run)) await writeFile(path.join(dir, name), text);
    console.log(`${path.relative(ROOT, dir)}`);
  }
}

if (import.meta.filename === process.argv[1]) await writeSnapshots();
