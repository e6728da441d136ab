// The noise model and the gate's rule against hand-computed values (docs/metrics.md "Noise
// profile", "Regression gate"), and the gate's power formula against a simulation of the rule.
import assert from 'node:assert/strict';
import { describe as suite, test } from 'node:test';
import {
  atRunsPerSide,
  comparisonVariance,
  detectableChange,
  familyLevel,
  gateDecision,
  logRatioSe,
  outcomeProbabilities,
  runsNeeded,
  type GateSense,
} from '../../src/analysis/inference/gate-rule.ts';
import { fitNoiseModel, type NoiseModel } from '../../src/analysis/inference/noise-model.ts';
import { normalStream } from '../../src/analysis/inference/simulate.ts';

const close = (a: number, b: number, rel = 1e-7) => assert.ok(Math.abs(a - b) <= rel * Math.max(1, Math.abs(b)), `${a} ≠ ${b}`);
const e = Math.exp;
const sense: GateSense = { threshold: 0.02, higher_is_better: true, level: 0.95 };

suite('noise model: one-way random-effects ANOVA on ln(value per run)', () => {
  test('balanced sessions', () => {
    // ln values {0, .2}, {.1, .3}, {.4, .6}: means .1, .2, .5, grand .26667
    // SS_W = 3 · 0.02 = 0.06 over 3 df → 0.02; MS_B = 2·Σ(ȳ_g − ȳ)² / 2 = 0.086667; n₀ = 2
    // between = (0.086667 − 0.02) / 2 = 0.033333
    const m = fitNoiseModel([[e(0), e(0.2)], [e(0.1), e(0.3)], [e(0.4), e(0.6)]]);
    close(m.within, 0.02);
    assert.equal(m.within_df, 3);
    close(m.mean_square_between, 0.26 / 3);
    close(m.runs_per_session, 2);
    close(m.between, (0.26 / 3 - 0.02) / 2);
    assert.deepEqual([m.between_df, m.sessions, m.runs], [2, 3, 6]);
  });

  test('unbalanced sessions; a negative between estimate is truncated at 0', () => {
    // {0, .2} and {.1, .2, .3}: SS_W = 0.04 over 3 df; grand mean 0.16; SS_B = 2·0.06² + 3·0.04² = 0.012
    // n₀ = (5 − 13/5) / 1 = 2.4; (0.012 − 0.013333)/2.4 < 0 → 0
    const m = fitNoiseModel([[1, e(0.2)], [e(0.1), e(0.2), e(0.3)]]);
    close(m.within, 0.04 / 3);
    close(m.mean_square_between, 0.012);
    close(m.runs_per_session, 2.4);
    assert.equal(m.between, 0);
  });

  test('bad input is refused', () => {
    assert.throws(() => fitNoiseModel([[1, 0]]), /finite number > 0/);
  });
});

suite('the comparison variance: run-to-run spread counted once', () => {
  test('without a profile: the runs’ own within-side spread, df n_b + n_c − 2', () => {
    const v = comparisonVariance([1, e(0.2)], [e(0.1), e(0.3)]);
    close(v.within, 0.02);
    assert.deepEqual([v.within_df, v.between, v.source], [2, 0, 'runs']);
    const { se, df } = logRatioSe(v, 2, 2);
    close(se, Math.sqrt(0.02));
    assert.equal(df, 2);
  });

  test('with a profile: within pooled by df, between added twice, Satterthwaite df', () => {
    const noise = { within: 0.01, within_df: 10, between: 0.001, between_df: 4 } as NoiseModel;
    const v = comparisonVariance([1, e(0.2)], [e(0.1), e(0.3)], noise);
    close(v.within, (0.04 + 0.1) / 12);
    assert.equal(v.within_df, 12);
    const { se, df } = logRatioSe(v, 2, 2);
    close(se ** 2, 0.013666666666666667);
    close(df, 15.132783195798948);
  });
});

