// The gate between the variants of one run: per sweep point and mode, each candidate variant ÷
// the baseline variant of the gated metric per run, paired by ABBA block (the repeat: both ran
// in the same block, back to back, so drift between blocks cancels), with the three outcomes of
// `compare` against the same threshold and family-wise level. Beside it, which phase moved: the
// median seconds per step of every phase on both sides.
import { GATE, GATE_EXIT } from './inference/constants.ts';
import { boundary, familyLevel, runsNeeded, type GateOutcome, type GateSense } from './inference/gate-rule.ts';
import { blockRatio, resolveChange, type BlockValue, type RatioEstimate } from './inference/intervals.ts';
import { measuredRuns } from './summary/steps.ts';
import { sampleSd } from './inference/stats.ts';
import type { ModeSummary, Summary } from '../records/summary.ts';
import type { StepRow } from '../records/steps.ts';
import { deviceCount } from './summary/summarize.ts';
import { GATE_METRICS, type StepMetric } from './gate/judge.ts';
import { type GateMetric } from '../records/metrics.ts';
import { formatPercentText } from '../value-format.ts';
import { UserError } from '../errors.ts';
import type { Manifest } from '../records/manifest.ts';
import { sweepValues, variantOf } from '../scenario/variants.ts';
import { pointOf, type PointInfo } from '../scenario/sweep.ts';

export interface PhaseChange {
  phase: string;
  /** Median seconds per step (trainer rank 0), per side; null where the side has no such phase. */
  baseline_s: number | null;
  candidate_s: number | null;
  /** candidate − baseline seconds per step: which phase moved and by how much. */
  delta_s: number | null;
}

export interface VariantComparison {
  /** The sweep point (without the variant): its label, `default` without a sweep. */
  point: string;
  mode: string;
  baseline: string;
  candidate: string;
  baseline_runs: BlockValue[];
  candidate_runs: BlockValue[];
  ratio: number;
  design: RatioEstimate['design'];
  interval: { low: number; high: number; level: number; df: number; method: string } | null;
  outcome: GateOutcome;
  change: ReturnType<typeof resolveChange>['kind'];
  /** Inconclusive only: ABBA blocks that would resolve it with 80 % probability if the ratio is as measured; null when none up to 100 would. */
  runs_needed?: number | null;
  phases: PhaseChange[];
}

export interface VariantVerdict {
  run_dirs: string[];
  run_ids: string[];
  metric: GateMetric;
  higher_is_better: boolean;
  threshold: number;
  alpha: number;
  level: number;
  rule: string;
  baseline: string;
  variants: string[];
  /** Libraries whose versions differ between the variants, with each variant's. */
  versions: { library: string; by_variant: Record<string, string | null> }[];
  comparisons: VariantComparison[];
  /** With several runs: the run whose phase medians are shown side by side. */
  phases_from?: string;
  warnings: string[];
  outcome: GateOutcome;
  exit_code: 0 | 1 | 3;
}

export interface VariantSide {
  dir: string;
  manifest: Pick<Manifest, 'run_id' | 'status' | 'scenario' | 'variants'>;
  summary: Summary;
  rows: readonly StepRow[];
}

/** The libraries whose versions differ between variants (the subject under test), in the probe's order. */
export function versionDifferences(variants: Manifest['variants'], names: readonly string[]): VariantVerdict['versions'] {
  const libs = [...new Set(names.flatMap((n) => Object.keys(variants?.[n]?.libraries ?? {})))].filter((l) => !l.includes('['));
  return libs
    .map((library) => ({ library, by_variant: Object.fromEntries(names.map((n) => [n, variants?.[n]?.libraries[library] ?? null])) }))
    .filter((d) => new Set(Object.values(d.by_variant)).size > 1);
}

/** Blocks of different runs of one scenario are told apart by the run: block = run index × this + repeat. */
const BLOCKS_PER_RUN = 1000;

/** The gated metric of every run of a (point, mode) in every folder, with its block. */
function blockValues(sides: readonly VariantSide[], point: string, mode: string, spec: StepMetric): BlockValue[] {
  return sides.flatMap((side, i) => {
    const m = side.summary.modes.find((x) => x.point === point && x.mode === mode);
    if (!m) return [];
    return measuredRuns(side.rows, point, mode).map((run) => ({
      block: i * BLOCKS_PER_RUN + run[0]!.repeat,
      value: spec.stat(run) / deviceCount(m.devices, spec.per),
    }));
  });
}

