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
  holmLevels,
  logRatioSe,
  outcomeProbabilities,
  runsNeeded,
  type GateSense,
} from '../../src/analysis/inference/gate-rule.ts';
import { fitNoiseModel, type NoiseModel } from '../../src/analysis/inference/noise-model.ts';
import { normalStream } from '../../src/analysis/inference/simulate.ts';
import { noncentralTCdf, tQuantile } from '../../src/analysis/inference/distributions.ts';

const close = (a: number, b: number, rel = 1e-7) => assert.ok(Math.abs(a - b) <= rel * Math.max(1, Math.abs(b)), `${a} ≠ ${b}`);
const e = Math.exp;
const sense: GateSense = { threshold: 0.02, higher_is_better: true, level: 0.95 };

suite('noise model: one-way random-effects ANOVA on ln(value per run)', () => {
  test('balanced sessions', () => {
    // ln values {0, .2}, {.1, .3}, {.4, .6}: means .1, .2, .5, grand .26667
    // SS_W = 3 · 0.02 = 0.06 over 3 df → 0.02; MS_B = 2·Σ(ȳ_g − ȳ)² / 2 = 0.086667; n₀ = 2
    // between = (0.086667 − 0.02) / 2 = 0.033333
    const m = fitNoiseModel([
      [e(0), e(0.2)],
      [e(0.1), e(0.3)],
      [e(0.4), e(0.6)],
    ]);
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
    const m = fitNoiseModel([
      [1, e(0.2)],
      [e(0.1), e(0.2), e(0.3)],
    ]);
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

  test('with a profile: the mean square between folders with its own df, never a clipped between part taken as known', () => {
    // Profile: MS_W 0.01 (10 df), MS_B 0.03 (4 df: five folders), n₀ = 3 runs per folder.
    const noise = {
      within: 0.01,
      within_df: 10,
      between: (0.03 - 0.01) / 3,
      between_df: 4,
      mean_square_between: 0.03,
      runs_per_session: 3,
    } as NoiseModel;
    const v = comparisonVariance([1, e(0.2)], [e(0.1), e(0.3)], noise);
    close(v.within, (0.04 + 0.1) / 12);
    assert.equal(v.within_df, 12);
    assert.deepEqual(v.folders, { mean_square: 0.03, df: 4, runs_per_folder: 3 });
    // 2 runs a side: W = 1 > 2/n₀, Var = (1 − 2/3)·within + (2/3)·MS_B, df the smaller of 12 and 4
    let r = logRatioSe(v, 2, 2);
    close(r.se ** 2, (1 / 3) * (0.14 / 12) + (2 / 3) * 0.03);
    assert.equal(r.df, 4);
    // 3 runs a side (= n₀): W = 2/n₀, Var = (2/3)·MS_B exactly, 4 df
    r = logRatioSe(v, 3, 3);
    close(r.se ** 2, 0.02);
    assert.equal(r.df, 4);
    // 10 runs a side: the negative within term is left out, the same bound: more runs per folder cannot beat the folders' spread
    assert.deepEqual(logRatioSe(v, 10, 10), logRatioSe(v, 3, 3));
  });

  test("a compared folder that is one of the profile's counts once: its runs leave the pooled within spread", () => {
    const noise = { within: 0.01, within_df: 10, between: 0, between_df: 4, mean_square_between: 0.01, runs_per_session: 3 } as NoiseModel;
    const v = comparisonVariance([1, e(0.2)], [e(0.1), e(0.3)], noise, { baseline: true });
    close(v.within, (0.02 + 0.1) / 11);
    assert.equal(v.within_df, 11);
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

  test('two folders without a noise profile cannot be cleared: the interval within the threshold is inconclusive, and says why', () => {
    const d = gateDecision({ ...sense, baseline: around(100, 0.005), candidate: around(100, 0.005) });
    close(d.interval!.low, e(-0.011334789677637597), 1e-6);
    assert.equal(d.outcome, 'inconclusive');
    assert.equal(d.unresolved, 'no_profile');
  });

  test('no regression beyond the threshold when none of the interval is, with a profile of the folders’ spread', () => {
    const noise = fitNoiseModel([around(100, 0.005), around(100.2, 0.005), around(99.8, 0.005), around(100.1, 0.005)]);
    const d = gateDecision({ ...sense, baseline: around(100, 0.005), candidate: around(100, 0.005), noise });
    assert.equal(d.outcome, 'no_regression');
    assert.equal(d.interval!.df, 3);
  });

  test('inconclusive when it straddles 1 − t, with the runs per side that would resolve it', () => {
    const d = gateDecision({ ...sense, baseline: around(100, 0.01), candidate: around(97, 0.01) });
    close(d.interval!.high, 0.97 * e(0.022669579355275193), 1e-6); // low < 0.98 < 0.9922
    assert.equal(d.outcome, 'inconclusive');
    assert.equal(d.unresolved, 'runs');
    const n = d.runs_needed!;
    assert.ok(n > 3 && n <= 100, `runs needed ${n}`);
    // n is the first number of runs per side at which a repeat is found regressed with ≥ 80 % probability
    // (without a profile only "regressed" can resolve it)
    const resolve = (k: number) => outcomeProbabilities(atRunsPerSide(d.variance, 0, k), k, k, d.ratio, sense).regressed;
    assert.ok(resolve(n) >= 0.8 && resolve(n - 1) < 0.8, `${resolve(n - 1)} → ${resolve(n)}`);
  });

  test('without a profile, an estimate on the good side waits for a profile, not for more runs', () => {
    const d = gateDecision({ ...sense, baseline: around(100, 0.01), candidate: around(100, 0.01) });
    assert.deepEqual([d.outcome, d.runs_needed, d.unresolved], ['inconclusive', null, 'no_profile']);
  });

  test('an estimate sitting on the threshold cannot be resolved by more runs', () => {
    const d = gateDecision({ ...sense, baseline: around(100, 0.05), candidate: around(98, 0.05) });
    assert.equal(d.outcome, 'inconclusive');
    assert.deepEqual([d.runs_needed, d.unresolved], [null, 'at_threshold']);
  });

  test('at ratio 1.000 with runs that vary by 7 %, the cause is the spread the profile’s folders leave, not the threshold', () => {
    const noise = fitNoiseModel([around(100, 0.07), around(104, 0.07), around(96, 0.07)]);
    const d = gateDecision({ ...sense, baseline: around(100, 0.07), candidate: around(100, 0.07), noise });
    close(d.ratio, 1);
    assert.deepEqual([d.outcome, d.runs_needed, d.unresolved], ['inconclusive', null, 'between_folders']);
  });

  test('without a profile, 3 % slower with runs that vary by 7 % needs more than 100 runs a side to be found regressed', () => {
    // 1.0 % beyond the threshold; 80 % power needs se ≤ 0.0103/2.8, about 700 runs a side
    const d = gateDecision({ ...sense, baseline: around(100, 0.07), candidate: around(97, 0.07) });
    assert.deepEqual([d.outcome, d.runs_needed, d.unresolved], ['inconclusive', null, 'beyond_max_runs']);
  });

  test('lower is better (step time): regressed when the interval lies above 1 + t', () => {
    const s = { ...sense, higher_is_better: false };
    assert.equal(gateDecision({ ...s, baseline: around(1, 0.01), candidate: around(1.1, 0.01) }).outcome, 'regressed');
    const noise = fitNoiseModel([around(1, 0.01), around(1.002, 0.01), around(0.998, 0.01)]);
    assert.equal(gateDecision({ ...s, baseline: around(1, 0.01), candidate: around(0.9, 0.01), noise }).outcome, 'no_regression');
  });

  test('one run per side: no interval without a profile; with one, the interval rests on the calibrated spread', () => {
    const bare = gateDecision({ ...sense, baseline: [100], candidate: [80] });
    assert.deepEqual([bare.outcome, bare.interval, bare.runs_needed], ['inconclusive', null, null]);
    const noise = fitNoiseModel([around(100, 0.01), around(101, 0.01), around(99, 0.01)]);
    const d = gateDecision({ ...sense, baseline: [100], candidate: [80], noise });
    assert.equal(d.variance.source, 'runs and noise profile');
    assert.equal(d.outcome, 'regressed');
  });

  test('m comparisons share α: Holm’s first step is Bonferroni’s level', () => {
    assert.equal(familyLevel(1), 0.95);
    close(familyLevel(4), 1 - 0.05 / 4);
  });

  test('Holm’s step-down: sorted p-values tested at α/2 ÷ (m − k + 1), stopping at the first that fails', () => {
    // m = 4, α/2 = 0.025: thresholds 0.00625, 0.00833, 0.0125, 0.025 by rank
    // p 0.001 → rank 1 passes (level 1 − .05/4); 0.008 → rank 2 passes (1 − .05/3); 0.02 → rank 3 fails (1 − .05/2), and so does rank 4
    const levels = holmLevels([0.02, 0.001, 0.3, 0.008]);
    close(levels[1]!, 1 - 0.05 / 4);
    close(levels[3]!, 1 - 0.05 / 3);
    close(levels[0]!, 1 - 0.05 / 2);
    close(levels[2]!, 1 - 0.05 / 2, 1e-12);
    // with p 0.012 at rank 3 it passes, and rank 4 is tested at 95 %
    assert.deepEqual(
      holmLevels([0.012, 0.001, 0.3, 0.008]).map((x) => Math.round(x * 1e6) / 1e6),
      [0.975, 0.9875, 0.95, 0.983333],
    );
  });
});

suite('operating characteristics', () => {
  const v = { within: 0.0004, within_df: 8, folders: null };

  test('outcome probabilities are noncentral t tail areas', () => {
    // se = √(0.0004·2/3), df 8, δ = (ln .95 − ln .98)/se: P(T < −t_c), P(T ≥ t_c)
    const p = outcomeProbabilities(v, 3, 3, 0.95, sense);
    close(p.regressed, 0.3884957888250577, 1e-6);
    close(p.no_regression, 0.00012248019519145448, 1e-5);
    // with folders 3 runs each whose mean square between is 0.0007 (4 df; σ²_s = 0.0001): se² = (2/3)·0.0007, df 4
    const folders = { ...v, folders: { mean_square: 0.0007, df: 4, runs_per_folder: 3 } };
    const r = logRatioSe(folders, 3, 3);
    close(r.se ** 2, (2 / 3) * 0.0007);
    assert.equal(r.df, 4);
    const q = outcomeProbabilities(folders, 3, 3, 0.95, sense);
    close(q.regressed, noncentralTCdf(-tQuantile(0.975, 4), 4, Math.log(0.95 / 0.98) / r.se), 1e-12);
    close(q.regressed, 0.1995511726424366, 1e-6);
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
