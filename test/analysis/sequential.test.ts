// Sequential stopping (docs/metrics.md "Sequential stopping"): the spending function and each look's
// level with exact numbers, and by seeded simulation of runs that stop as `run --until-resolved`
// does, the false verdicts with the truth exactly at the threshold.
import assert from 'node:assert/strict';
import { describe as suite, test } from 'node:test';
import { normalCdf } from '../../src/analysis/inference/distributions.ts';
import { clopperPearson } from '../../src/analysis/inference/intervals.ts';
import { lookAlpha, maxBlocksFor, sequentialLook, sequentialTrial, spentAlpha } from '../../src/analysis/inference/sequential.ts';
import { normalStream, simulateBlock, type MachineNoise } from '../../src/analysis/inference/simulate.ts';

const close = (a: number, b: number, rel = 1e-9) => assert.ok(Math.abs(a - b) <= rel * Math.max(1e-12, Math.abs(b)), `${a} ≠ ${b}`);
const sense = { threshold: 0.02, higher_is_better: true };

suite('alpha spending (Lan–DeMets, O’Brien–Fleming type)', () => {
  test('α/2 = 0.025 is spent by the end; half-way, 1 − Φ(1.959964/√0.5)', () => {
    assert.equal(spentAlpha(1), 0.025);
    assert.equal(spentAlpha(0), 0);
    close(spentAlpha(0.5), 1 - normalCdf(1.959963984540054 / Math.sqrt(0.5)), 1e-9);
    close(spentAlpha(0.5), 0.0027874, 1e-3);
  });

  test('the looks’ levels add up to exactly α/2, the last one taking the rest', () => {
    for (const K of [2, 3, 8, 20]) {
      let sum = 0;
      for (let k = 2; k <= K; k++) sum += lookAlpha(k, K);
      close(sum, 0.025, 1e-12);
    }
    assert.equal(lookAlpha(1, 8), 0);
    close(lookAlpha(2, 8), spentAlpha(0.25));
    close(lookAlpha(5, 8), spentAlpha(5 / 8) - spentAlpha(4 / 8));
  });

  test('the budget sets the most blocks: ⌊budget ÷ block⌋, at least two', () => {
    assert.deepEqual([maxBlocksFor(600, 130), maxBlocksFor(100, 130), maxBlocksFor(600, 0)], [4, 2, 2]);
  });
});

suite('a look', () => {
  const blocks = (ratios: number[]) => ({
    b: ratios.map((_, block) => ({ block, value: 100 })),
    c: ratios.map((r, block) => ({ block, value: 100 * r })),
  });

  test('paired by block: T = (d̄ − ln 0.98)/(s_d/√k) against the look’s level', () => {
    const { b, c } = blocks([0.9, 0.91, 0.89, 0.9]);
    const look = sequentialLook(b, c, 4, sense);
    close(look.ratio, Math.exp((Math.log(0.9) + Math.log(0.91) + Math.log(0.89) + Math.log(0.9)) / 4));
    assert.equal(look.outcome, 'regressed');
    close(look.alpha, 0.025 - spentAlpha(3 / 4), 1e-12);
    assert.equal(look.interval!.df, 3);
  });

  test('the same blocks at the first of 20 looks spend almost nothing and go on', () => {
    const { b, c } = blocks([0.9, 0.91]);
    const look = sequentialLook(b, c, 20, sense);
    assert.equal(look.outcome, 'continue');
    assert.ok(look.alpha < 1e-5, String(look.alpha));
  });

  test('a clear non-regression stops with "no regression"; the last look unresolved is inconclusive', () => {
    const ok = blocks([1.0, 1.001, 0.999, 1.0, 1.0005]);
    assert.equal(sequentialLook(ok.b, ok.c, 5, sense).outcome, 'no_regression');
    const wide = blocks([0.9, 1.1, 0.95]);
    assert.equal(sequentialLook(wide.b, wide.c, 3, sense).outcome, 'inconclusive');
  });
});

suite('error rates under sequential stopping, by simulation', () => {
  // Runs of 20 steps (AR(1) log step times, sd 3 %), runs within a block 2 % apart, blocks drifting by 3 %.
  const machine: MachineNoise = { steps: 20, step_sd: 0.03, phi: 0.5, run_sd: 0.02, session_sd: 0 };
  const TRIALS = 2000;

  for (const K of [6, 20]) {
    test(`with the truth at the threshold and at most ${K} blocks, each false verdict ≤ 2.5 % (+ simulation error)`, () => {
      const normal = normalStream(500 + K);
      const said = { regressed: 0, no_regression: 0, inconclusive: 0 };
      for (let t = 0; t < TRIALS; t++) {
        const look = sequentialTrial(() => simulateBlock(normal, machine, Math.log(0.98), 0.03), K, sense);
        said[look.outcome as keyof typeof said]++;
      }
      for (const wrong of ['regressed', 'no_regression'] as const) {
        const rate = clopperPearson(said[wrong], TRIALS, 0.99);
        assert.ok(rate.low <= 0.025, `${K} blocks: "${wrong}" in ${(100 * rate.rate).toFixed(2)} %`);
      }
    });
  }

  test('a 10 % slowdown is caught, most often before the budget runs out', () => {
    const normal = normalStream(600);
    let caught = 0;
    let blocks = 0;
    for (let t = 0; t < 500; t++) {
      const look = sequentialTrial(() => simulateBlock(normal, machine, -Math.log(1.1), 0.03), 20, sense);
      if (look.outcome === 'regressed') caught++;
      blocks += look.blocks;
    }
    assert.ok(caught / 500 >= 0.95, `caught ${caught} of 500`);
    assert.ok(blocks / 500 < 20, `mean blocks ${blocks / 500}`);
  });
});
