// A generative model of a machine's step times, for checking the run-level inference by
// simulation (test/analysis/coverage.test.ts, bench/gate-simulation.ts): the log of each step's
// duration follows a stationary AR(1) process within a run, each run has its own level, and each
// session (results folder) its own as well. Seeded, so every check is reproducible.
import { mulberry32 } from './stats.ts';

export interface MachineNoise {
  /** Measured steps per run. */
  steps: number;
  /** Standard deviation of ln(step duration) within a run (stationary). */
  step_sd: number;
  /** AR(1) coefficient of ln(step duration) from one step to the next. */
  phi: number;
  /** Standard deviation of a run's ln(throughput) level around its session's. */
  run_sd: number;
  /** Standard deviation of a session's ln(throughput) level around the machine's. */
  session_sd: number;
}

/** Standard normal draws (Box–Muller) from a seeded Mulberry32 stream. */
export function normalStream(seed: number): () => number {
  const u = mulberry32(seed);
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const z = spare;
      spare = undefined;
      return z;
    }
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const a = 2 * Math.PI * u();
    spare = r * Math.sin(a);
    return r * Math.cos(a);
  };
}

/** One run's step durations for a run whose throughput level is exp(logRate) work per second, one unit of work per step. */
export function simulateSteps(normal: () => number, m: MachineNoise, logRate: number): number[] {
  const out: number[] = [];
  const innov = Math.sqrt(1 - m.phi * m.phi) * m.step_sd;
  let x = m.step_sd * normal();
  for (let i = 0; i < m.steps; i++) {
    if (i > 0) x = m.phi * x + innov * normal();
    out.push(Math.exp(x - logRate));
  }
  return out;
}

/** A run's value as the harness computes it: Σ work ÷ Σ seconds of its steps. */
export function runThroughput(durations: readonly number[]): number {
  return durations.length / durations.reduce((s, d) => s + d, 0);
}

/**
 * One session of `runs` runs at a machine level exp(logRate): a session level drawn once, then a
 * run level and AR(1) steps per run. Returns each run's throughput.
 */
export function simulateSession(normal: () => number, m: MachineNoise, logRate: number, runs: number): number[] {
  const session = logRate + m.session_sd * normal();
  return Array.from({ length: runs }, () => runThroughput(simulateSteps(normal, m, session + m.run_sd * normal())));
}

/**
 * One ABBA block: the baseline's and the candidate's run back to back, sharing the block's level
 * (the machine's drift, sd `block_sd` of ln level), the candidate's throughput exp(logRatio) times
 * the baseline's. Returns each run's throughput.
 */
export function simulateBlock(
  normal: () => number,
  m: MachineNoise,
  logRatio: number,
  blockSd: number,
): { baseline: number; candidate: number } {
  const level = blockSd * normal();
  return {
    baseline: runThroughput(simulateSteps(normal, m, level + m.run_sd * normal())),
    candidate: runThroughput(simulateSteps(normal, m, level + logRatio + m.run_sd * normal())),
  };
}
