import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UserError } from '../../src/errors.ts';
import { judge } from '../../src/gate/judge.ts';
import { verdictMarkdown } from '../../src/gate/markdown.ts';
import { noiseProfile, resolution } from '../../src/gate/noise.ts';
import { durations, side } from './sides.ts';

// 3 runs × 20 steps of 1 s ± 0.5% per side unless said otherwise.
const tight = (scale: number, seed: number) => durations(scale, 0.005, 3, 20, seed);
const R = { resamples: 2000 };

describe('judge: outcomes against the noise threshold', () => {
  test('a candidate 10% slower with tight intervals regressed: exit code 1', () => {
    const v = judge(side([{ runs: tight(1, 1) }]), side([{ runs: tight(1.1, 2) }]), R);
    const [c] = v.comparisons;
    assert.equal(v.metric, 'completion_tokens_per_s_per_allocated_device');
    assert.equal(c!.outcome, 'regressed');
    assert.equal(c!.direction, 'regression');
    assert.ok(Math.abs(c!.ratio - 1 / 1.1) < 0.005, `ratio ${c!.ratio}`);
    assert.ok(c!.interval.high < 0.98);
    assert.equal(c!.p_value, 2 / 2001); // no replicate at or above 0.98: (1 + 0) / 2001, two-sided
    assert.deepEqual([v.regressed, v.exit_code], [true, 1]);
  });

  test('a candidate 1% slower is within noise at the 2% threshold: exit code 0', () => {
    const v = judge(side([{ runs: tight(1, 1) }]), side([{ runs: tight(1.01, 2) }]), R);
    assert.equal(v.comparisons[0]!.outcome, 'within_noise');
    assert.deepEqual([v.regressed, v.exit_code], [false, 0]);
  });

  test('the same 1% is regressed at a 0.5% threshold', () => {
    const v = judge(side([{ runs: tight(1, 1) }]), side([{ runs: tight(1.01, 2) }]), { ...R, threshold: 0.005 });
    assert.equal(v.comparisons[0]!.outcome, 'regressed');
  });

  test('a candidate 10% faster improved, and exits 0', () => {
    const v = judge(side([{ runs: tight(1, 1) }]), side([{ runs: tight(1 / 1.1, 2) }]), R);
    assert.deepEqual([v.comparisons[0]!.outcome, v.comparisons[0]!.direction, v.exit_code], ['improved', 'improvement', 0]);
  });

  test('step time is lower-is-better: 10% longer steps regressed, ratio above 1', () => {
    const v = judge(side([{ runs: tight(1, 1) }]), side([{ runs: tight(1.1, 2) }]), { ...R, metric: 'step_time_s' });
    const c = v.comparisons[0]!;
    assert.equal(v.higher_is_better, false);
    assert.ok(c.ratio > 1.09 && c.interval.low > 1.02);
    assert.equal(c.outcome, 'regressed');
  });

  test('other metrics are reported beside the gate, not gated', () => {
    const v = judge(side([{ runs: tight(1, 1) }]), side([{ runs: tight(1.1, 2) }]), R);
    const names = v.comparisons[0]!.others.map((o) => o.name);
    assert.deepEqual(names, [
      'completion_tokens_per_s_per_training_device', 'completion_tokens_per_s', 'samples_per_s', 'step_time_s',
      'time_to_first_step_s', 'phase_median_s.generate',
    ]);
    const step = v.comparisons[0]!.others.find((o) => o.name === 'step_time_s')!;
    assert.ok(step.ratio! > 1.09 && step.low! > 1 && step.higher_is_better === false);
  });
});

