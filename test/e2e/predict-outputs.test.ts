// `predict` on the committed one-H200 folders, as a user runs it: it writes under reports/ of the
// working folder (never into the results it reads), names the batch it chose and why, predicts
// the one-GPU shared layout on request, and a profile without a trainer half is refused with the
// folders that would supply one.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { execa } from 'execa';
import { ROOT } from './helpers.ts';

const H200 = path.join(ROOT, 'bench', 'gpu', 'results', '2026-12-01-1xH200');
const PROBE = path.join(H200, 'profile', 'profile-trl-1gpu-1.5b-profile-20261201-233224');
const COLOCATE = path.join(H200, 'trl-1gpu', 'results', 'trl-1gpu-1.5b-20261201-190638');
const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** The CLI from another working folder, as a user with the harness installed elsewhere runs it. */
async function predictIn(cwd: string, args: string[]) {
  return execa(process.execPath, ['--import', import.meta.resolve('tsx'), path.join(ROOT, 'src', 'cli.ts'), 'predict', ...args], {
    cwd,
    env: { FORCE_COLOR: '0' },
    reject: false,
    all: true,
  });
}

test('predict --shared-gpu writes under reports/ of the working folder, names the batch and why, and leaves the folders it read alone', async () => {
  const cwd = await mkdtemp(path.join(tmpdir(), 'gb-predict-'));
  dirs.push(cwd);
  const before = await readdir(H200, { recursive: true });
  const r = await predictIn(cwd, [PROBE, COLOCATE, '--gpus', '1', '--shared-gpu']);
  assert.equal(r.exitCode, 0, r.all);
  assert.match(r.stdout, /^PREDICTED: server mode on a shared GPU with IPC weight transfer — not a layout TRL supports/);
  assert.match(r.stdout, /\| 1 GPU shared \(IPC\) \|/);
  assert.match(r.stdout, /^per-device batch 8: the largest per-device batch the profile's runs trained at \(measured: 8\)/m);
  const out = path.join(cwd, 'reports', 'profile-trl-1gpu-1.5b-profile-20261201-233224', 'predict-1gpu-shared');
  assert.ok(existsSync(path.join(out, 'predict.md')) && existsSync(path.join(out, 'predict.json')), r.all);
  assert.deepEqual(await readdir(H200, { recursive: true }), before, 'nothing written among the folders read');
});

test('a profile without a trainer half is refused, naming the folders that would supply one', async () => {
  const cwd = await mkdtemp(path.join(tmpdir(), 'gb-predict-'));
  dirs.push(cwd);
  const r = await predictIn(cwd, [PROBE, '--gpus', '2']);
  assert.notEqual(r.exitCode, 0);
  assert.match(r.all, /no trainer half/);
  assert.match(
    r.all,
    /A trainer half comes from the results folder of a colocate, hf or server run of the same model and lengths \(preset:1\.5b, 128 \+ 256 tokens, num_generations 8\)/,
  );
  assert.match(r.all, /Read so far: .*profile-trl-1gpu-1\.5b-profile-20261201-233224/);
  assert.equal(existsSync(path.join(cwd, 'reports')), false);
});
