import assert from 'node:assert/strict';
import { describe as suite, test } from 'node:test';
import {
  describe,
  integrate,
  mad,
  median,
  modifiedZScores,
  mulberry32,
  outlierFlags,
  quantile,
  ratioOfSums,
  seedFor,
  sortSamples,
  unionLength,
  sampleSd,
} from '../../src/analysis/inference/stats.ts';

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

suite('seeded PRNG', () => {
  test('the PRNG is reproducible and seeds per label differ', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = [a(), a(), a()];
    assert.deepEqual(xs, [b(), b(), b()]);
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    assert.notEqual(seedFor('server/step_time'), seedFor('colocate/step_time'));
    assert.equal(seedFor('x'), seedFor('x'));
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

test('sampleSd by hand', () => {
  const xs = [2, 4, 4, 4, 5, 5, 7, 9]; // mean 5, squared deviations sum to 32
  assert.ok(Math.abs(sampleSd(xs) - Math.sqrt(32 / 7)) < 1e-12);
  assert.ok(Number.isNaN(sampleSd([3])));
});

test('ratioOfSums is Σ a ÷ Σ b, not the mean of the ratios', () => {
  assert.equal(
    ratioOfSums(
      [
        { a: 2, b: 1 },
        { a: 4, b: 3 },
      ],
      (x) => x.a,
      (x) => x.b,
    ),
    6 / 4,
  );
});