describe('judge: Holm across points × modes', () => {
  // One run of 30 steps per side, 5% jitter; the candidate's steps are 3.8% longer: alone,
  // its two-sided p of 2·30/2001 ≈ 0.030 is below α = 0.05 (regressed); beside two unchanged points Holm
  // multiplies it by 3 (0.090 > 0.05): within noise.
  const base = durations(1, 0.05, 1, 30, 1);
  const cand = durations(1.038, 0.05, 1, 30, 2);
  const same = (point: string, seed: number) => ({ point, runs: durations(1, 0.05, 1, 30, seed) });

  test('a borderline comparison is regressed on its own', () => {
    const v = judge(side([{ runs: base }]), side([{ runs: cand }]), R);
    const c = v.comparisons[0]!;
    assert.deepEqual([c.p_value, c.p_adjusted, c.holm_divisor, c.outcome], [60 / 2001, 60 / 2001, 1, 'regressed']);
  });

  test('a point name cannot break the verdict table: Markdown in it is escaped', () => {
    const v = judge(side([same('b|2', 11)]), side([same('b|2', 12)]), R);
    const row = verdictMarkdown(v).split('\n').find((l) => l.startsWith('| b'));
    assert.ok(row?.startsWith('| b\\|2 | '), row);
  });

  test('the same comparison among 3 points is within noise, its interval widened to Holm’s level', () => {
    const v = judge(
      side([{ runs: base }, same('b=2', 11), same('b=4', 13)]),
      side([{ runs: cand }, same('b=2', 12), same('b=4', 14)]),
      R,
    );
    const c = v.comparisons.find((x) => x.point === 'default')!;
    assert.equal(c.p_value, 60 / 2001);
    assert.ok(Math.abs(c.p_adjusted - 180 / 2001) < 1e-12);
    assert.deepEqual([c.holm_divisor, c.interval.level, c.outcome], [3, 1 - 0.05 / 3, 'within_noise']);
    assert.ok(c.interval.high > 0.98, 'the 98.3% interval reaches past 1 − 2%');
    assert.deepEqual(v.comparisons.map((x) => x.outcome), ['within_noise', 'within_noise', 'within_noise']);
    assert.equal(v.exit_code, 0);
  });
});

describe('judge: comparability', () => {
  const runs = tight(1, 1);
  const base = () => side([{ runs }], { runId: 'base' });
  const other = () =>
    side([{ runs }], {
      runId: 'cand',
      environment: { cpu_model: 'Other CPU', cpu_cores: 2, gpu_count: 0 },
      subject: { trl: '1.13.0', harness_commit: 'bbbb' },
      scenario: { slowdown: 0.5, grpo: { max_completion_length: 64 } },
    });

  test('refuses with exit code 2, naming each differing field with both values', () => {
    assert.throws(
      () => judge(base(), other(), R),
      (err: unknown) => {
        assert.ok(err instanceof UserError);
        assert.equal(err.exitCode, 2);
        assert.match(err.message, /not comparable: 3 fields differ/);
        assert.match(err.message, /environment\.cpu_model: Test CPU \(baseline\) ≠ Other CPU \(candidate\)/);
        assert.match(err.message, /grpo\.max_completion_length: 32 \(baseline\) ≠ 64 \(candidate\)/);
        assert.match(err.message, /slowdown: 0 \(baseline\) ≠ 0\.5 \(candidate\)/);
        assert.match(err.hint!, /--allow-different environment\.cpu_model --allow-different grpo\.max_completion_length --allow-different slowdown/);
        return true;
      },
    );
  });

  test('--allow-different for some fields still refuses the rest', () => {
    assert.throws(() => judge(base(), other(), { ...R, allowDifferent: ['slowdown', 'grpo'] }), /1 field differs\n {2}environment\.cpu_model/);
  });

  test('--allow-different for every field compares, listing what was allowed and what changed', () => {
    const v = judge(base(), other(), { ...R, allowDifferent: ['environment.cpu_model', 'grpo', 'slowdown', 'seed'] });
    assert.deepEqual(v.allowed.map((d) => d.field), ['environment.cpu_model', 'grpo.max_completion_length', 'slowdown']);
    assert.deepEqual(v.changed, [
      { field: 'harness_commit', baseline: 'aaaa', candidate: 'bbbb' },
      { field: 'trl', baseline: '1.12.0', candidate: '1.13.0' },
    ]);
    assert.ok(v.warnings.includes('--allow-different seed: no such difference between the runs'));
    const md = verdictMarkdown(v);
    assert.match(md, /\*\*What changed\*\*: harness_commit aaaa → bbbb, trl 1\.12\.0 → 1\.13\.0/);
    assert.match(md, /\*\*Allowed differences\*\* \(--allow-different\): environment\.cpu_model Test CPU → Other CPU/);
  });

  test('labels, repeats and telemetry may differ; the subject is not a difference', () => {
    const c = side([{ runs }], { scenario: { name: 'renamed', repeats: 5, telemetry: { interval_ms: 50 } }, subject: { trl: 'x' } });
    assert.equal(judge(base(), c, R).allowed.length, 0);
  });

  test('runs that share no point and mode are not comparable (exit code 2)', () => {
    assert.throws(
      () => judge(base(), side([{ runs, mode: 'server' }]), R),
      (err: unknown) => err instanceof UserError && err.exitCode === 2 && /no \(sweep point, mode\)/.test(err.message),
    );
  });

  test('an unknown metric is a user error naming the choices', async () => {
    const { parseMetric } = await import('../../src/gate/judge.ts');
    assert.throws(() => parseMetric('joules'), /--metric joules: not a metric the gate can test/);
  });
});