suite('the gate rule: three outcomes', () => {
  const around = (level: number, sd: number) => [-sd, 0, sd].map((d) => level * e(d));
  // s = sd of ln values per side, within = s², df 4, se = s·√(2/3), half-width t(.975, 4)·se

  test('regressed when the whole interval lies below 1 − t', () => {
    const d = gateDecision({ ...sense, baseline: around(100, 0.01), candidate: around(90, 0.01) });
    close(d.ratio, 0.9);
    close(d.interval!.high, 0.9 * e(0.022669579355275193), 1e-6);
    assert.equal(d.outcome, 'regressed');
    assert.equal(d.runs_needed, undefined);
  });

  test('no regression beyond the threshold when none of it does', () => {
    const d = gateDecision({ ...sense, baseline: around(100, 0.005), candidate: around(100, 0.005) });
    close(d.interval!.low, e(-0.011334789677637597), 1e-6);
    assert.equal(d.outcome, 'no_regression');
  });

  test('inconclusive when it straddles 1 − t, with the runs per side that would resolve it', () => {
    const d = gateDecision({ ...sense, baseline: around(100, 0.01), candidate: around(100, 0.01) });
    close(d.interval!.low, e(-0.022669579355275193), 1e-6); // 0.9776 < 0.98 ≤ high
    assert.equal(d.outcome, 'inconclusive');
    const n = d.runs_needed!;
    assert.ok(n > 3 && n <= 100, `runs needed ${n}`);
    // n is the first number of runs per side at which a repeat resolves with ≥ 80 % probability
    const resolve = (k: number) => {
      const p = outcomeProbabilities(atRunsPerSide(d.variance, 0, k), k, k, d.ratio, sense);
      return p.regressed + p.no_regression;
    };
    assert.ok(resolve(n) >= 0.8 && resolve(n - 1) < 0.8, `${resolve(n - 1)} → ${resolve(n)}`);
  });

  test('an estimate sitting on the threshold cannot be resolved by more runs', () => {
    const d = gateDecision({ ...sense, baseline: around(100, 0.05), candidate: around(98, 0.05) });
    assert.equal(d.outcome, 'inconclusive');
    assert.equal(d.runs_needed, null);
  });

  test('lower is better (step time): regressed when the interval lies above 1 + t', () => {
    const s = { ...sense, higher_is_better: false };
    assert.equal(gateDecision({ ...s, baseline: around(1, 0.01), candidate: around(1.1, 0.01) }).outcome, 'regressed');
    assert.equal(gateDecision({ ...s, baseline: around(1, 0.01), candidate: around(0.9, 0.01) }).outcome, 'no_regression');
  });

  test('one run per side: no interval without a profile; with one, the interval rests on the calibrated spread', () => {
    const bare = gateDecision({ ...sense, baseline: [100], candidate: [80] });
    assert.deepEqual([bare.outcome, bare.interval, bare.runs_needed], ['inconclusive', null, null]);
    const noise = fitNoiseModel([around(100, 0.01), around(101, 0.01), around(99, 0.01)]);
    const d = gateDecision({ ...sense, baseline: [100], candidate: [80], noise });
    assert.equal(d.variance.source, 'runs and noise profile');
    assert.equal(d.outcome, 'regressed');
  });

  test('m comparisons share α by Bonferroni', () => {
    assert.equal(familyLevel(1), 0.95);
    close(familyLevel(4), 1 - 0.05 / 4);
  });
});

suite('operating characteristics', () => {
  const v = { within: 0.0004, within_df: 8, between: 0, between_df: Number.POSITIVE_INFINITY };

  test('outcome probabilities are noncentral t tail areas', () => {
    // se = √(0.0004·2/3), df 8, δ = (ln .95 − ln .98)/se: P(T < −t_c), P(T ≥ t_c)
    const p = outcomeProbabilities(v, 3, 3, 0.95, sense);
    close(p.regressed, 0.3884957888250577, 1e-6);
    close(p.no_regression, 0.00012248019519145448, 1e-5);
    // with a between-session part 0.0001 (df 4): se² = 0.0004·2/3 + 0.0002, Satterthwaite df 11.53
    const q = outcomeProbabilities({ ...v, between: 0.0001, between_df: 4 }, 3, 3, 0.95, sense);
    close(logRatioSe({ ...v, between: 0.0001, between_df: 4 }, 3, 3).df, 11.529411764705882);
    close(q.regressed, 0.2613888417619269, 1e-6);
  });

  test('smallest detectable regression at 80 % and 95 % power', () => {
    close(detectableChange(v, 3, sense, 0.8), 0.06990965146282857, 1e-6);
    close(detectableChange(v, 3, sense, 0.95), 0.08401318902552857, 1e-6);
    close(detectableChange(v, 3, { ...sense, higher_is_better: false }, 0.8), 0.07473430035281203, 1e-6);
  });

  test('the predicted probability of "regressed" matches the rule applied to simulated runs', () => {
    // Runs with ln value ~ N(level, 0.02²): 3 per side, a true ratio of 0.95.
    const normal = normalStream(11);
    const trials = 4000;
    let regressed = 0;
    for (let t = 0; t < trials; t++) {
      const side = (level: number) => [0, 1, 2].map(() => level * e(0.02 * normal()));
      if (gateDecision({ ...sense, baseline: side(100), candidate: side(95) }).outcome === 'regressed') regressed++;
    }
    const predicted = outcomeProbabilities({ ...v, within_df: 4 }, 3, 3, 0.95, sense).regressed;
    // binomial standard error √(p(1 − p)/4000) ≈ 0.0077; 4 of them
    assert.ok(Math.abs(regressed / trials - predicted) < 0.031, `simulated ${regressed / trials}, predicted ${predicted}`);
  });

  test('more runs never need more: runs needed falls as the change grows', () => {
    const a = runsNeeded(v, 0, 0.93, sense)!;
    const b = runsNeeded(v, 0, 0.9, sense)!;
    assert.ok(b <= a, `${b} > ${a}`);
    assert.equal(runsNeeded({ ...v, within: Number.NaN }, 0, 0.9, sense), null);
  });
});
