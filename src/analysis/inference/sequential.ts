// Stopping when the answer is in: the regression gate's rule applied after every ABBA block of
// one run, with error rates that hold although the number of blocks depends on what was seen.
// Each block runs the baseline and the candidate back to back (in alternating order), so the
// block's log ratio d_k = ln c_k − ln b_k is free of the machine's drift between blocks and of any
// difference between sittings. After k ≥ 2 blocks the paired t statistic of d̄ against the
// threshold is tested, for each claim ("regressed", "no regression"), at a share α_k of that claim's
// α/2 given by a Lan–DeMets spending function of O'Brien–Fleming type, α(τ) = 1 − Φ(z_{1−α/2}/√τ)
// with τ = k/K the share of the most blocks the budget allows. Σ_k α_k = α/2, so by the union bound
// the chance of a false claim over every look is ≤ α/2 whatever the looks' correlation and whatever
// the stopping: exact for normal d_k at each look, conservative overall. docs/metrics.md
// "Sequential stopping"; checked by simulation in test/analysis/sequential.test.ts.
import { GATE } from './constants.ts';
import { normalCdf, normalQuantile, tCdf, tQuantile } from './distributions.ts';
import { boundary, type GateOutcome, type GateSense } from './gate-rule.ts';
import type { BlockValue } from './intervals.ts';
import { mean, sampleSd } from './stats.ts';

/** α/2 spent by information fraction τ ∈ [0, 1] for one claim (O'Brien–Fleming type; Lan & DeMets 1983). */
export function spentAlpha(tau: number, alpha: number = GATE.family_alpha): number {
  if (!(tau > 0)) return 0;
  if (tau >= 1) return alpha / 2;
  return 1 - normalCdf(normalQuantile(1 - alpha / 2) / Math.sqrt(tau));
}

/**
 * The one-sided level of look k (blocks done) of at most `maxBlocks`: what the spending function
 * adds between k − 1 and k blocks. The first look is at 2 blocks (one block has no spread), so it
 * takes what was spent by then; the last look (k = maxBlocks) takes what is left of α/2.
 */
export function lookAlpha(k: number, maxBlocks: number, alpha: number = GATE.family_alpha): number {
  if (k < 2 || maxBlocks < 2) return 0;
  // Spent by the look at j blocks (nothing before the first look, at 2).
  const spent = (j: number) => (j < 2 ? 0 : j >= maxBlocks ? alpha / 2 : spentAlpha(j / maxBlocks, alpha));
  return spent(Math.min(k, maxBlocks)) - spent(Math.min(k, maxBlocks) - 1);
}

export interface SequentialLook {
  /** Blocks with a run of both arms so far. */
  blocks: number;
  max_blocks: number;
  /** exp(mean d_k): the geometric mean of the per-block ratios candidate ÷ baseline. */
  ratio: number;
  /** regressed / no_regression: stop with that verdict; continue: run another block; inconclusive: the last look, unresolved. */
  outcome: GateOutcome | 'continue';
  /** This look's one-sided level α_k and the two-sided interval at 1 − 2α_k (null before two blocks). */
  alpha: number;
  interval: { low: number; high: number; level: number; df: number } | null;
}

/**
 * The decision after the blocks so far: paired by block (only blocks with both arms count), the
 * paired t statistic T = (d̄ − ln b)/(s_d/√k) against the boundary b = 1 ∓ threshold, df k − 1;
 * regressed when the one-sided p-value of "worse than the boundary" is ≤ α_k, no regression when
 * that of "better" is, otherwise continue (or inconclusive at the last look).
 */
export function sequentialLook(
  baseline: readonly BlockValue[],
  candidate: readonly BlockValue[],
  maxBlocks: number,
  s: Omit<GateSense, 'level'>,
  alpha: number = GATE.family_alpha,
): SequentialLook {
  const byBlock = new Map(baseline.map((b) => [b.block, b.value]));
  const d = candidate.filter((c) => byBlock.has(c.block)).map((c) => Math.log(c.value / byBlock.get(c.block)!));
  const k = d.length;
  const ratio = k > 0 ? Math.exp(mean(d)) : Number.NaN;
  const last = k >= maxBlocks;
  const a = lookAlpha(Math.min(k, maxBlocks), maxBlocks, alpha);
  const base = { blocks: k, max_blocks: maxBlocks, ratio, alpha: a };
  const sd = sampleSd(d);
  if (k < 2 || !(a > 0) || !Number.isFinite(sd)) return { ...base, outcome: last ? 'inconclusive' : 'continue', interval: null };
  const se = sd / Math.sqrt(k);
  const sign = s.higher_is_better ? 1 : -1;
  const t = (sign * (mean(d) - Math.log(boundary(s)))) / se;
  const half = tQuantile(1 - a, k - 1) * se;
  const interval = { low: Math.exp(mean(d) - half), high: Math.exp(mean(d) + half), level: 1 - 2 * a, df: k - 1 };
  // se 0 (every block the same ratio): the sign of t decides.
  const worse = se > 0 ? tCdf(t, k - 1) : t < 0 ? 0 : 1;
  const better = se > 0 ? tCdf(-t, k - 1) : t > 0 ? 0 : 1;
  const outcome: SequentialLook['outcome'] = worse <= a ? 'regressed' : better <= a ? 'no_regression' : last ? 'inconclusive' : 'continue';
  return { ...base, outcome, interval };
}

/** The most blocks a GPU-time budget allows at a block's measured cost (≥ 2: a paired t needs two). */
export function maxBlocksFor(budgetS: number, blockS: number): number {
  if (!(budgetS > 0) || !(blockS > 0)) return 2;
  return Math.max(2, Math.floor(budgetS / blockS));
}

/**
 * A whole sequential comparison as `run --until-resolved` makes it: a block at a time from
 * `nextBlock` (the baseline's and the candidate's run value), a look after each, stopping at the
 * first verdict or after `maxBlocks`. For simulations of the rule; the run command calls
 * sequentialLook itself after each block it ran.
 */
export function sequentialTrial(
  nextBlock: () => { baseline: number; candidate: number },
  maxBlocks: number,
  s: Omit<GateSense, 'level'>,
  alpha: number = GATE.family_alpha,
): SequentialLook {
  const b: BlockValue[] = [];
  const c: BlockValue[] = [];
  for (let k = 0; ; k++) {
    const x = nextBlock();
    b.push({ block: k, value: x.baseline });
    c.push({ block: k, value: x.candidate });
    const look = sequentialLook(b, c, maxBlocks, s, alpha);
    if (look.outcome !== 'continue') return look;
  }
}
