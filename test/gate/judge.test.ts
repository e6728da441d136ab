// The gate's verdicts on hand-built sides whose per-run values are known: outcomes, exit codes,
// Bonferroni levels, comparability and work refusals, the noise profile's part, and the flags.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { tQuantile } from '../../src/analysis/inference/distributions.ts';
import { UserError } from '../../src/errors.ts';
import { judge } from '../../src/analysis/gate/judge.ts';
import { verdictMarkdown } from '../../src/report/verdict.ts';
import { noiseProfile } from '../../src/analysis/gate/noise.ts';
import { durations, side, TOKENS } from './sides.ts';

// 3 runs × 20 steps of 1 s ± 0.5% per side unless said otherwise: runs agree to ~0.1%.
const tight = (scale: number, seed: number) => durations(scale, 0.005, 3, 20, seed);
/** Per-run throughput per allocated device (2 devices) of runs of these step times. */
const perRun = (runs: number[][]) => runs.map((r) => (TOKENS * r.length) / r.reduce((a, b) => a + b, 0) / 2);
const gmean = (xs: number[]) => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
const sd = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
};

/** A profile of this test machine: folders whose levels differ by ~0.1 %, runs by 0.1 %, for each point given. */
const quiet = (points: string[] = ['default']) =>
  noiseProfile({
    environment: { cpu_model: 'Test CPU', cpu_cores: 2, gpu_count: 0 },
    scenario: 'gate-test',
    metric: 'completion_tokens_per_s_per_allocated_device',
    higher_is_better: true,
    threshold: 0.02,
    runs: ['a', 'b', 'c', 'd'],
    created: '2026-01-01T00:00:00Z',
    sessions: points.map((point) => ({
      point,
      mode: 'colocate' as const,
      values: [100, 100.1, 99.9, 100.05].map((l) => [l * 0.999, l, l * 1.001]),
    })),
  });
const withQuiet = (points?: string[]) => ({ noise: { file: 'quiet.json', profile: quiet(points) } });

