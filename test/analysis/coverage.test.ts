// Interval coverage by seeded simulation: step times autocorrelated within a run (AR(1) on the
// log, φ = 0.7), a level per run and, where folders are compared, a level per folder; for the gate,
// also its false verdicts with the truth at the threshold, by the gate's own code (gateDecision). A 95 %
// interval must cover the true value in at least 93 % of 2000 trials (binomial standard error
// about 0.5 %, so a correct interval passes with a wide margin and one 2 points short fails).
import assert from 'node:assert/strict';
import { describe as suite, test } from 'node:test';
import { gateDecision } from '../../src/analysis/inference/gate-rule.ts';
import { clopperPearson, logTInterval, pairedRatio, type BlockValue } from '../../src/analysis/inference/intervals.ts';
import { fitNoiseModel } from '../../src/analysis/inference/noise-model.ts';
import { normalStream, runThroughput, simulateSession, simulateSteps, type MachineNoise } from '../../src/analysis/inference/simulate.ts';

const TRIALS = 2000;
const MIN_COVERAGE = 0.93;
const machine: MachineNoise = { steps: 20, step_sd: 0.1, phi: 0.7, run_sd: 0.03, session_sd: 0 };

function assertCoverage(covered: number, what: string): void {
  const rate = covered / TRIALS;
  assert.ok(rate >= MIN_COVERAGE, `${what}: coverage ${(100 * rate).toFixed(1)} % < ${100 * MIN_COVERAGE} %`);
  // Not vacuous either: an interval that is far too wide would cover every time.
  assert.ok(rate <= 0.985, `${what}: coverage ${(100 * rate).toFixed(1)} %, the interval is far too wide`);
}

suite('interval coverage under AR(1) steps and run-to-run spread', () => {
  test('one mode: the log-t interval over runs covers E[ln throughput of a run] (3 and 5 runs)', () => {
    // The true value: the mean log throughput of a run of this machine, from 40 000 runs
    // (its standard error, ~2e-4, is small against the intervals' half-widths of ~0.05).
    const ref = normalStream(1);
    let sum = 0;
    const N = 40_000;
    for (let i = 0; i < N; i++) sum += Math.log(runThroughput(simulateSteps(ref, machine, machine.run_sd * ref())));
    const truth = sum / N;
    for (const n of [3, 5]) {
      const normal = normalStream(100 + n);
      let covered = 0;
      for (let t = 0; t < TRIALS; t++) {
        const iv = logTInterval(simulateSession(normal, machine, 0, n))!;
        if (Math.log(iv.low) <= truth && truth <= Math.log(iv.high)) covered++;
      }
      assertCoverage(covered, `${n} runs`);
    }
  });

  test('two modes paired by ABBA block cover the true ratio despite drift between blocks (3 and 5 blocks)', () => {
    const truth = Math.log(1.3);
    for (const n of [3, 5]) {
      const normal = normalStream(200 + n);
      let covered = 0;
      for (let t = 0; t < TRIALS; t++) {
        const base: BlockValue[] = [];
        const cand: BlockValue[] = [];
        for (let k = 0; k < n; k++) {
          // The machine's level moves from block to block (5 % random, 1 % a block trend); both modes of a block share it.
          const drift = 0.05 * normal() + 0.01 * k;
          base.push({ block: k, value: runThroughput(simulateSteps(normal, machine, drift + machine.run_sd * normal())) });
          cand.push({ block: k, value: runThroughput(simulateSteps(normal, machine, drift + truth + machine.run_sd * normal())) });
        }
        const iv = pairedRatio(base, cand)!.interval!;
        if (Math.log(iv.low) <= truth && truth <= Math.log(iv.high)) covered++;
      }
      assertCoverage(covered, `${n} blocks`);
    }
  });

  // The gate with the truth exactly at its threshold (ratio 0.98 for a 2 % threshold): a 95 % interval must cover
  // it in ≥ 93 % of trials, and each false verdict ("regressed", "no regression") must be ≤ 2.5 % up to
  // simulation error (the 99 % Clopper–Pearson interval of the observed rate must reach down to 2.5 %; with 2000
  // trials that fails from about 3.3 %). Folders differ by 1.5 % and runs within one by 2.6 %: the regime in which
  // a between-folder part clipped at zero and taken as known gave 4–8 % false verdicts each.
  const gateMachine: MachineNoise = { steps: 20, step_sd: 0.03, phi: 0.5, run_sd: 0.02, session_sd: 0.015 };
  const edge = 0.98;
  for (const calibration of [
    { folders: 6, runs: 3, what: '3 A/A pairs × 3 runs (calibrate’s default)' },
    { folders: 2, runs: 5, what: 'one A/A pair × 5 runs (the GPU script’s)' },
  ]) {
    test(`the gate: coverage and false verdicts at the threshold with a profile of ${calibration.what}, at 3, 5, 10 and 20 runs per side`, () => {
      for (const n of [3, 5, 10, 20]) {
        const normal = normalStream(300 + 10 * calibration.folders + n);
        let covered = 0;
        const said = { regressed: 0, no_regression: 0, inconclusive: 0 };
        for (let t = 0; t < TRIALS; t++) {
          const noise = fitNoiseModel(
            Array.from({ length: calibration.folders }, () => simulateSession(normal, gateMachine, 0, calibration.runs)),
          );
          const d = gateDecision({
            baseline: simulateSession(normal, gateMachine, 0, n),
            candidate: simulateSession(normal, gateMachine, Math.log(edge), n),
            threshold: 1 - edge,
            higher_is_better: true,
            level: 0.95,
            noise,
            plan: false,
          });
          if (d.interval!.low <= edge && edge <= d.interval!.high) covered++;
          said[d.outcome]++;
        }
        const what = `${n} runs per side, profile of ${calibration.what}`;
        assert.ok(covered / TRIALS >= MIN_COVERAGE, `${what}: coverage ${(100 * covered) / TRIALS} %`);
        for (const wrong of ['regressed', 'no_regression'] as const) {
          const rate = clopperPearson(said[wrong], TRIALS, 0.99);
          assert.ok(
            rate.low <= 0.025,
            `${what}: "${wrong}" in ${(100 * rate.rate).toFixed(2)} % of trials with the truth at the threshold`,
          );
        }
      }
    });
  }

  test('the gate without a profile never clears two folders, whatever the runs say', () => {
    const normal = normalStream(400);
    for (let t = 0; t < 200; t++) {
      const d = gateDecision({
        baseline: simulateSession(normal, gateMachine, 0, 10),
        candidate: simulateSession(normal, gateMachine, 0.05, 10),
        threshold: 0.02,
        higher_is_better: true,
        level: 0.95,
        plan: false,
      });
      assert.notEqual(d.outcome, 'no_regression');
      if (d.outcome === 'inconclusive' && d.interval!.low >= 0.98) assert.equal(d.unresolved, 'no_profile');
    }
  });
});
