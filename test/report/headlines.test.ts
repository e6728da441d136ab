// Headlines and notes that say what the run did: step counts as steps.csv has them, each sweep
// headline naming its point, and no note for the seeds the harness varies per repeat on purpose.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { extent, summarize } from '../../src/analysis/summary/summarize.ts';
import type { ModeSummary } from '../../src/records/summary.ts';
import { formatSummaryTable } from '../../src/commands/run/table.ts';
import { loadRun } from '../../src/report/load.ts';
import { reportHeader } from '../../src/report/tables.ts';
import { readRun } from '../../src/results/read.ts';
import { gpuRun } from './run-source.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const REPEATS = path.join(ROOT, 'bench/gpu/results/2026-12-01-1xH200/trl-1gpu-repeats/trl-1gpu-20261201-234829');

const mode = (steps: number[]) =>
  ({
    runs: steps.map((n, repeat) => ({ repeat, status: 'ok', steps: n })),
    steps_measured: steps.reduce((a, b) => a + b, 0),
  }) as unknown as ModeSummary;

test('the step count of a headline is what steps.csv holds: per run, and in all when runs differ', () => {
  assert.equal(extent(mode([5, 6, 6])), '3 runs, 5–6 measured steps each (17 in all)');
  assert.equal(extent(mode([20, 20, 20])), '3 runs × 20 steps each');
  assert.equal(extent(mode([4])), '1 run × 4 steps');
});

test('the per-run step counts a summary rests on match steps.csv (the committed run with repeats)', async () => {
  const run = await loadRun(REPEATS);
  const m = run.summary.modes[0]!;
  const measured = (repeat: number) =>
    run.steps.filter((s) => s.repeat === repeat && s.mode === m.mode && !s.excluded_by && !s.warmup).length;
  for (const r of m.runs.filter((x) => x.steps > 0)) assert.equal(r.steps, measured(r.repeat), `repeat ${r.repeat}`);
});

test('every headline of a sweep names its point, in the report and in the terminal', async () => {
  const dir = await gpuRun({ sweep: { field: 'grpo.per_device_train_batch_size', values: [4, 8] } });
  const { summary } = summarize(await readRun(dir));
  assert.equal(summary.comparisons.length, 2);
  const headlines = reportHeader({ summary } as Parameters<typeof reportHeader>[0]).headlines;
  for (const [i, p] of summary.points.entries()) {
    assert.ok(headlines[i]!.startsWith(`${p.label}: `), headlines[i]);
    assert.ok(formatSummaryTable(summary).includes(`\n${p.label}: `), `terminal names ${p.label}`);
  }
});

test('repeats that differ only in the seeds the harness gives them get no "settings differ" note about seeds', async () => {
  const { summary } = summarize(await readRun(REPEATS));
  const notes = summary.notes.filter((n) => n.kind === 'settings_differ_between_repeats');
  for (const n of notes) assert.doesNotMatch(n.text, /seed/, n.text);
  // The repeats' start-up memory figures do differ, and are still noted.
  assert.ok(notes.some((n) => n.text.includes('device_memory.free_before_training_bytes')));
});
