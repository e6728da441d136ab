// The verdict as Markdown for a pull request, or as plain text for a terminal. Formats only: every number is in the Verdict, and
// becomes text through the value formatter; the tables are rendered as the report's are.
import { CI_LEVEL } from '../analysis/inference/constants.ts';
import { docMarkdown, docText, type Block, type Inline } from '../report/doc.ts';
import type { Cell, Table } from './table-types.ts';
import { formatFigure, formatNumber, formatPercentText, percentFigure, type Figure } from '../value-format.ts';
import { show } from '../analysis/gate/comparable.ts';
import type { GateComparison, OtherMetric, Outcome, Verdict } from '../records/verdict.ts';

const OUTCOME: Record<Outcome, string> = { regressed: '🔴 regressed', no_regression: 'no regression', inconclusive: '🟡 inconclusive' };

/** The verdict as a document: Markdown for a pull request (verdictMarkdown), plain text for a terminal (verdictText). */
export function verdictDoc(v: Verdict): Block[] {
  const blocks: Block[] = [];
  const t = pct(v.threshold);
  const of = (o: Outcome) => v.comparisons.filter((c) => c.outcome === o);
  const headline: Inline[] =
    v.outcome === 'regressed'
      ? [{ strong: 'Regressed' }, ` beyond ${t}: ${of('regressed').map(where).join(', ')}`]
      : v.outcome === 'inconclusive'
        ? [
            { strong: 'Inconclusive' },
            ` at ${t}: ${of('inconclusive')
              .map((c) => `${where(c)} (${plan(c, v)})`)
              .join(', ')}`,
          ]
        : [{ strong: 'No regression' }, ` beyond ${t}`];
  blocks.push({ kind: 'heading', text: ['grpo-bench compare: ', ...headline] });
  blocks.push({
    kind: 'lines',
    lines: [
      [
        { code: v.candidate.run_id },
        ' (candidate) against ',
        { code: v.baseline.run_id },
        ' (baseline), scenario ',
        { code: v.baseline.scenario },
        '.',
      ],
      [
        'Gated metric: ',
        { code: v.metric },
        ` (${v.higher_is_better ? 'higher' : 'lower'} is better), threshold ${t}, ${v.comparisons.length > 1 ? `each interval at the level Holm's step-down gives its rank (${pct(v.level, 2)} for the first)` : `the interval at ${pct(v.level, 2)}`} (family-wise ${pct(1 - v.alpha, 0)}).`,
      ],
    ],
  });
  blocks.push({ kind: 'table', table: verdictTable(v) });

  const flags = v.comparisons.flatMap((c) => c.flags.filter((f) => f.kind !== 'no_noise_profile'));
  if (flags.length > 0)
    blocks.push({
      kind: 'list',
      title: [{ strong: 'Flags' }, ' (the verdict stands, but read it with these)'],
      items: flags.map((f) => [{ escape: f.subject }, `: ${f.text}`]),
    });
  if (v.changed.length > 0) {
    blocks.push({
      kind: 'lines',
      lines: [
        [
          { strong: 'What changed' },
          `: ${v.changed.map((c) => `${c.field} ${c.baseline ?? '(none)'} → ${c.candidate ?? '(none)'}`).join(', ')}`,
        ],
      ],
    });
  }
  if (v.allowed.length > 0) {
    blocks.push({
      kind: 'lines',
      lines: [
        [
          { strong: 'Allowed differences' },
          ` (--allow-different): ${v.allowed.map((d) => `${d.field} ${show(d.baseline)} → ${show(d.candidate)}`).join(', ')}`,
        ],
      ],
    });
  }
  if (v.not_compared.length > 0) blocks.push({ kind: 'lines', lines: [[`Not compared (in one run only): ${v.not_compared.join(', ')}`]] });
  blocks.push({ kind: 'details', summary: 'Other metrics (reported, not gated)', blocks: [{ kind: 'table', table: othersTable(v) }] });
  if (v.warnings.length > 0) blocks.push({ kind: 'list', title: [{ strong: 'Warnings' }], items: v.warnings.map((w) => [w]) });
  blocks.push({ kind: 'small', text: [`Rule: ${v.rule}.${v.noise_profile ? ` Noise profile ${v.noise_profile}.` : ''}`] });
  return blocks;
}

export function verdictMarkdown(v: Verdict): string {
  return docMarkdown(verdictDoc(v));
}

/** The verdict for a terminal: the same content without Markdown markup, tables aligned. */
export function verdictText(v: Verdict): string {
  return docText(verdictDoc(v));
}

