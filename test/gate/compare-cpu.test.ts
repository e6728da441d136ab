// The gate end to end on the tiny CPU scenario: `calibrate` runs it twice (A/A) and stores a noise
// profile; `compare` judges the A/A pair and a candidate slowed by the synthetic workload's
// `slowdown`. Real processes, about 40 s on 2 cores. Timings are never asserted: only verdicts
// that hold on a noisy machine (a 6× slower candidate, an A/A pair that is never "not comparable").
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { calibrateCommand } from '../../src/commands/calibrate/index.ts';
import { compareCommand, compareRuns } from '../../src/commands/compare/index.ts';
import { projectRoot } from '../../src/env/python.ts';
import { verdictMarkdown } from '../../src/gate/markdown.ts';
import { loadNoiseProfile } from '../../src/gate/noise.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'grpo-bench-gate-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const out = path.join(dir, 'results');

function scenario(slowdown: number): string {
  const file = path.join(dir, `tiny-${slowdown}.yaml`);
  writeFileSync(
    file,
    `name: gate-e2e
workload: synthetic
model: preset:tiny
device: cpu
grpo: { per_device_train_batch_size: 4, num_generations: 2, max_prompt_length: 16, max_completion_length: 16 }
steps: 6
warmup_steps: 1
modes:
  colocate: { devices: 1 }
slowdown: ${slowdown}
`,
  );
  return file;
}

const runs = () => readdirSync(out).filter((n) => n !== 'noise-profiles').sort();

test('calibrate runs the scenario twice and stores a noise profile; the A/A pair compares (exit 0 or 1, never 2)', async () => {
  assert.equal(await calibrateCommand({ scenario: scenario(0), out }), 0);
  const [a, b] = runs().map((n) => path.join(out, n));
  const [profileFile] = readdirSync(path.join(out, 'noise-profiles'));
  assert.match(profileFile!, /^gate-e2e-[0-9a-f]{12}\.json$/);
  const profile = (await loadNoiseProfile(path.join(out, 'noise-profiles', profileFile!)))!;
  assert.deepEqual(profile.entries.map((e) => [e.point, e.mode, e.runs_per_side, e.run_values.length]), [['default', 'colocate', 1, 2]]);
  assert.ok(profile.entries[0]!.aa_half_width > 0);

  const v = await compareRuns({ baseline: a!, candidate: b! });
  assert.equal(v.noise_profile, path.relative(process.cwd(), path.join(out, 'noise-profiles', profileFile!)));
  assert.ok([0, 1].includes(v.exit_code));
  assert.deepEqual([v.comparisons.length, v.allowed.length, v.changed.length], [1, 0, 0]);
  assert.ok(v.comparisons[0]!.resolution! > 0);
  assert.match(verdictMarkdown(v), /^### grpo-bench compare: /);

  // The same two runs profiled with --from: no new run, the same profile.
  const file = path.join(out, 'noise-profiles', profileFile!);
  rmSync(file);
  assert.equal(await calibrateCommand({ scenario: scenario(0), out, from: [a!, b!] }), 0);
  assert.deepEqual(runs().map((n) => path.join(out, n)), [a, b]);
  const again = (await loadNoiseProfile(file))!;
  assert.deepEqual(again.entries.map((e) => e.run_values), profile.entries.map((e) => e.run_values));
});

test('a candidate with slowdown 5 (steps 6× as long) regressed: exit code 1; without --allow-different slowdown it is refused (exit 2)', async () => {
  const baseline = path.join(out, runs()[0]!);
  // Judged against the threshold alone: a one-run-per-side A/A profile of a shared box can be
  // wider than even this slowdown, and the profile's part in the verdict has its own unit test.
  rmSync(path.join(out, 'noise-profiles'), { recursive: true, force: true });
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'run', scenario(5), '--out', out, '--no-report'], { cwd: projectRoot(), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  const candidate = path.join(out, runs().at(-1)!);
  await assert.rejects(compareRuns({ baseline, candidate }), (err: { exitCode?: number; message: string }) => err.exitCode === 2 && /slowdown: 0 \(baseline\) ≠ 5 \(candidate\)/.test(err.message));
  const v = await compareRuns({ baseline, candidate, allowDifferent: ['slowdown'] });
  assert.equal(v.comparisons[0]!.outcome, 'regressed');
  assert.ok(v.comparisons[0]!.ratio < 0.5, `ratio ${v.comparisons[0]!.ratio}`);
  assert.equal(await compareCommand({ baseline, candidate, allowDifferent: ['slowdown'], json: true }), 1);
});
