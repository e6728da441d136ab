// The steady-state rule on throughput and the validity guards, against hand-computed cases.
import assert from 'node:assert/strict';
import { describe as suite, test } from 'node:test';
import {
  coverageComparison,
  equalWork,
  halvesTrend,
  namedOutliers,
  relativeDifference,
  stepCoverage,
} from '../../src/analysis/summary/guards.ts';
import { steadyStateByThroughput } from '../../src/analysis/summary/steady-state.ts';

const close = (a: number, b: number, eps = 1e-12) => assert.ok(Math.abs(a - b) <= eps, `${a} ≠ ${b}`);
/** Steps of one unit of work each, with these durations. */
const steps = (seconds: number[]) => seconds.map((s) => ({ work: 1, seconds: s }));

suite('steady state on the ratio-of-sums throughput', () => {
  test('a slow start is cut, and the cut says how slow it was', () => {
    // reference: last 4 steps, 4 work / 4 s = 1. From step 0: 8/11 < 0.95; step 1: 7/8 < 0.95; step 2: 6/6 ✓
    const s = steadyStateByThroughput(steps([3, 2, 1, 1, 1, 1, 1, 1]));
    assert.deepEqual([s.start, s.cut_steps, s.checked, s.settled, s.reference_steps], [2, 2, true, true, 4]);
    close(s.cut_relative_throughput!, 2 / 5);
    close(s.uncut_relative_throughput, 8 / 11);
  });

  test('fast early steps are never cut as settling', () => {
    const s = steadyStateByThroughput(steps([0.5, 0.5, 1, 1, 1, 1, 1, 1]));
    assert.deepEqual([s.start, s.cut_steps, s.settled], [0, 0, true]);
    assert.equal(s.cut_relative_throughput, undefined);
    close(s.uncut_relative_throughput, 8 / 7);
  });

  test('a slow stretch that would lower the figure by more than 5 % is not kept silently', () => {
    // one 2.5 s step among 1 s steps early on: from step 0, 10/11.5 = 0.87 < 0.95 → cut through it
    const s = steadyStateByThroughput(steps([1, 2.5, 1, 1, 1, 1, 1, 1, 1, 1]));
    assert.equal(s.start, 2);
    close(s.cut_relative_throughput!, 2 / 3.5);
    // a stretch that costs ≤ 5 % is kept: 10/10.4 = 0.96
    assert.equal(steadyStateByThroughput(steps([1, 1.4, 1, 1, 1, 1, 1, 1, 1, 1])).start, 0);
  });

  test('still slow at the reference window: not settled, everything before the reference cut', () => {
    // reference 1; from step 3: 5/8 < 0.95
    const s = steadyStateByThroughput(steps([4, 4, 4, 4, 1, 1, 1, 1]));
    assert.deepEqual([s.start, s.settled], [4, false]);
  });

  test('fewer than 6 steps: not checked (the caller notes it), nothing cut', () => {
    const s = steadyStateByThroughput(steps([5, 1, 1, 1, 1]));
    assert.deepEqual([s.start, s.checked, s.cut_steps], [0, false, 0]);
  });
});

suite('validity guards', () => {
  test('step coverage: share of wall time inside timed steps, runs combined', () => {
    // run 1: steps 0–1 and 1.5–2.5 → 2 s of 2.5 s; run 2: 10–11, 11–12 → 2 of 2
    const c = stepCoverage([
      [
        { t0: 0, t1: 1 },
        { t0: 1.5, t1: 2.5 },
      ],
      [
        { t0: 10, t1: 11 },
        { t0: 11, t1: 12 },
      ],
    ]);
    close(c.share, 4 / 4.5);
    assert.equal(c.ok, false);
    const full = stepCoverage([
      [
        { t0: 0, t1: 1 },
        { t0: 1, t1: 2 },
      ],
    ]);
    assert.deepEqual([full.share, full.ok], [1, true]);
    assert.equal(coverageComparison(full, full).ok, true);
    assert.equal(coverageComparison(full, { ...full, share: 0.995 }).ok, true);
    assert.equal(coverageComparison(full, c).ok, false);
  });

  test('equal completion and prompt tokens per sample within 1 %', () => {
    close(relativeDifference(48, 48.3), 0.3 / 48.3);
    assert.equal(
      equalWork(
        { completion_tokens_per_sample: 48, prompt_tokens_per_sample: 32 },
        { completion_tokens_per_sample: 48.3, prompt_tokens_per_sample: 32 },
      ).equal,
      true,
    );
    const w = equalWork(
      { completion_tokens_per_sample: 48, prompt_tokens_per_sample: 32 },
      { completion_tokens_per_sample: 50, prompt_tokens_per_sample: 32 },
    );
    assert.equal(w.equal, false);
    close(w.max_relative_difference, 2 / 50);
  });

  test('trend: second half against first half on the throughput statistic', () => {
    const t = halvesTrend(steps([1, 1, 1, 2, 2, 2]))!;
    assert.deepEqual([t.first_half, t.second_half, t.change, t.ok], [1, 0.5, -0.5, false]);
    assert.equal(halvesTrend(steps([1, 1, 1.04, 1, 1.02]))!.ok, true);
    assert.equal(halvesTrend(steps([1, 2, 3])), undefined);
  });

  test('outliers are named, with their modified z-score', () => {
    const named = namedOutliers([1, 2, 3, 4, 100].map((value, i) => ({ label: `r0 step ${i}`, value })));
    assert.equal(named.length, 1);
    assert.equal(named[0]!.label, 'r0 step 4');
    close(named[0]!.z, 0.6745 * 97, 1e-9);
  });
});
