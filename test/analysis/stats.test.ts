import assert from 'node:assert/strict';
import { describe as suite, test } from 'node:test';
import {
  blockLength,
  bootstrapEstimate,
  bootstrapRatio,
  bootstrapReplicates,
  circularBlockResample,
  describe,
  integrate,
  mad,
  median,
  modifiedZScores,
  mulberry32,
  outlierFlags,
  percentileInterval,
  quantile,
  ratioOfSums,
  seedFor,
  sortSamples,
  unionLength,
  holm,
  bootstrapPValue,
  sampleSd,
} from '../../src/analysis/stats.ts';


const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} ≠ ${b}`);

suite('order statistics', () => {
  test('quantile is Hyndman–Fan type 7 (linear between order statistics)', () => {
    const s = sortSamples([4, 1, 3, 2]);
    assert.deepEqual([...s], [1, 2, 3, 4]);
    close(quantile(s, 0.25), 1.75); // h = 3·0.25 = 0.75 → 1 + 0.75·(2 − 1)
    close(quantile(s, 0.5), 2.5);
    close(quantile(s, 0.9), 3.7); // h = 2.7 → 3 + 0.7·1
    close(quantile(s, 0), 1);
    close(quantile(s, 1), 4);
    assert.ok(Number.isNaN(quantile(sortSamples([]), 0.5)));
  });

  test('median of odd and even samples', () => {
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([5, 1, 3, 10]), 4);
  });

  test('describe returns one flat record', () => {
    assert.deepEqual(describe([1, 2, 3, 4, 100]), { n: 5, mean: 22, min: 1, q1: 2, median: 3, q3: 4, max: 100, mad: 1 });
  });
});

suite('MAD and modified z-scores (Iglewicz & Hoaglin)', () => {
  test('MAD is the unscaled median of absolute deviations', () => {
    // median 3; |x − 3| = 2, 1, 0, 1, 97 → median 1
    assert.equal(mad([1, 2, 3, 4, 100]), 1);
  });

  test('modified z = 0.6745 (x − median) / MAD; 100 is an outlier, the rest are not', () => {
    const z = modifiedZScores([1, 2, 3, 4, 100]);
    close(z[0]!, -1.349);
    close(z[4]!, 65.4265);
    assert.deepEqual(outlierFlags([1, 2, 3, 4, 100]), [false, false, false, false, true]);
  });

  test('threshold is strict: |z| = 3.5 is not flagged', () => {
    // median 0, MAD 1 → z(x) = 0.6745 x; x = 3.5/0.6745 gives exactly 3.5 up to rounding
    const x = 3.5 / 0.6745;
    const z = modifiedZScores([-1, 0, 1, x, -x]);
    close(z[3]!, 3.5);
  });

  test('with MAD = 0 the scaled mean absolute deviation stands in', () => {
    // median 1, MAD 0; mean |x − 1| = 10/5 = 2 → z(11) = 10 / (1.253314·2)
    const z = modifiedZScores([1, 1, 1, 1, 11]);
    close(z[4]!, 10 / (1.253314 * 2));
    assert.deepEqual(modifiedZScores([2, 2, 2]), [0, 0, 0]);
  });
});

suite('bootstrap', () => {
  test('block length is round(n^(1/3)), at least 1', () => {
    assert.deepEqual([1, 2, 7, 8, 20, 27, 64, 100].map(blockLength), [1, 1, 2, 2, 3, 3, 4, 5]);
  });

  test('circular blocks wrap around the end and are cut to n', () => {
    const out: string[] = [];
    const starts = [0.5, 0.9]; // indices 2 and 4 of 5
    let i = 0;
    circularBlockResample(['a', 'b', 'c', 'd', 'e'], 3, () => starts[i++]!, out);
    assert.deepEqual(out, ['c', 'd', 'e', 'e', 'a']);
  });

  test('the PRNG is reproducible and seeds per label differ', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = [a(), a(), a()];
    assert.deepEqual(xs, [b(), b(), b()]);
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    assert.notEqual(seedFor('server/step_time'), seedFor('colocate/step_time'));
    assert.equal(seedFor('x'), seedFor('x'));
  });

  test('same seed, same interval; a constant series has a zero-width interval', () => {
    const runs = [[1, 2, 3, 4, 5, 6, 7, 8]];
    const e1 = bootstrapEstimate(runs, median, { seed: 7, resamples: 300 });
    const e2 = bootstrapEstimate(runs, median, { seed: 7, resamples: 300 });
    assert.deepEqual(e1, e2);
    assert.equal(e1.value, 4.5);
    assert.equal(e1.n_steps, 8);
    assert.equal(e1.n_runs, 1);
    assert.match(e1.method, /one run/);
    const c = bootstrapEstimate([[2, 2, 2], [2, 2]], median, { resamples: 100 });
    assert.deepEqual([c.value, c.low, c.high, c.n_runs, c.n_steps], [2, 2, 2, 2, 5]);
    assert.match(c.method, /hierarchical/);
  });

  test('percentile interval uses type-7 quantiles of the replicates', () => {
    const reps = Array.from({ length: 41 }, (_, i) => i); // 0 … 40
    // 95%: p = 0.025 → h = 1 → 1; p = 0.975 → h = 39 → 39
    const { low, high } = percentileInterval(reps, 0.95);
    close(low, 1);
    close(high, 39);
  });

  test('hierarchical: the run is the unit, so run-to-run spread shows in the interval', () => {
    // Three runs, each steady at its own level. Resampling steps alone would give [2, 2];
    // drawing runs gives all-run-1 (or all-run-3) resamples with probability 1/27 > 2.5% each.
    const runs = [1, 2, 3].map((level) => Array.from({ length: 8 }, () => level));
    const e = bootstrapEstimate(runs, median, { resamples: 2000, seed: 5 });
    assert.deepEqual([e.value, e.low, e.high, e.n_runs, e.n_steps], [2, 1, 3, 3, 24]);
  });

  test('a 95% interval of the median covers the true median in about 95% of seeded trials', () => {
    // Exponential(1): true median ln 2. 200 trials × 40 steps × 400 resamples.
    const r = mulberry32(2024);
    let covered = 0;
    const trials = 200;
    for (let t = 0; t < trials; t++) {
      const xs = Array.from({ length: 40 }, () => -Math.log(1 - r()));
      const e = bootstrapEstimate([xs], median, { resamples: 400, seed: t + 1 });
      if (e.low <= Math.LN2 && Math.LN2 <= e.high) covered++;
    }
    const rate = covered / trials;
    assert.ok(rate >= 0.88 && rate <= 0.99, `coverage ${rate}`);
  });

  test('ratio: each side resampled independently, scale applied to value and bounds', () => {
    const cand = [[2, 2, 2, 2]];
    const base = [[1, 1, 1, 1]];
    const e = bootstrapRatio(cand, base, (xs) => ratioOfSums(xs, (x) => x, () => 1), { resamples: 50, scale: 7 / 8 });
    assert.deepEqual([e.value, e.low, e.high], [1.75, 1.75, 1.75]);
    const reps = bootstrapReplicates([[1, 2, 3]], (xs) => xs.length, { resamples: 5 });
    assert.deepEqual(Array.from(reps), [3, 3, 3, 3, 3]);
  });
});

suite('integrals over time', () => {
  test('trapezoid with linear interpolation at the window edges', () => {
    // Power 100 W at t=0, 200 W at t=10: over [0, 10] → 1500 J; over [5, 10]: P(5) = 150 → 875 J
    close(integrate([0, 10], [100, 200], 0, 10), 1500);
    close(integrate([0, 10], [100, 200], 5, 10), 875);
    // Held beyond the samples: [−2, 12] adds 2·100 + 2·200
    close(integrate([0, 10], [100, 200], -2, 12), 2100);
    close(integrate([0, 1, 2, 3], [0, 10, 10, 0], 0.5, 2.5), 17.5);
  });

  test('union of intervals, clipped to the window', () => {
    const ivs = [
      { t0: 0, t1: 2 },
      { t0: 1, t1: 3 }, // overlaps the first
      { t0: 5, t1: 6 },
      { t0: 9, t1: 12 }, // clipped at 10
    ];
    assert.equal(unionLength(ivs, 0, 10), 3 + 1 + 1);
    assert.equal(unionLength(ivs, 1.5, 5.5), 1.5 + 0.5);
  });
});

suite('holm', () => {
  test('adjusted p-values: sorted, times m − k + 1, kept monotone, capped at 1, in the input order', () => {
    // sorted 0.01, 0.02, 0.04 → 3·0.01 = 0.03, 2·0.02 = 0.04, max(0.04, 1·0.04) = 0.04
    assert.deepEqual(holm([0.04, 0.01, 0.02]).map((h) => +h.p_adjusted.toFixed(12)), [0.04, 0.03, 0.04]);
    assert.deepEqual(holm([0.04, 0.01, 0.02]).map((h) => h.divisor), [1, 3, 2]);
    // monotone: 3·0.02 = 0.06 carries over the smaller 2·0.025 = 0.05; 0.9 alone is 0.9, capped 1 where needed
    assert.deepEqual(holm([0.02, 0.025, 0.9]).map((h) => +h.p_adjusted.toFixed(12)), [0.06, 0.06, 0.9]);
    assert.deepEqual(holm([0.6, 0.7]).map((h) => h.p_adjusted), [1, 1]);
  });

  test('a p of 0.02 is rejected at α = 0.05 alone but not beside two null p-values', () => {
    assert.equal(holm([0.02])[0]!.p_adjusted, 0.02);
    assert.ok(holm([0.02, 0.5, 0.9])[0]!.p_adjusted > 0.05);
  });
});

suite('bootstrapPValue', () => {
  test('(1 + replicates on the null side) ÷ (1 + replicates); non-finite left out', () => {
    const r = [0.9, 0.95, 0.97, 0.98, 0.99, Number.NaN];
    assert.equal(bootstrapPValue(r, 0.98, 'at_least'), 3 / 6); // 0.98 and 0.99
    assert.equal(bootstrapPValue(r, 0.98, 'at_most'), 5 / 6);
    assert.equal(bootstrapPValue([0.9, 0.9], 0.98, 'at_least'), 1 / 3);
  });
});

test('sampleSd by hand', () => {
  const xs = [2, 4, 4, 4, 5, 5, 7, 9]; // mean 5, squared deviations sum to 32
  assert.ok(Math.abs(sampleSd(xs) - Math.sqrt(32 / 7)) < 1e-12);
  assert.ok(Number.isNaN(sampleSd([3])));
});