function phaseChanges(b: ModeSummary, c: ModeSummary): PhaseChange[] {
  const phases = [...new Set([...Object.keys(b.phase_median_s ?? {}), ...Object.keys(c.phase_median_s ?? {})])];
  return phases.map((phase) => {
    const bs = b.phase_median_s?.[phase] ?? null;
    const cs = c.phase_median_s?.[phase] ?? null;
    return { phase, baseline_s: bs, candidate_s: cs, delta_s: bs !== null && cs !== null ? cs - bs : null };
  });
}

/**
 * The verdict on every variant against the baseline variant of one run, or of several runs of
 * one scenario (a run per sitting, each of whole ABBA blocks: their blocks are pooled, each
 * still paired within itself); a run without variants is refused (a UserError).
 */
export function variantGate(sides: readonly VariantSide[], o: { metric: GateMetric; threshold?: number }): VariantVerdict {
  const side = sides[0]!;
  const other = sides.find((s) => s.manifest.scenario.name !== side.manifest.scenario.name);
  if (other)
    throw new UserError(
      `${other.dir} is a run of scenario '${other.manifest.scenario.name}', ${side.dir} of '${side.manifest.scenario.name}': the gate pools runs of one scenario only`,
    );
  const spec: StepMetric = GATE_METRICS[o.metric];
  const threshold = o.threshold ?? GATE.threshold;
  const byVariant = new Map<string, PointInfo[]>();
  for (const p of side.summary.points) {
    const v = variantOf(p);
    if (v !== undefined) byVariant.set(v, [...(byVariant.get(v) ?? []), p]);
  }
  const names = [...byVariant.keys()];
  const base = side.manifest.scenario.baseline ?? names[0];
  if (names.length < 2 || base === undefined || !byVariant.has(base)) {
    throw new UserError(
      `${side.dir}: the run has ${names.length ? `one variant (${names[0]})` : 'no variants'}; the gate within a run compares a scenario's variants`,
      'Give the scenario two or more `variants:` (docs/scenarios.md "Variants"), or compare two folders with grpo-bench compare.',
    );
  }
  const same = (a: PointInfo, b: PointInfo) => JSON.stringify(sweepValues(a)) === JSON.stringify(sweepValues(b));
  const mode = (point: string, m: string) => side.summary.modes.find((x) => x.point === point && x.mode === m);
  const pairs: { b: ModeSummary; c: ModeSummary; point: PointInfo; candidate: string }[] = [];
  const warnings: string[] = [];
  for (const candidate of names.filter((n) => n !== base)) {
    for (const bp of byVariant.get(base)!) {
      const cp = byVariant.get(candidate)!.find((p) => same(p, bp));
      for (const b of side.summary.modes.filter((m) => m.point === bp.id)) {
        const c = cp && mode(cp.id, b.mode);
        if (c) pairs.push({ b, c, point: bp, candidate });
        else warnings.push(`${candidate} has no measured ${b.mode} runs at ${bp.id}: not compared`);
      }
    }
  }
  if (pairs.length === 0)
    throw new UserError(`${side.dir}: no (point, mode) has measured runs of both the baseline variant (${base}) and another`);
  const sense: GateSense = { threshold, higher_is_better: spec.higher_is_better, level: familyLevel(pairs.length, GATE.family_alpha) };
  const edge = boundary(sense);
  const comparisons = pairs.map(({ b, c, point, candidate }): VariantComparison => {
    const baseline_runs = blockValues(sides, b.point, b.mode, spec);
    const candidate_runs = blockValues(sides, c.point, c.mode, spec);
    const r = blockRatio(baseline_runs, candidate_runs, sense.level);
    const iv = r.interval;
    const outcome: GateOutcome = !iv
      ? 'inconclusive'
      : (spec.higher_is_better ? iv.high < edge : iv.low > edge)
        ? 'regressed'
        : (spec.higher_is_better ? iv.low >= edge : iv.high <= edge)
          ? 'no_regression'
          : 'inconclusive';
    const speed = iv && !spec.higher_is_better ? { interval: { low: 1 / iv.high, high: 1 / iv.low } } : r;
    return {
      point: pointOf(sweepValues(point)).label,
      mode: b.mode,
      baseline: base,
      candidate,
      baseline_runs,
      candidate_runs,
      ratio: r.ratio,
      design: r.design,
      interval: iv ? { low: iv.low, high: iv.high, level: iv.level, df: iv.df, method: iv.method } : null,
      outcome,
      change: resolveChange(speed).kind,
      ...(outcome === 'inconclusive' ? { runs_needed: blocksNeeded(baseline_runs, candidate_runs, r.ratio, sense) } : {}),
      phases: phaseChanges(b, c),
    };
  });
  for (const s of sides)
    if (s.manifest.status !== 'completed') warnings.push(`${s.dir} is ${s.manifest.status}: only the runs it finished are compared`);
  if (side.summary.functional_only)
    warnings.push('CPU run: the gate measured the workload on CPU; this says nothing about GPU throughput.');
  for (const c of comparisons.filter((x) => x.design !== 'paired')) {
    warnings.push(
      `${c.candidate} ${c.point}/${c.mode}: fewer than two blocks with runs of both variants; compared as independent runs (${c.design.replace('_', ' ')})`,
    );
  }
  const outcome: GateOutcome = comparisons.some((c) => c.outcome === 'regressed')
    ? 'regressed'
    : comparisons.some((c) => c.outcome === 'inconclusive')
      ? 'inconclusive'
      : 'no_regression';
  return {
    run_dirs: sides.map((s) => s.dir),
    run_ids: sides.map((s) => s.manifest.run_id),
    metric: o.metric,
    higher_is_better: spec.higher_is_better,
    threshold,
    alpha: GATE.family_alpha,
    level: sense.level,
    rule: variantRule(threshold, GATE.family_alpha, spec.higher_is_better),
    baseline: base,
    variants: names,
    versions: versionDifferences(side.manifest.variants, names),
    ...(sides.length > 1 ? { phases_from: side.dir } : {}),
    comparisons,
    warnings,
    outcome,
    exit_code: GATE_EXIT[outcome],
  };
}

