// Run-level inference against values computed by hand from the formulas in docs/metrics.md
// (t, noncentral t and beta quantiles from published tables / an independent implementation).
import assert from 'node:assert/strict';
import { describe as suite, test } from 'node:test';
import { betaQuantile, noncentralTCdf, tCdf, tQuantile } from '../../src/analysis/inference/distributions.ts';
import {
  blockRatio,
  clopperPearson,
  geometricMean,
  logTInterval,
  pairedRatio,
  resolveChange,
  runLevelEstimate,
  twoSampleRatio,
  withinRunSpread,
} from '../../src/analysis/inference/intervals.ts';

const close = (a: number, b: number, rel = 1e-7) => assert.ok(Math.abs(a - b) <= rel * Math.max(1, Math.abs(b)), `${a} ≠ ${b}`);
const e = Math.exp;

suite('distributions', () => {
  test('Student t quantiles are the tabulated ones', () => {
    close(tQuantile(0.975, 1), 12.706204736174694);
    close(tQuantile(0.975, 2), 4.302652729749462);
    close(tQuantile(0.975, 4), 2.7764451051977934);
    close(tQuantile(0.9, 7.5), 1.4052118464159533); // fractional df, as Welch–Satterthwaite gives
    close(tCdf(2, 3), 0.9303370157205785);
    assert.ok(Number.isNaN(tQuantile(0.975, 0)));
  });

  test('noncentral t CDF (the power of a t test)', () => {
    close(noncentralTCdf(2, 4, 1), 0.7645674538243243);
    close(noncentralTCdf(-2.5, 6.5, -1.5), 0.22798043808104754);
    close(noncentralTCdf(2.2, 12, 3), 0.2196184942614884);
    close(noncentralTCdf(2, 3, 0), tCdf(2, 3));
  });

  test('beta quantiles', () => {
    close(betaQuantile(0.025, 5, 6), 0.18708602844739855);
    close(betaQuantile(0.975, 1, 10), 0.3084971078187607); // = 1 − 0.025^(1/10)
  });
});

suite('one mode: runs are the unit', () => {
  // ln x = ln 100 + {0, 0.1, 0.2}: mean ln 100 + 0.1, s = 0.1, n = 3, t(0.975, 2) = 4.302652729749462
  const xs = [100, 100 * e(0.1), 100 * e(0.2)];
  const half = (4.302652729749462 * 0.1) / Math.sqrt(3);

  test('geometric mean and log-t interval exp(ȳ ± t·s/√n)', () => {
    close(geometricMean(xs), 100 * e(0.1));
    const iv = logTInterval(xs)!;
    close(iv.low, 100 * e(0.1 - half));
    close(iv.high, 100 * e(0.1 + half));
    assert.equal(iv.df, 2);
    assert.equal(iv.kind, 'confidence');
    assert.equal(logTInterval([100]), undefined);
    assert.equal(logTInterval([100, 0]), undefined);
  });

  test('with one run there is no confidence interval, only the spread of its steps, labelled as such', () => {
    const one = runLevelEstimate([250], 0.95, [1, 2, 3, 4]);
    assert.equal(one.value, 250);
    assert.equal(one.n_runs, 1);
    assert.deepEqual(one.interval, withinRunSpread([1, 2, 3, 4]));
    assert.equal(one.interval?.kind, 'within_run_spread');
    // type-7 quartiles of 1, 2, 3, 4: h = 0.75 → 1.75, h = 2.25 → 3.25
    assert.equal(one.interval?.low, 1.75);
    assert.equal(one.interval?.high, 3.25);
    assert.match(one.interval!.method, /one run: no confidence interval/);
    const three = runLevelEstimate(xs);
    assert.equal(three.interval?.kind, 'confidence');
    close(three.value, 100 * e(0.1));
    assert.equal(runLevelEstimate([]).interval, null);
  });
});