describe('judge: three outcomes against the threshold', () => {
  test('a candidate 10% slower regressed: interval from the per-run values, exit code 1', () => {
    const [b, c] = [tight(1, 1), tight(1.1, 2)];
    const v = judge(side([{ runs: b }]), side([{ runs: c }]));
    const x = v.comparisons[0]!;
    // By hand: pooled variance of ln(run value) over both sides (df 4), se = s·√(2/3), t(0.975, 4)
    const [lb, lc] = [perRun(b).map(Math.log), perRun(c).map(Math.log)];
    const s2 = (2 * sd(lb) ** 2 + 2 * sd(lc) ** 2) / 4;
    const half = tQuantile(0.975, 4) * Math.sqrt(s2 * (2 / 3));
    const ratio = gmean(perRun(c)) / gmean(perRun(b));
    assert.ok(Math.abs(x.ratio - ratio) < 1e-12);
    assert.ok(Math.abs(x.interval!.high - ratio * Math.exp(half)) < 1e-9);
    assert.deepEqual([x.interval!.df, x.interval!.level, x.variance.source], [4, 0.95, 'runs']);
    assert.deepEqual(x.baseline_runs, perRun(b));
    assert.deepEqual([x.outcome, x.change, v.outcome, v.exit_code], ['regressed', 'slower', 'regressed', 1]);
    assert.equal(v.metric, 'completion_tokens_per_s_per_allocated_device');
  });

  test('a candidate 1% slower with tight runs, on a calibrated quiet machine: no regression beyond 2%, exit code 0', () => {
    const v = judge(side([{ runs: tight(1, 1) }]), side([{ runs: tight(1.01, 2) }]), withQuiet());
    const x = v.comparisons[0]!;
    assert.ok(x.interval!.low >= 0.98, String(x.interval!.low));
    assert.deepEqual([x.outcome, x.change, v.outcome, v.exit_code], ['no_regression', 'slower', 'no_regression', 0]);
  });

  test('the same folders without a noise profile: not cleared (exit code 3), and the verdict says why', () => {
    const v = judge(side([{ runs: tight(1, 1) }]), side([{ runs: tight(1.01, 2) }]));
    const x = v.comparisons[0]!;
    assert.ok(x.interval!.low >= 0.98, String(x.interval!.low));
    assert.deepEqual([x.outcome, x.unresolved, v.exit_code], ['inconclusive', 'no_profile', 3]);
    assert.match(
      verdictMarkdown(v),
      /the interval lies within the threshold, but without a noise profile how much folders differ is unknown/,
    );
  });

  test('runs that vary by 3%: a 5% drop is inconclusive (exit code 3), with the runs per side that would resolve it', () => {
    const v = judge(side([{ runs: durations(1, 0.005, 3, 20, 1, 0.03) }]), side([{ runs: durations(1.05, 0.005, 3, 20, 2, 0.03) }]));
    const x = v.comparisons[0]!;
    assert.ok(x.interval!.low < 0.98 && x.interval!.high > 0.98, `${x.interval!.low}–${x.interval!.high}`);
    assert.deepEqual([x.outcome, v.outcome, v.exit_code], ['inconclusive', 'inconclusive', 3]);
    assert.ok(x.runs_needed! > 3, String(x.runs_needed));
    assert.match(
      verdictMarkdown(v),
      new RegExp(
        `^### grpo-bench compare: \\*\\*Inconclusive\\*\\* at 2%: default/colocate ×0\\.9\\d\\d \\(~${x.runs_needed} runs per side would resolve it\\)`,
      ),
    );
  });

  test('a candidate 10% faster: no regression, and the speed column says faster', () => {
    const v = judge(side([{ runs: tight(1, 1) }]), side([{ runs: tight(1 / 1.1, 2) }]), withQuiet());
    assert.deepEqual([v.comparisons[0]!.outcome, v.comparisons[0]!.change, v.exit_code], ['no_regression', 'faster', 0]);
    assert.match(verdictMarkdown(v), /^### grpo-bench compare: \*\*No regression\*\* beyond 2%/);
  });

  test('step time is lower-is-better: 10% longer steps regressed, ratio above 1', () => {
    const v = judge(side([{ runs: tight(1, 1) }]), side([{ runs: tight(1.1, 2) }]), { metric: 'step_time_s' });
    const c = v.comparisons[0]!;
    assert.equal(v.higher_is_better, false);
    assert.ok(c.ratio > 1.09 && c.interval!.low > 1.02);
    assert.deepEqual([c.outcome, c.change], ['regressed', 'slower']);
  });

  test('one run per side and no profile: no interval, inconclusive, and it says what would help', () => {
    const v = judge(side([{ runs: durations(1, 0.005, 1, 20, 1) }]), side([{ runs: durations(1.5, 0.005, 1, 20, 2) }]));
    const x = v.comparisons[0]!;
    assert.deepEqual([x.interval, x.outcome, x.change, x.runs_needed, v.exit_code], [null, 'inconclusive', 'no_interval', null, 3]);
    assert.match(verdictMarkdown(v), /no interval: repeat with ≥ 2 runs per side, or calibrate this machine/);
  });

  test('other metrics are reported beside the gate, not gated', () => {
    const v = judge(side([{ runs: tight(1, 1) }]), side([{ runs: tight(1.1, 2) }]));
    const names = v.comparisons[0]!.others.map((o) => o.name);
    assert.deepEqual(names, [
      'completion_tokens_per_s_per_training_device',
      'completion_tokens_per_s',
      'samples_per_s',
      'step_time_s',
      'time_to_first_step_s',
      'phase_median_s.generate',
    ]);
    const step = v.comparisons[0]!.others.find((o) => o.name === 'step_time_s')!;
    assert.ok(step.ratio! > 1.09 && step.low! > 1 && step.higher_is_better === false);
  });
});

describe('judge: several points × modes share α (Holm)', () => {
  const same = (point: string, seed: number) => ({ point, runs: tight(1, seed) });

  test('the intervals step down from 1 − 0.05/m by Holm, so the verdicts hold together at 95%', () => {
    const points = ['default', 'b=2', 'b=4'];
    const v = judge(
      side([same('default', 1), same('b=2', 11), same('b=4', 13)]),
      side([same('default', 2), same('b=2', 12), same('b=4', 14)]),
      withQuiet(points),
    );
    assert.ok(Math.abs(v.level - (1 - 0.05 / 3)) < 1e-12);
    assert.deepEqual(
      v.comparisons.map((c) => c.outcome),
      ['no_regression', 'no_regression', 'no_regression'],
    );
    // Each cleared, so each is tested at its rank: the levels are 1 − .05/3, 1 − .05/2 and .95, in the order of their distances from the threshold.
    const levels = v.comparisons.map((c) => c.interval!.level);
    assert.deepEqual([...levels].sort(), [0.95, 0.975, 1 - 0.05 / 3]);
    const byDistance = [...v.comparisons].sort((a, b) => b.ratio - a.ratio).map((c) => c.interval!.level);
    assert.deepEqual(byDistance, [1 - 0.05 / 3, 0.975, 0.95]);
  });

  test('a point name cannot break the verdict table: Markdown in it is escaped', () => {
    const v = judge(side([same('b|2', 11)]), side([same('b|2', 12)]));
    const row = verdictMarkdown(v)
      .split('\n')
      .find((l) => l.startsWith('| b'));
    assert.ok(row?.startsWith('| b\\|2 | '), row);
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
      () => judge(base(), other()),
      (err: unknown) => {
        assert.ok(err instanceof UserError);
        assert.equal(err.exitCode, 2);
        assert.match(err.message, /not comparable: 3 fields differ/);
        assert.match(err.message, /environment\.cpu_model: Test CPU \(baseline\) ≠ Other CPU \(candidate\)/);
        assert.match(err.message, /grpo\.max_completion_length: 32 \(baseline\) ≠ 64 \(candidate\)/);
        assert.match(err.message, /slowdown: 0 \(baseline\) ≠ 0\.5 \(candidate\)/);
        assert.match(
          err.hint!,
          /--allow-different environment\.cpu_model --allow-different grpo\.max_completion_length --allow-different slowdown/,
        );
        return true;
      },
    );
  });

  test('--allow-different for some fields still refuses the rest', () => {
    assert.throws(() => judge(base(), other(), { allowDifferent: ['slowdown', 'grpo'] }), /1 field differs\n {2}environment\.cpu_model/);
  });

  test('--allow-different for every field compares, listing what was allowed and what changed', () => {
    const v = judge(base(), other(), { allowDifferent: ['environment.cpu_model', 'grpo', 'slowdown', 'seed'] });
    assert.deepEqual(
      v.allowed.map((d) => d.field),
      ['environment.cpu_model', 'grpo.max_completion_length', 'slowdown'],
    );
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
    assert.equal(judge(base(), c).allowed.length, 0);
  });

  test('runs whose compile caches differ are refused (exit 2), naming the setting; a folder without the record is not held to it', () => {
    const [b, c] = [side([{ runs: tight(1, 1) }]), side([{ runs: tight(1, 2) }])];
    b.manifest.compile_cache = { VLLM_CACHE_ROOT: '/cache/a', TORCHINDUCTOR_CACHE_DIR: null };
    c.manifest.compile_cache = { VLLM_CACHE_ROOT: '/cache/b', TORCHINDUCTOR_CACHE_DIR: null };
    assert.throws(
      () => judge(b, c),
      (err: unknown) =>
        err instanceof UserError &&
        err.exitCode === 2 &&
        /compile_cache\.VLLM_CACHE_ROOT: \/cache\/a \(baseline\) ≠ \/cache\/b \(candidate\)/.test(err.message),
    );
    delete c.manifest.compile_cache;
    assert.equal(judge(b, c).comparisons.length, 1);
  });

  test('runs that share no point and mode are not comparable (exit code 2)', () => {
    assert.throws(
      () => judge(base(), side([{ runs, mode: 'server' }])),
      (err: unknown) => err instanceof UserError && err.exitCode === 2 && /no \(sweep point, mode\)/.test(err.message),
    );
  });

  test('an unknown metric is a user error naming the choices', async () => {
    const { parseMetric } = await import('../../src/analysis/gate/judge.ts');
    assert.throws(() => parseMetric('joules'), /--metric joules: not a metric the gate can test/);
  });
});

