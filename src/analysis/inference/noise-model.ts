// The noise model behind the gate: how the log of a run's value varies on one machine, split
// into the spread of runs within one session (one results folder, runs back to back) and the
// spread of sessions (folders run at different times), estimated from several A/A sessions by a
// one-way random-effects analysis of variance. docs/metrics.md "Noise profile".
import { mean } from './stats.ts';
import type { LogVariance } from '../../records/verdict.ts';

/**
 * What a comparison knows of the variance of ln(value per run): the spread within a folder with
 * its degrees of freedom, and, from a noise profile, the mean square between its folders with its
 * df and the runs per folder n₀ (E[MS_B] = within + n₀ · between). A comparison of a baseline
 * folder with n_b runs and a candidate folder with n_c runs has
 *   Var(ln ratio) = within · (1/n_b + 1/n_c) + 2 · between    (analysis/inference/gate-rule.ts logRatioSe).
 */
export type { LogVariance };

/** A machine's run-to-run noise as measured by A/A sessions. */
export interface NoiseModel {
  within: number;
  within_df: number;
  /** max(0, (MS_B − MS_W)/n₀): the point estimate shown; the gate uses the mean squares, never this clipped value as if known. */
  between: number;
  between_df: number;
  /** Sessions (results folders) and runs behind the estimate. */
  sessions: number;
  runs: number;
  /** Mean square between sessions, before the within part is taken off. */
  mean_square_between: number;
  /** The effective runs per session n₀ of the unbalanced analysis (the runs per session when balanced). */
  runs_per_session: number;
  method: string;
}

/**
 * One-way random-effects ANOVA on ln(value), sessions as groups (Searle, Casella & McCulloch 1992,
 * ch. 3): within = MS_W = Σ_g Σ_i (y_gi − ȳ_g)² / (N − G) with N − G degrees of freedom;
 * MS_B = Σ_g n_g (ȳ_g − ȳ)² / (G − 1); n₀ = (N − Σ n_g² / N) / (G − 1);
 * between = max(0, (MS_B − MS_W) / n₀) with G − 1 degrees of freedom.
 * Sessions with no run are ignored; values must be > 0.
 */
export function fitNoiseModel(sessions: readonly (readonly number[])[]): NoiseModel {
  const groups = sessions.filter((s) => s.length > 0).map((s) => s.map(Math.log));
  if (groups.flat().some((y) => !Number.isFinite(y)))
    throw new RangeError('fitNoiseModel: every per-run value must be a finite number > 0');
  const G = groups.length;
  const N = groups.reduce((s, g) => s + g.length, 0);
  const grand = mean(groups.flat());
  const means = groups.map(mean);
  const ssWithin = groups.reduce((s, g, i) => s + g.reduce((t, y) => t + (y - means[i]!) ** 2, 0), 0);
  const withinDf = N - G;
  const within = withinDf > 0 ? ssWithin / withinDf : Number.NaN;
  const ssBetween = groups.reduce((s, g, i) => s + g.length * (means[i]! - grand) ** 2, 0);
  const betweenDf = G - 1;
  const msBetween = betweenDf > 0 ? ssBetween / betweenDf : Number.NaN;
  const n0 = betweenDf > 0 ? (N - groups.reduce((s, g) => s + g.length ** 2, 0) / N) / betweenDf : Number.NaN;
  const between = betweenDf > 0 && withinDf > 0 ? Math.max(0, (msBetween - within) / n0) : Number.NaN;
  return {
    within,
    within_df: withinDf,
    between,
    between_df: betweenDf,
    sessions: G,
    runs: N,
    mean_square_between: msBetween,
    runs_per_session: n0,
    method: `one-way random-effects ANOVA of ln(value per run) over ${G} sessions, ${N} runs`,
  };
}