suite('ratios of runs', () => {
  test('paired by ABBA block: t interval on the per-block log ratios', () => {
    // d = 0.1, 0.2, 0.3 → mean 0.2, s 0.1; block 5 has no baseline run and is left out
    const base = [0, 1, 2].map((block) => ({ block, value: 100 }));
    const cand = [0.1, 0.2, 0.3].map((d, block) => ({ block, value: 100 * e(d) })).concat({ block: 5, value: 1 });
    const r = pairedRatio(base, cand)!;
    const half = (4.302652729749462 * 0.1) / Math.sqrt(3);
    assert.equal(r.design, 'paired');
    assert.equal(r.n_pairs, 3);
    close(r.ratio, e(0.2));
    close(r.interval!.low, e(0.2 - half));
    close(r.interval!.high, e(0.2 + half));
    assert.equal(pairedRatio(base.slice(0, 1), cand), undefined, 'one common block is not enough');
  });

  test('two samples: Welch standard error and Welch–Satterthwaite df', () => {
    // ln b = {0, 0.2}: s² = 0.02, n 2; ln c = {0.1, 0.2, 0.3}: s² = 0.01, n 3
    // se² = 0.02/2 + 0.01/3; df = se⁴ / ((0.01)²/1 + (0.01/3)²/2) = 1.68421…
    const r = twoSampleRatio([1, e(0.2)], [e(0.1), e(0.2), e(0.3)]);
    assert.equal(r.design, 'two_sample');
    close(r.ratio, e(0.1));
    close(r.interval!.df, 1.6842105263157896);
    close(r.interval!.low, 0.6079274408615739, 1e-6);
    close(r.interval!.high, 2.009125885860917, 1e-6);
  });

  test('one run on a side: a ratio, no interval', () => {
    const r = twoSampleRatio([100], [120, 130]);
    assert.equal(r.design, 'single_runs');
    assert.equal(r.interval, null);
    close(r.ratio, Math.sqrt(120 * 130) / 100);
  });

  test('blockRatio pairs when it can and falls back to two samples', () => {
    const b = [
      { block: 0, value: 100 },
      { block: 1, value: 110 },
    ];
    assert.equal(
      blockRatio(b, [
        { block: 0, value: 120 },
        { block: 1, value: 125 },
      ]).design,
      'paired',
    );
    assert.equal(
      blockRatio(b, [
        { block: 3, value: 120 },
        { block: 4, value: 125 },
      ]).design,
      'two_sample',
    );
  });
});

suite('statements follow the interval', () => {
  const iv = (low: number, high: number) => ({ interval: { kind: 'confidence' as const, low, high, level: 0.95, df: 4, method: '' } });
  test('faster or slower only when the interval excludes 1', () => {
    assert.deepEqual(resolveChange(iv(1.02, 1.1)), { kind: 'faster' });
    assert.deepEqual(resolveChange(iv(0.9, 0.98)), { kind: 'slower' });
  });
  test('otherwise no difference resolved, within the largest change the interval allows', () => {
    const a = resolveChange(iv(0.97, 1.05));
    assert.equal(a.kind, 'unresolved');
    close((a as { within: number }).within, 0.05);
    close((resolveChange(iv(0.94, 1.01)) as { within: number }).within, 0.06);
    assert.deepEqual(resolveChange({ interval: null }), { kind: 'no_interval' });
  });
});

suite('Clopper–Pearson', () => {
  test('exact binomial intervals', () => {
    const none = clopperPearson(0, 10);
    assert.equal(none.low, 0);
    close(none.high, 1 - 0.025 ** (1 / 10)); // 0.308497…
    const all = clopperPearson(10, 10);
    close(all.low, 0.025 ** (1 / 10));
    assert.equal(all.high, 1);
    const half = clopperPearson(5, 10);
    assert.equal(half.rate, 0.5);
    close(half.low, 0.18708602844739855);
    close(half.high, 0.8129139715526015);
    const r = clopperPearson(3, 20);
    close(r.low, 0.0320709371854637);
    close(r.high, 0.37892682654531396);
    assert.throws(() => clopperPearson(3, 2), /0 ≤ k ≤ n/);
    assert.deepEqual([clopperPearson(0, 0).low, clopperPearson(0, 0).high], [0, 1]);
  });
});
