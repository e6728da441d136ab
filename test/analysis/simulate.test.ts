// The simulation model behind the coverage tests and the gate benchmark is what it says it is.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalStream, runThroughput, simulateSteps } from '../../src/analysis/inference/simulate.ts';
import { mean, sampleSd } from '../../src/analysis/inference/stats.ts';

test('ln step durations are a stationary AR(1) with the given sd and lag-1 correlation', () => {
  const normal = normalStream(7);
  const logs = simulateSteps(normal, { steps: 50_000, step_sd: 0.1, phi: 0.7, run_sd: 0, session_sd: 0 }, 0).map((d) => Math.log(d));
  const m = mean(logs);
  const sd = sampleSd(logs);
  let lag = 0;
  for (let i = 1; i < logs.length; i++) lag += (logs[i]! - m) * (logs[i - 1]! - m);
  const rho = lag / ((logs.length - 1) * sd * sd);
  // 50 000 correlated steps: standard errors ≈ 0.0015 (mean), 0.0005 (sd), 0.003 (ρ)
  assert.ok(Math.abs(m) < 0.006, `mean ${m}`);
  assert.ok(Math.abs(sd - 0.1) < 0.003, `sd ${sd}`);
  assert.ok(Math.abs(rho - 0.7) < 0.015, `lag-1 correlation ${rho}`);
});

test('a run’s value is Σ work ÷ Σ seconds, one unit of work per step', () => {
  assert.equal(runThroughput([1, 2, 1]), 3 / 4);
});
