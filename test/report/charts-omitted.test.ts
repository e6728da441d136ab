import assert from 'node:assert/strict';
import { test } from 'node:test';
import path from 'node:path';
import { buildCharts, hasData } from '../../src/report/charts.ts';
import { loadReportInput } from '../../src/report/load.ts';
import { gpuRun } from './run-source.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

test('a sweep measured in one mode draws no empty speedup chart: it is left out with the reason, and the points are compared within the mode', async () => {
  const input = await loadReportInput(await gpuRun({ sweep: { field: 'grpo.per_device_train_batch_size', values: [8, 16] } }));
  // What a run of `--mode colocate` alone leaves: no server rows, no comparison between modes.
  const summary = {
    ...input.summary,
    modes: input.summary.modes.filter((m) => m.mode === 'colocate'),
    comparisons: [],
    point_comparisons: input.summary.point_comparisons.filter((c) => c.mode === 'colocate'),
  };
  assert.ok(summary.point_comparisons.length > 0, 'the fixture has a comparison between its points');
  const { charts, omitted } = buildCharts({ ...input, summary });
  assert.ok(charts.every(hasData), 'every chart shown has something to draw');
  assert.ok(!charts.some((c) => c.id === 'sweep-speedup'));
  const speedup = omitted.find((o) => o.id === 'sweep-speedup');
  assert.match(speedup?.reason ?? '', /one mode \(colocate\).*no speedup between modes.*compared within the mode instead/);
  assert.ok(
    charts.some((c) => c.id === 'sweep-points'),
    'the chart between sweep points is drawn',
  );
});

test('a run with no measured step shows no throughput or phase chart, and says why', async () => {
  const input = await loadReportInput(path.join(ROOT, 'bench/gpu/results/2026-11-27-2xH200/runs/trl-0.5b-2gpu-20261127-114746'));
  assert.equal(input.summary.modes.length, 0);
  const { charts, omitted } = buildCharts(input);
  assert.ok(!charts.some((c) => c.id === 'throughput' || c.id === 'phases'));
  assert.match(omitted.find((o) => o.id === 'throughput')?.reason ?? '', /no mode has measured steps/);
});