/** The gated comparisons: each side and the runs it rests on, the ratio with its interval, the outcome, what it says about speed. */
function verdictTable(v: Verdict): Table {
  return {
    id: 'gate',
    title: 'Gated comparisons',
    columns: [
      'point',
      'mode',
      'baseline',
      'candidate',
      v.comparisons.length > 1
        ? 'ratio (interval, its level)'
        : `ratio (${formatFigure(percentFigure(v.level, { decimals: 2, trim: true }))} interval)`,
      'outcome',
      'speed',
    ],
    numeric: [false, false, true, true, true, false, false],
    rows: v.comparisons.map((c): Cell[] => [
      c.point,
      c.mode,
      side(c.baseline.value, c.baseline_runs.length),
      side(c.candidate.value, c.candidate_runs.length),
      {
        ...ratio(c.ratio, c.interval?.low, c.interval?.high),
        ...(v.comparisons.length > 1 && c.interval ? { aside: pct(c.interval.level, 2) } : {}),
      },
      `${OUTCOME[c.outcome]}${c.outcome === 'inconclusive' ? ` (${plan(c, v)})` : ''}`,
      speed(c),
    ]),
  };
}

/** Figures reported beside the gate, not gated: each side and the ratio with its unadjusted interval over runs. */
function othersTable(v: Verdict): Table {
  return {
    id: 'gate-others',
    title: 'Other metrics',
    columns: ['point', 'mode', 'metric', 'baseline', 'candidate', `ratio (${formatFigure(percentFigure(CI_LEVEL))} interval, runs)`],
    numeric: [false, false, false, true, true, true],
    rows: v.comparisons.flatMap((c) =>
      c.others.map((o: OtherMetric): Cell[] => [
        c.point,
        c.mode,
        o.name,
        side(o.baseline),
        side(o.candidate),
        ratio(o.ratio, o.low, o.high),
      ]),
    ),
  };
}

/** A side's figure to 4 significant digits, with the runs it rests on. */
const side = (value: number | null, runs?: number): Figure => ({
  value,
  precision: 4,
  ...(runs !== undefined ? { aside: `${runs} run${runs === 1 ? '' : 's'}` } : {}),
});
/** A ratio to 3 decimals (a 0.1% change shows), with its interval. */
const ratio = (value: number | null, low?: number, high?: number): Figure => ({ value, low, high, unit: '×', precision: { decimals: 3 } });

/** "no difference resolved (±4.1%)" unless the interval excludes 1. */
function speed(c: GateComparison): string {
  if (c.change === 'faster' || c.change === 'slower') return c.change;
  if (c.change === 'no_interval' || !c.interval) return 'no interval';
  const within = Math.max(Math.abs(c.interval.high - 1), Math.abs(1 - c.interval.low));
  return `no difference resolved (±${pct(within)})`;
}

/** Why an inconclusive comparison is inconclusive, with the figure that makes it so. */
function plan(c: GateComparison, v: Pick<Verdict, 'threshold' | 'higher_is_better'>): string {
  const edge = v.higher_is_better ? 1 - v.threshold : 1 + v.threshold;
  const distance = pct(Math.abs(Math.log(c.ratio / edge)), 2);
  switch (c.unresolved) {
    case 'runs':
      return `~${c.runs_needed} runs per side would resolve it`;
    case 'no_profile': {
      const inside = c.interval && (v.higher_is_better ? c.interval.low >= edge : c.interval.high <= edge);
      return `${inside ? 'the interval lies within the threshold, but' : 'the estimate is on the good side of the threshold, and'} without a noise profile how much folders differ is unknown, so no comparison of two folders is cleared; calibrate this machine, or compare within one interleaved run (run --until-resolved)`;
    }
    case 'at_threshold':
      return `more runs would not resolve it: the ratio sits at the threshold (${distance} from it)`;
    case 'between_folders':
      return `more runs per side would not narrow it: the noise profile knows how much folders differ only from ${c.variance.folders!.df + 1} folders of ${formatNumber(c.variance.folders!.runs_per_folder, { decimals: 1, trim: true })} runs (between-folder sd ${pct(Math.sqrt(c.variance.between))}, runs ${pct(Math.sqrt(c.variance.within))}), which leaves more than the ${distance} to the threshold; calibrate with more folders of more runs, or compare within one interleaved run (run --until-resolved)`;
    case 'beyond_max_runs':
      return `more than 100 runs per side: the runs vary by ${pct(Math.sqrt(c.variance.within))} against ${distance} to the threshold`;
    default:
      return 'no interval: repeat with ≥ 2 runs per side, or calibrate this machine';
  }
}

const where = (c: GateComparison) => `${c.point}/${c.mode} ×${formatNumber(c.ratio, { decimals: 3 })}`;

/** A percentage in the verdict's sentences, closed up and without trailing zeros: `2%`, `98.33%`. */
const pct = (x: number, digits = 1) => formatPercentText(x, { decimals: digits, trim: true });