describe('noise profile', () => {
  test('the A/A interval half-width and per-run spread give the resolution; a smaller threshold is warned about', () => {
    const a = side([{ runs: durations(1, 0.01, 3, 20, 1) }]);
    const aa = judge(a, side([{ runs: durations(1, 0.01, 3, 20, 2) }]), R);
    const profile = noiseProfile(aa, a.manifest.fingerprint.environment, () => [100, 96, 104, 100, 100, 100], '2025-01-01T00:00:00Z');
    const [entry] = profile.entries;
    assert.equal(entry!.runs_per_side, 3);
    assert.ok(Math.abs(entry!.run_cv - Math.sqrt(32 / 5) / 100) < 1e-12); // sd of (0, −4, 4, 0, 0, 0) = √(32/5)
    assert.equal(entry!.aa_half_width, (entry!.aa_ratio.high - entry!.aa_ratio.low) / 2);
    const r = resolution(entry!, 3, 3);
    assert.equal(r, Math.max(entry!.aa_half_width, 1.959963984540054 * entry!.run_cv * Math.sqrt(2 / 3)));
    const v = judge(a, side([{ runs: tight(1.01, 2) }]), { ...R, threshold: 0.01, noise: { file: 'p.json', profile } });
    assert.equal(v.comparisons[0]!.resolution, r);
    assert.ok(v.warnings.some((w) => /^default\/colocate: the threshold 1\.0% is below what this machine resolves at 3 vs 3 runs \(4\.0%/.test(w)), v.warnings.join('\n'));
    const ok = judge(a, side([{ runs: tight(1.01, 2) }]), { ...R, threshold: 0.05, noise: { file: 'p.json', profile } });
    assert.ok(!ok.warnings.some((w) => w.includes('below what this machine resolves')));
  });
});

describe('noise profile in the verdict', () => {
  test('a change inside the machine’s resolution is not called a regression, one beyond it is', () => {
    const a = side([{ runs: durations(1, 0.01, 3, 20, 1) }]);
    const aa = judge(a, side([{ runs: durations(1, 0.01, 3, 20, 2) }]), R);
    // Runs that vary by 10% between themselves: the resolution at 3 vs 3 runs is about 16%.
    const profile = noiseProfile(aa, a.manifest.fingerprint.environment, () => [100, 90, 110, 100, 90, 110], '2025-01-01T00:00:00Z');
    const noise = { file: 'p.json', profile };
    const slower10 = side([{ runs: tight(1 / 0.9, 2) }]);
    assert.equal(judge(a, slower10, R).comparisons[0]!.outcome, 'regressed', 'without a profile 10% is beyond the 2% threshold');
    const withProfile = judge(a, slower10, { ...R, noise }).comparisons[0]!;
    assert.ok(withProfile.tested_threshold > 0.1, String(withProfile.tested_threshold));
    assert.equal(withProfile.outcome, 'within_noise');
    const slower40 = side([{ runs: tight(1 / 0.6, 2) }]);
    assert.equal(judge(a, slower40, { ...R, noise }).comparisons[0]!.outcome, 'regressed');
  });
});