describe('judge: equal work per sample', () => {
  test('runs whose completions differ in length are refused (exit 2) unless --allow-different work', () => {
    const base = side([{ runs: tight(1, 1) }]);
    const cand = side([{ runs: tight(1, 2), tokens: 120 }]);
    assert.throws(
      () => judge(base, cand),
      (err: unknown) =>
        err instanceof UserError &&
        err.exitCode === 2 &&
        /work\.default\/colocate\.completion_tokens_per_sample: 25 \(baseline\) ≠ 30 \(candidate\)/.test(err.message),
    );
    const v = judge(base, cand, { allowDifferent: ['work'] });
    assert.deepEqual(
      v.allowed.map((d) => d.field),
      ['work.default/colocate.completion_tokens_per_sample'],
    );
  });
});

describe('judge: with a noise profile', () => {
  const profileOf = (sessions: number[][], environment = { cpu_model: 'Test CPU', cpu_cores: 2, gpu_count: 0 }) =>
    noiseProfile({
      environment,
      scenario: 'gate-test',
      metric: 'completion_tokens_per_s_per_allocated_device',
      higher_is_better: true,
      threshold: 0.02,
      runs: sessions.map((_, i) => `results/aa-${i}`),
      sessions: [{ point: 'default', mode: 'colocate', values: sessions }],
      created: '2026-01-01T00:00:00Z',
    });

  test('folders that differ more than their runs: the between-folder spread widens the interval, and a clear drop becomes inconclusive', () => {
    // Six A/A folders of three runs each: runs agree to ±0.2%, folder levels spread ±4%.
    const levels = [100, 104, 96, 103, 97, 100];
    const profile = profileOf(levels.map((l) => [l * 0.998, l, l * 1.002]));
    assert.ok(profile.entries[0]!.model.between > 10 * profile.entries[0]!.model.within);
    const [b, c] = [side([{ runs: tight(1, 1) }]), side([{ runs: tight(1.06, 2) }])];
    const without = judge(b, c).comparisons[0]!;
    const withProfile = judge(b, c, { noise: { file: 'p.json', profile } }).comparisons[0]!;
    assert.equal(without.outcome, 'regressed');
    assert.equal(withProfile.variance.source, 'runs and noise profile');
    assert.ok(withProfile.interval!.high - withProfile.interval!.low > 5 * (without.interval!.high - without.interval!.low));
    assert.equal(withProfile.outcome, 'inconclusive');
    assert.equal(withProfile.runs_needed, null, 'more runs per side cannot shrink the spread between folders');
    assert.equal(withProfile.unresolved, 'between_folders');
  });

  test("a compared folder that is one of the profile's folders counts once: the profile is refitted without it", () => {
    const b = side([{ runs: tight(1, 1) }]);
    const sessions = [perRun(tight(1, 1)), ...[100, 100.1, 99.9].map((l) => [l * 0.999, l, l * 1.001])];
    const profile = profileOf(sessions);
    const v = judge(b, side([{ runs: tight(1.01, 2) }]), { noise: { file: 'p.json', profile } });
    assert.ok(
      v.warnings.some((w) => /the baseline folder is one of the noise profile's folders; the profile is refitted without it/.test(w)),
      v.warnings.join('\n'),
    );
    // 3 folders remain: the between mean square has 2 df
    assert.equal(v.comparisons[0]!.interval!.df, 2);
    // with only one other folder there is no spread between folders left to use: treated as no profile
    const two = judge(b, side([{ runs: tight(1.01, 2) }]), { noise: { file: 'p.json', profile: profileOf(sessions.slice(0, 2)) } });
    assert.ok(two.warnings.some((w) => /too few folders remain/.test(w)));
    assert.deepEqual(
      [two.comparisons[0]!.variance.source, two.comparisons[0]!.outcome, two.comparisons[0]!.unresolved],
      ['runs', 'inconclusive', 'no_profile'],
    );
  });

  test('a profile of another machine is not used, and the verdict says so', () => {
    const profile = profileOf(
      [
        [100, 101, 99],
        [100, 99, 101],
      ],
      { cpu_model: 'Other CPU', cpu_cores: 2, gpu_count: 0 },
    );
    const v = judge(side([{ runs: tight(1, 1) }]), side([{ runs: tight(1, 2) }]), { noise: { file: 'p.json', profile } });
    assert.ok(v.warnings.some((w) => /made on a different environment than these runs: not used/.test(w)));
    assert.equal(v.comparisons[0]!.variance.source, 'runs');
  });

  test('without a profile the verdict warns that the spread between folders is not counted', () => {
    const v = judge(side([{ runs: tight(1, 1) }]), side([{ runs: tight(1, 2) }]));
    assert.ok(v.warnings.some((w) => w.startsWith('no noise profile for this machine and scenario')));
  });
});

describe('judge: flags', () => {
  test('steps that leave gaps in the wall time are flagged', () => {
    // 20 steps of ~1 s with 19 gaps of 0.1 s: 20 / 21.9 = 91.3%
    const v = judge(side([{ runs: tight(1, 1) }]), side([{ runs: tight(1, 2), gap: 0.1 }]));
    const f = v.comparisons[0]!.flags.find((x) => x.kind === 'step_coverage')!;
    assert.match(f.text, /timed steps cover 100\.0% \(baseline\) and 91\.3% \(candidate\)/);
    assert.match(verdictMarkdown(v), /\*\*Flags\*\*/);
  });

  test('a run whose second half is slower than its first is flagged as a trend, naming the run', () => {
    const drifting = [tight(1, 2)[0]!.map((d, i) => (i < 10 ? d : 1.2 * d)), ...tight(1, 3).slice(1)];
    const f = judge(side([{ runs: tight(1, 1) }]), side([{ runs: drifting }])).comparisons[0]!.flags.find((x) => x.kind === 'trend')!;
    assert.match(f.text, /^candidate: .* in r0 -16\.\d%$/);
  });

  test('with five runs or more, a run far from the others is named', () => {
    const runs = durations(1, 0.005, 5, 20, 3, 0.002);
    runs[3] = runs[3]!.map((d) => 1.3 * d);
    const f = judge(side([{ runs: durations(1, 0.005, 5, 20, 1, 0.002) }]), side([{ runs }])).comparisons[0]!.flags.find(
      (x) => x.kind === 'run_outlier',
    )!;
    assert.match(f.text, /^candidate: r3 \(modified z -\d+\.\d\) far from the other runs; kept$/);
  });
});
