// End to end: `profile` measures the synthetic workload's real server with its driver and a
// colocate trainer half on CPU, then `predict` composes them. Real processes, real HTTP.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import type { Profile } from '../../src/records/profile.ts';
import type { SplitTable } from '../../src/analysis/whatif/model.ts';
import type { RunPlan } from '../../src/records/plan.ts';
import type { Manifest } from '../../src/records/manifest.ts';
import { cli, onlyRunDir, processesMentioning, readJsonFile, tinyScenario, workspace } from './helpers.ts';

test('profile measures the server for 1 and 2 simulated trainers and a colocate trainer half; predict composes them, labelled PREDICTED', async () => {
  const ws = await workspace(tinyScenario());
  const r = await cli([
    'profile',
    ws.scenario,
    '--trainers',
    '1-2',
    '--batches',
    '4',
    '--requests',
    '2',
    '--warmup-requests',
    '1',
    '--steps',
    '3',
    '--warmup-steps',
    '1',
    '--trainer-mode',
    'colocate',
    '--out',
    ws.results,
    '--reports',
    ws.reports,
  ]);
  assert.equal(r.exitCode, 0, r.all);
  const runDir = await onlyRunDir(ws.results);
  const manifest = await readJsonFile<Manifest>(path.join(runDir, 'manifest.json'));
  assert.deepEqual(
    manifest.units.map((u) => [u.dir, u.status]),
    [
      ['probe/server/r0', 'ok'],
      ['colocate/r0', 'ok'],
    ],
  );
  const plan = await readJsonFile<RunPlan>(path.join(runDir, 'plan.json'));
  assert.deepEqual(
    plan.units[0]!.processes.map((p) => p.name),
    ['server-0', 'driver'],
  );
  assert.deepEqual(plan.units[0]!.probe?.points, [
    { trainers: 1, per_device_batch: 4 },
    { trainers: 2, per_device_batch: 4 },
  ]);

  const profile = await readJsonFile<Profile>(path.join(runDir, 'profile.json'));
  const points = profile.server[0]!.points;
  assert.deepEqual(
    points.map((p) => [p.completions, p.trainers, p.prompts, p.source, p.seconds.flat().length]),
    [
      [4, 1, 2, 'probe', 2],
      [8, 2, 4, 'probe', 2],
    ],
  );
  assert.ok(points.every((p) => p.seconds.flat().every((s) => s > 0)));
  assert.equal(profile.shape.completion_tokens_per_sample, 8);
  const colocate = profile.trainer.find((h) => h.mode === 'colocate')!;
  assert.equal(colocate.training_devices, 2);
  assert.ok(colocate.compute_s.flat().length >= 1 && colocate.generate_s.flat().every((s) => s > 0));
  // The summary of the trainer half ignores the profile unit.
  const summary = await readJsonFile<{ points: { id: string }[]; modes: { mode: string }[] }>(path.join(runDir, 'summary.json'));
  assert.deepEqual(
    summary.points.map((pt) => pt.id),
    ['per_device_train_batch_size=4'],
  );
  assert.deepEqual(
    summary.modes.map((m) => m.mode),
    ['colocate'],
  );
  const report = path.join(ws.reports, path.basename(runDir));
  assert.ok(
    existsSync(path.join(report, 'profile.md')) &&
      existsSync(path.join(report, 'charts', 'generation-1x1.png')) &&
      existsSync(path.join(report, 'report.md')),
  );
  assert.match(await readFile(path.join(report, 'profile.md'), 'utf8'), /MEASURED/);
  assert.deepEqual(processesMentioning(runDir), []);

  const out = path.join(ws.dir, 'predict');
  const p = await cli(['predict', runDir, '--gpus', '3', '--out', out]);
  assert.equal(p.exitCode, 0, p.all);
  assert.match(p.stdout, /^PREDICTED/);
  assert.match(p.stdout, /\| 1\+2 \|/);
  assert.match(p.stdout, /\| 2\+1 \|/);
  assert.match(p.stdout, /assumed: .*weight sync/);
  const table = await readJsonFile<SplitTable>(path.join(out, 'predict.json'));
  assert.equal(table.predicted, true);
  assert.deepEqual(
    table.rows.map((row) => `${row.server_gpus}+${row.trainer_gpus}`),
    ['1+2', '2+1'],
  );
  const md = await readFile(path.join(out, 'predict.md'), 'utf8');
  assert.match(md, /^# PREDICTED/);
  assert.match(md, /## Assumptions/);
  assert.ok(existsSync(path.join(out, 'charts', 'predicted-speedup.png')));
});

test('profile refuses a scenario without a server mode, and predict a folder that holds no profile data', async () => {
  const ws = await workspace(tinyScenario().replace('  server: { devices: { server: 1, trainer: 1 } }\n', ''));
  const r = await cli(['profile', ws.scenario, '--out', ws.results]);
  assert.equal(r.exitCode, 65, r.all);
  assert.match(r.stderr, /defines no server mode/);
  const p = await cli(['predict', ws.dir, '--gpus', '4']);
  assert.equal(p.exitCode, 65, 'a folder that cannot be read as results: the data error code');
  assert.match(p.stderr, /manifest\.json/);
});