/**
 * Blocks that would resolve a paired comparison: the spread of the per-block log ratios, s_d, is
 * that of a difference of two runs, so it is planned as two sides of n runs whose within-run
 * variance is s_d²/2 (the same standard error s_d/√n).
 */
function blocksNeeded(baseline: readonly BlockValue[], candidate: readonly BlockValue[], ratio: number, sense: GateSense): number | null {
  const byBlock = new Map(baseline.map((b) => [b.block, b.value]));
  const d = candidate.filter((c) => byBlock.has(c.block)).map((c) => Math.log(c.value / byBlock.get(c.block)!));
  if (d.length < 2) return null;
  const sd = sampleSd(d);
  // Both sides of a block ran in one sitting, so no between-folder term enters by design: a zero
  // mean square over infinitely many runs per folder contributes nothing to the standard error.
  const paired = { mean_square: 0, df: Number.POSITIVE_INFINITY, runs_per_folder: Number.POSITIVE_INFINITY };
  return runsNeeded({ within: (sd * sd) / 2, within_df: d.length - 1, folders: paired }, 0, ratio, sense);
}

function variantRule(threshold: number, alpha: number, higherIsBetter: boolean): string {
  const t = formatPercentText(threshold, { decimals: 4, trim: true });
  const edge = higherIsBetter ? `1 − ${t}` : `1 + ${t}`;
  return (
    `per variant, point and mode, the geometric mean of the per-block ratios of per-run values (variant ÷ baseline, the two runs of an ABBA block paired) ` +
    `with a paired t interval on its log (df blocks − 1; Welch over runs when fewer than two blocks pair) at level 1 − ${alpha}/m for m comparisons (Bonferroni); ` +
    `regressed when the interval lies wholly ${higherIsBetter ? 'below' : 'above'} ${edge}, no regression when it lies wholly ${higherIsBetter ? 'at or above' : 'at or below'} ${edge}, inconclusive otherwise`
  );
}
