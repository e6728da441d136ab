// The cheapest design that answers: how a run's value varies split into a part per run and a part
// per step (nested: steps within runs), and the runs × steps per run that resolve a change to a
// given half-width at the least GPU time, counting each run's start-up (everything before its
// first measured step: launch, imports, model and engine start, compile, warm-up steps).
// docs/metrics.md "The cheapest design".
import { tCritical } from './intervals.ts';
import { mean } from './stats.ts';

/** One run as the design sees it: ln of each measured step's value, the start-up and the mean measured step, in seconds. */
export interface DesignRun {
  log_steps: readonly number[];
  startup_s: number;
  step_s: number;
}

/**
 * Variance of ln(run value) = run + step_eff / m for a run of m measured steps. `step` is the
 * pooled variance of ln(step value) within runs; `step_eff` the long-run variance that a run mean
 * of correlated steps sees, step·(1 + ρ)/(1 − ρ) with ρ the pooled lag-1 autocorrelation (AR(1),
 * |ρ| ≤ 0.9); `run` the variance of run levels, the runs' observed variance less step_eff/m̄, at
 * least 0 (a design input, not an inference: no interval rests on it).
 */
export interface VarianceComponents {
  run: number;
  step: number;
  step_eff: number;
  rho: number;
  runs: number;
  steps_per_run: number;
  startup_s: number;
  step_s: number;
}

export function varianceComponents(runs: readonly DesignRun[]): VarianceComponents {
  const used = runs.filter((r) => r.log_steps.length >= 2);
  let ss = 0;
  let df = 0;
  let lag = 0;
  let lagN = 0;
  for (const r of used) {
    const m = mean(r.log_steps);
    const dev = r.log_steps.map((x) => x - m);
    ss += dev.reduce((s, x) => s + x * x, 0);
    df += dev.length - 1;
    for (let i = 1; i < dev.length; i++) lag += dev[i]! * dev[i - 1]!;
    lagN += dev.length - 1;
  }
  const step = df > 0 ? ss / df : Number.NaN;
  const rho = Math.max(-0.9, Math.min(0.9, lagN > 0 && ss > 0 ? lag / lagN / (ss / (df + used.length)) : 0));
  const stepEff = (step * (1 + rho)) / (1 - rho);
  const levels = used.map((r) => mean(r.log_steps));
  const mBar = mean(used.map((r) => r.log_steps.length));
  const between = levels.length >= 2 ? levels.reduce((s, y) => s + (y - mean(levels)) ** 2, 0) / (levels.length - 1) : Number.NaN;
  return {
    run: Math.max(0, between - stepEff / mBar),
    step,
    step_eff: stepEff,
    rho,
    runs: used.length,
    steps_per_run: mBar,
    startup_s: mean(used.map((r) => r.startup_s)),
    step_s: mean(used.map((r) => r.step_s)),
  };
}

export interface Design {
  runs_per_side: number;
  steps_per_run: number;
  /** Half-width of the 95 % interval of the ratio this design expects, as a fraction (0.03 = ±3 %). */
  half_width: number;
  /** Wall seconds of both arms' runs, start-up included; × the devices an arm holds for GPU-seconds. */
  seconds: number;
}

/**
 * The runs per side n and measured steps per run m that resolve a ratio to ±`halfWidth` (95 %,
 * paired by interleaved block: Var(d) = 2(run + step_eff/m), half-width t_{n−1} · √(Var(d)/n) on
 * the log) at the least time 2n(startup + m·step), searching m up to `maxSteps` and n up to
 * `maxRuns`; undefined when nothing in that range does.
 */
export function cheapestDesign(
  c: VarianceComponents,
  halfWidth: number,
  o: { maxSteps?: number; maxRuns?: number; level?: number } = {},
): Design | undefined {
  const maxSteps = o.maxSteps ?? 1000;
  const maxRuns = o.maxRuns ?? 200;
  const level = o.level ?? 0.95;
  const target = Math.log(1 + halfWidth);
  if (!(target > 0) || !Number.isFinite(c.run) || !Number.isFinite(c.step_eff) || !(c.step_s > 0)) return undefined;
  let best: Design | undefined;
  for (let m = 1; m <= maxSteps; m++) {
    const varD = 2 * (c.run + c.step_eff / m);
    const runTime = Math.max(0, c.startup_s) + m * c.step_s;
    for (let n = 2; n <= maxRuns; n++) {
      if (best && 2 * n * runTime >= best.seconds) break;
      const half = tCritical(level, n - 1) * Math.sqrt(varD / n);
      if (half <= target) {
        best = { runs_per_side: n, steps_per_run: m, half_width: Math.exp(half) - 1, seconds: 2 * n * runTime };
        break;
      }
    }
  }
  return best;
}
