// `grpo-bench history <folders…>`: a metric over versions and dates (report/history.ts) as
// history.html (self-contained: Chart.js inlined) and history.csv in --out. A folder that cannot
// be read is listed apart with why, not fatal: a history spans archives of many ages.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { summarize } from '../../analysis/summary/summarize.ts';
import type { ModeSummary } from '../../records/summary.ts';
import { harnessVersion } from '../../env/harness.ts';
import { UserError } from '../../errors.ts';
import { GATE_METRICS } from '../../analysis/gate/judge.ts';
import { DEFAULT_GATE_METRIC } from '../../records/metrics.ts';
import { buildHistory, historyCsv, historyHtml, type History, type HistoryApart, type HistoryRun } from '../../report/history.ts';
import { chartJsSource } from '../../report/html.ts';
import { readRun } from '../../results/read.ts';

export interface HistoryOptions {
  folders: string[];
  out: string;
  metric?: string;
}

export async function historyCommand(o: HistoryOptions): Promise<History> {
  const metric = (o.metric ?? DEFAULT_GATE_METRIC) as keyof ModeSummary;
  if (!(metric in GATE_METRICS))
    throw new UserError(`--metric ${metric}: not a metric of the history`, `Choose one of ${Object.keys(GATE_METRICS).join(', ')}.`);
  if (o.folders.length === 0) throw new UserError('name the run folders to draw (results/<run-id> …)');
  const runs: HistoryRun[] = [];
  const unreadable: HistoryApart[] = [];
  for (const dir of o.folders) {
    try {
      const run = await readRun(dir);
      runs.push({ dir, manifest: run.manifest, summary: summarize(run).summary });
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      // The whole message: an integrity error names each file that no longer matches on its own line.
      unreadable.push({
        dir,
        why: `not read: ${err.message
          .split('\n')
          .map((l) => l.trim())
          .join('; ')}`,
      });
    }
  }
  const history = buildHistory(runs, metric, unreadable);
  await mkdir(o.out, { recursive: true });
  await writeFile(path.join(o.out, 'history.csv'), historyCsv(history));
  await writeFile(path.join(o.out, 'history.html'), historyHtml(history, await chartJsSource(), `grpo-bench ${harnessVersion()}`));
  console.log(
    `history: ${history.lines.length} configuration(s), ${history.apart.length} folder(s) apart → ${path.join(o.out, 'history.html')}`,
  );
  for (const a of history.apart) console.log(`  apart: ${a.dir}: ${a.why}`);
  return history;
}
