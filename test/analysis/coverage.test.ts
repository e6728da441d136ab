// Interval coverage by seeded simulation: step times autocorrelated within a run (AR(1) on the
// log, φ = 0.7), a level per run and, where folders are compared, a level per folder. A 95 %
// interval must cover the true value in at least 93 % of 2000 trials (binomial standard error
// about 0.5 %, so a correct interval passes with a wide margin and one 2 points short fails).
import assert from 'node:assert/strict';
import { describe as suite, test } from 'node:test';
import { gateDecision } from '../../src/analysis/inference/gate-rule.ts';
import { logTInterval, pairedRatio, type BlockValue } from '../../src/analysis/inference/intervals.ts';
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

  test('the gate: two folders with a calibrated profile cover the true ratio despite folder-to-folder spread (3 and 5 runs per side)', () => {
    // Folders differ by 2 % (sd of ln level) and runs within one by 2 %; the profile: 3 A/A pairs of 3 runs.
    const m: MachineNoise = { ...machine, run_sd: 0.02, session_sd: 0.02 };
    const truth = 0.95;
    for (const n of [3, 5]) {
      const normal = normalStream(300 + n);
      let covered = 0;
      for (let t = 0; t < TRIALS; t++) {
        const noise = fitNoiseModel(Array.from({ length: 6 }, () => simulateSession(normal, m, 0, 3)));
        const d = gateDecision({
          baseline: simulateSession(normal, m, 0, n),
          candidate: simulateSession(normal, m, Math.log(truth), n),
          threshold: 0.02,
          higher_is_better: true,
          level: 0.95,
          noise,
          plan: false,
        });
        if (d.interval!.low <= truth && truth <= d.interval!.high) covered++;
      }
      assertCoverage(covered, `${n} runs per side`);
    }
  });
});
