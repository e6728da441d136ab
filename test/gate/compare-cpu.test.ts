// The gate end to end on the tiny CPU scenario: `calibrate` runs an A/A pair of folders and stores
// a noise profile; `compare` judges the pair with it and a candidate slowed by the synthetic
// workload's `slowdown`. Real processes, a few minutes on 2 busy cores. Timings are never
// asserted: only verdicts that hold on a noisy machine — the A/A pair that made the profile is
// judged without it (its runs would count twice), so it can never be cleared, and steps 6× as long
// are beyond any spread of three runs per side.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { CALIBRATION, GATE_EXIT } from '../../src/analysis/inference/constants.ts';
import { calibrateCommand } from '../../src/commands/calibrate/index.ts';
import { compareCommand, compareRuns } from '../../src/commands/compare/index.ts';
import { projectRoot } from '../../src/env/python.ts';
import { loadNoiseProfile, type NoiseProfile } from '../../src/analysis/gate/noise.ts';

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
steps: 5
warmup_steps: 1
modes:
  colocate: { devices: 1 }
slowdown: ${slowdown}
`,
  );
  return file;
}

const runs = () =>
  readdirSync(out)
    .filter((n) => n !== 'noise-profiles')
    .sort();

test('calibrate runs an A/A pair of folders and stores the noise model; comparing the pair itself does not count its runs twice', async () => {
  assert.equal(await calibrateCommand({ scenario: scenario(0), out, pairs: 1, repeats: 3 }), 0);
  const [a, b] = runs().map((n) => path.join(out, n));
  const [profileFile] = readdirSync(path.join(out, 'noise-profiles'));
  assert.match(profileFile!, /^gate-e2e-[0-9a-f]{12}\.json$/);
  const file = path.join(out, 'noise-profiles', profileFile!);
  const profile = (await loadNoiseProfile(file)) as NoiseProfile;
  const [entry] = profile.entries;
  assert.deepEqual([entry!.point, entry!.mode, entry!.sessions.map((s) => s.length)], ['default', 'colocate', [3, 3]]);
  assert.deepEqual([entry!.model.sessions, entry!.model.runs, entry!.model.within_df, entry!.model.between_df], [2, 6, 4, 1]);
  assert.deepEqual(
    entry!.operating.map((o) => o.runs_per_side),
    [...CALIBRATION.table_runs],
  );

  // Both folders are the profile's: left out of it, no folder is left to say how folders differ, so the pair
  // is judged on its runs alone and can never be cleared ("no regression" would rest on its own runs twice).
  const v = await compareRuns({ baseline: a!, candidate: b! });
  assert.equal(v.noise_profile, path.relative(process.cwd(), file));
  assert.ok(
    v.warnings.some((w) => /the baseline and candidate folders are among the noise profile's folders.*too few folders remain/.test(w)),
    v.warnings.join('\n'),
  );
  assert.equal(v.comparisons[0]!.variance.source, 'runs');
  assert.notEqual(v.outcome, 'no_regression');
  assert.equal(v.exit_code, GATE_EXIT[v.outcome]);
  assert.deepEqual([v.comparisons.length, v.allowed.length, v.changed.length], [1, 0, 0]);

  // The same two folders profiled with --from: no new run, the same per-run values.
  rmSync(file);
  assert.equal(await calibrateCommand({ scenario: scenario(0), out, from: [a!, b!] }), 0);
  assert.deepEqual(
    runs().map((n) => path.join(out, n)),
    [a, b],
  );
  const again = (await loadNoiseProfile(file)) as NoiseProfile;
  assert.deepEqual(
    again.entries.map((e) => e.sessions),
    profile.entries.map((e) => e.sessions),
  );
});

test('a candidate with slowdown 5 (steps 6× as long) regressed: exit code 1; without --allow-different slowdown it is refused (exit 2)', async () => {
  const baseline = path.join(out, runs()[0]!);
  // Judged on the runs' own spread: a profile from one A/A pair (1 df between folders) is too
  // uncertain to call anything, which its own unit test shows.
  rmSync(path.join(out, 'noise-profiles'), { recursive: true, force: true });
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src/cli.ts', 'run', scenario(5), '--repeats', '3', '--out', out, '--no-report'],
    { cwd: projectRoot(), encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  const candidate = path.join(out, runs().at(-1)!);
  await assert.rejects(
    compareRuns({ baseline, candidate }),
    (err: { exitCode?: number; message: string }) => err.exitCode === 2 && /slowdown: 0 \(baseline\) ≠ 5 \(candidate\)/.test(err.message),
  );
  const v = await compareRuns({ baseline, candidate, allowDifferent: ['slowdown'] });
  const { outcome, ratio, interval, baseline_runs, candidate_runs, unresolved } = v.comparisons[0]!;
  assert.equal(outcome, 'regressed', JSON.stringify({ ratio, interval, baseline_runs, candidate_runs, unresolved }));
  assert.ok(v.comparisons[0]!.ratio < 0.5, `ratio ${v.comparisons[0]!.ratio}`);
  assert.equal(await compareCommand({ baseline, candidate, allowDifferent: ['slowdown'], json: true }), GATE_EXIT.regressed);
});
