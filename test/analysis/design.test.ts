// The design recommender (docs/metrics.md "The cheapest design") with numbers worked by hand.
import assert from 'node:assert/strict';
import { describe as suite, test } from 'node:test';
import { cheapestDesign, varianceComponents, type VarianceComponents } from '../../src/analysis/inference/design.ts';

const close = (a: number, b: number, rel = 1e-9) => assert.ok(Math.abs(a - b) <= rel * Math.max(1e-12, Math.abs(b)), `${a} ≠ ${b}`);

suite('variance between runs and between steps, from the runs', () => {
  test('two runs of four steps: pooled step variance, lag-1 correlation (clipped at −0.9), the run part', () => {
    // ln step values {0, .2, 0, .2} and {.1, .3, .1, .3}: deviations ±0.1, SS 0.08 over 6 df → 0.013333;
    // lag-1 products all −0.01 (6 of them) over SS/N = 0.01 → ρ = −1, clipped to −0.9;
    // step_eff = 0.013333 · 0.1/1.9; run levels .1 and .2 vary by 0.005, less step_eff/4.
    const c = varianceComponents([
      { log_steps: [0, 0.2, 0, 0.2], startup_s: 100, step_s: 1 },
      { log_steps: [0.1, 0.3, 0.1, 0.3], startup_s: 120, step_s: 2 },
    ]);
    close(c.step, 0.08 / 6);
    assert.equal(c.rho, -0.9);
    close(c.step_eff, ((0.08 / 6) * 0.1) / 1.9);
    close(c.run, 0.005 - c.step_eff / 4);
    assert.deepEqual([c.runs, c.steps_per_run, c.startup_s, c.step_s], [2, 4, 110, 1.5]);
  });
});

suite('the cheapest runs × steps for a resolution', () => {
  // Runs differ by 2 % (var 0.0004), steps by 6 % (var 0.0036, uncorrelated), 120 s of start-up, 1 s a step.
  const c: VarianceComponents = {
    run: 0.0004,
    step: 0.0036,
    step_eff: 0.0036,
    rho: 0,
    runs: 5,
    steps_per_run: 10,
    startup_s: 120,
    step_s: 1,
  };

  test('±3 %: 7 runs a side of 33 steps, 2 142 s', () => {
    // n = 7: t(.975, 6) = 2.4469; m = 33: 2.4469·√(2(0.0004 + 0.0036/33)/7) = 0.029510 ≤ ln 1.03 = 0.029559, m = 32 gives 0.029610.
    // n = 6 cannot (2·0.0004·t(.975,5)²/6 > ln(1.03)² at any m); n = 8 needs m ≥ 16: 2·8·136 = 2 176 s > 2·7·153 = 2 142 s.
    const d = cheapestDesign(c, 0.03)!;
    assert.deepEqual([d.runs_per_side, d.steps_per_run, d.seconds], [7, 33, 2142]);
    assert.ok(d.half_width <= 0.03 && d.half_width > 0.0299, String(d.half_width));
  });

  test('without start-up, runs of one step are cheapest; without a run part, few long runs', () => {
    const free = cheapestDesign({ ...c, startup_s: 0 }, 0.03)!;
    assert.deepEqual([free.runs_per_side, free.steps_per_run], [38, 1]);
    const steady = cheapestDesign({ ...c, run: 0 }, 0.03)!;
    assert.deepEqual([steady.runs_per_side, steady.steps_per_run, steady.seconds], [3, 51, 1026]);
  });

  test('a resolution finer than the runs’ own spread allows within the limits: none', () => {
    assert.equal(cheapestDesign({ ...c, run: 0.01 }, 0.001, { maxRuns: 50 }), undefined);
  });
});
