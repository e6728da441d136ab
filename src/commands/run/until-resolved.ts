// `run --until-resolved`: interleaved blocks (one run of each of two arms — two modes, or two sweep
// points of one mode — in ABBA order)
// until the regression rule, applied after every block with alpha spending
// (analysis/inference/sequential.ts), resolves, or the next block would overrun the time budget.
// The run engine asks `beforeUnit` before each unit; the statistics live in analysis/inference.
import { GATE } from '../../analysis/inference/constants.ts';
import { measuredRuns } from '../../analysis/summary/steps.ts';
import { maxBlocksFor, sequentialLook, type SequentialLook } from '../../analysis/inference/sequential.ts';
import { UserError } from '../../errors.ts';
import { GATE_METRICS, metricPerRun, parseMetric } from '../../analysis/gate/judge.ts';
import { type GateMetric } from '../../records/metrics.ts';
import { interleave } from '../../launch/plan.ts';
import type { UnitPlan } from '../../records/plan.ts';
import { MODE_ORDER } from '../../modes.ts';
import type { UnitRecord } from '../../records/manifest.ts';
import type { ModeName } from '../../scenario/schema.ts';
import { formatPercentText } from '../../value-format.ts';
import { gateSide } from '../compare/index.ts';

export interface UntilResolved {
  /** Wall seconds of units the run may spend (each block's units, start-up included). */
  budgetS: number;
  threshold?: number;
  metric?: string;
  /** At most this many blocks, whatever the budget would allow. */
  maxBlocks?: number;
}

/** Most blocks planned: the budget stops the run long before this. */
export const MAX_BLOCKS = 200;

/** One side of the comparison: a (point, mode). */
export interface Arm {
  point: string;
  mode: ModeName;
}

/**
 * The two arms compared, baseline first: two modes at one point (in MODE_ORDER), or one mode at two
 * sweep points (in sweep order); otherwise a UserError naming what the run has.
 */
export function arms(units: readonly Pick<UnitPlan, 'point' | 'mode'>[]): [Arm, Arm] {
  const points = [...new Set(units.map((u) => u.point))];
  const modes = [...new Set(units.map((u) => u.mode))].sort((a, b) => MODE_ORDER.indexOf(a) - MODE_ORDER.indexOf(b));
  if (points.length === 1 && modes.length === 2)
    return [
      { point: points[0]!, mode: modes[0]! },
      { point: points[0]!, mode: modes[1]! },
    ];
  if (points.length === 2 && modes.length === 1)
    return [
      { point: points[0]!, mode: modes[0]! },
      { point: points[1]!, mode: modes[0]! },
    ];
  throw new UserError(
    `--until-resolved compares two arms: two modes at one point, or one mode at two sweep points; this run has ${modes.length} mode(s) at ${points.length} point(s)`,
    'Pick them with --mode and --point (e.g. --point slowdown=0 --point slowdown=0.05 --mode colocate).',
  );
}

/** The units in blocks: every arm's run of repeat k, in ABBA order (A B | B A | …), one repeat after another. */
export function inBlocks<U extends Pick<UnitPlan, 'point' | 'mode' | 'repeat'>>(units: readonly U[], pair: readonly [Arm, Arm]): U[] {
  const arm = (u: U) => pair.findIndex((a) => a.point === u.point && a.mode === u.mode);
  return [...units].sort(
    (a, b) => a.repeat - b.repeat || interleave([0, 1], a.repeat).indexOf(arm(a)) - interleave([0, 1], b.repeat).indexOf(arm(b)),
  );
}

const armName = (a: Arm, pair: readonly [Arm, Arm]) => (pair[0].point === pair[1].point ? a.mode : a.point);

/** Seconds from a unit record's start to its end. */
const seconds = (u: UnitRecord) => (u.started && u.ended ? (Date.parse(u.ended) - Date.parse(u.started)) / 1000 : 0);

/**
 * The engine's `skip` hook: before the first unit of each block after the first, look at the blocks
 * done; once resolved (or out of budget) every later unit is skipped with the reason. `last()` is the
 * latest look.
 */
export function untilResolvedHook(runDir: string, pair: [Arm, Arm], o: UntilResolved) {
  const metric: GateMetric = parseMetric(o.metric);
  const sense = { threshold: o.threshold ?? GATE.threshold, higher_is_better: GATE_METRICS[metric].higher_is_better };
  let stop: string | undefined;
  let maxBlocks: number | undefined;
  let look: SequentialLook | undefined;
  const hook = async (unit: UnitPlan, recorded: readonly UnitRecord[]): Promise<string | undefined> => {
    if (stop !== undefined) return stop;
    const started = recorded.some((u) => u.repeat === unit.repeat && u.status !== 'planned');
    if (unit.repeat === 0 || started) return undefined;
    const done = recorded.filter((u) => u.repeat < unit.repeat);
    const spent = done.reduce((s, u) => s + seconds(u), 0);
    // The most blocks is fixed once, from the first block's cost: the looks' levels must not depend on what they see.
    maxBlocks ??= Math.min(maxBlocksFor(o.budgetS, spent), o.maxBlocks ?? MAX_BLOCKS);
    const side = await gateSide(runDir);
    // Only whole blocks before this one: a block whose second run has not finished does not count.
    // metricPerRun follows measuredRuns' order: the same runs, so each value gets its run's repeat, the block.
    const block = ({ point, mode }: Arm) => {
      const repeats = measuredRuns(side.rows, point, mode).map((run) => run[0]!.repeat);
      return metricPerRun(side, point, mode, metric)
        .map((value, i) => ({ block: repeats[i]!, value }))
        .filter((b) => b.block < unit.repeat);
    };
    look = sequentialLook(block(pair[0]), block(pair[1]), maxBlocks, sense);
    const perBlock = spent / unit.repeat;
    if (look.outcome === 'inconclusive') stop = `not resolved at the last look: ${describeLook(look, pair)}`;
    else if (look.outcome !== 'continue') stop = `resolved after ${look.blocks} block(s): ${describeLook(look, pair)}`;
    else if (unit.repeat >= maxBlocks || spent + perBlock > o.budgetS)
      stop = `budget: ${Math.round(spent)} s spent of ${o.budgetS} s, another block takes about ${Math.round(perBlock)} s`;
    return stop;
  };
  return { hook, last: () => look, maxBlocks: () => maxBlocks };
}

export function describeLook(l: SequentialLook, pair: [Arm, Arm]): string {
  const iv = l.interval
    ? ` (${formatPercentText(l.interval.level, { decimals: 2, trim: true })} interval ${l.interval.low.toFixed(3)}–${l.interval.high.toFixed(3)})`
    : '';
  const verdict = l.outcome === 'continue' ? 'not resolved' : l.outcome.replace('_', ' ');
  return `${armName(pair[1], pair)} ÷ ${armName(pair[0], pair)} = ${l.ratio.toFixed(3)}${iv}, ${verdict} (look ${l.blocks} of at most ${l.max_blocks})`;
}
