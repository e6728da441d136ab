// The verdict between a run's variants as tables and Markdown: the versions that differ, each
// candidate variant ÷ the baseline per point and mode with its interval and outcome, and the
// phases side by side (which phase moved). Formats only: every number is in the VariantVerdict.
import type { ChartConfiguration, ChartDataset } from 'chart.js';
import { type VariantComparison, type VariantVerdict } from '../analysis/variants.ts';
import { modeColor } from '../modes.ts';
import { axis, baseOptions, roomFor, type ChartSpec } from './chart-base.ts';
import type { RunRecord } from './load.ts';
import { INK, withAlpha } from './theme.ts';
import { formatFigure, formatNumber, formatPercentText, percentFigure, type Figure } from '../value-format.ts';
import type { Cell, Table } from './table-types.ts';

const OUTCOME = { regressed: '🔴 regressed', no_regression: 'no regression', inconclusive: '🟡 inconclusive' } as const;
export const pct = (x: number, digits = 1) => formatPercentText(x, { decimals: digits, trim: true });

/** Libraries whose versions differ between the variants, one column per variant. */
export function versionsTable(v: Pick<VariantVerdict, 'versions' | 'variants'>): Table {
  return {
    id: 'variant-versions',
    title: 'Versions that differ between the variants',
    columns: ['library', ...v.variants],
    rows: v.versions.map((d) => [d.library, ...v.variants.map((n) => d.by_variant[n] ?? 'not installed')]),
  };
}

export function variantRatioTable(v: VariantVerdict): Table {
  return {
    id: 'variant-ratios',
    title: `Each variant ÷ ${v.baseline}`,
    caption: `${v.metric} per run, paired by ABBA block; intervals at ${pct(v.level, 2)} (family-wise ${pct(1 - v.alpha, 0)}).`,
    columns: [
      'variant',
      'point',
      'mode',
      'blocks',
      `ratio (${formatFigure(percentFigure(v.level, { decimals: 2, trim: true }))} interval)`,
      'outcome',
    ],
    numeric: [false, false, false, true, true, false],
    rows: v.comparisons.map((c): Cell[] => [
      c.candidate,
      c.point,
      c.mode,
      String(Math.min(c.baseline_runs.length, c.candidate_runs.length)),
      { value: c.ratio, low: c.interval?.low, high: c.interval?.high, unit: '×', precision: { decimals: 3 } } satisfies Figure,
      `${OUTCOME[c.outcome]}${c.outcome === 'inconclusive' ? ` (${plan(c)})` : ''}`,
    ]),
  };
}

/** Median seconds per step of each phase on both sides, and the difference: which phase moved. */
export function variantPhaseTable(v: VariantVerdict): Table {
  const s = (x: number | null): Figure => ({ value: x, precision: 3 });
  return {
    id: 'variant-phases',
    title: 'Phases side by side (median seconds per step, trainer rank 0)',
    columns: ['variant', 'point', 'mode', 'phase', v.baseline, 'variant', 'Δ s', 'Δ %'],
    numeric: [false, false, false, false, true, true, true, true],
    rows: v.comparisons.flatMap((c) =>
      [...c.phases]
        .sort((a, b) => Math.abs(b.delta_s ?? 0) - Math.abs(a.delta_s ?? 0))
        .map((p): Cell[] => [
          c.candidate,
          c.point,
          c.mode,
          p.phase,
          s(p.baseline_s),
          s(p.candidate_s),
          { value: p.delta_s, precision: { decimals: 4 } },
          p.delta_s !== null && p.baseline_s ? `${p.delta_s >= 0 ? '+' : ''}${pct(p.delta_s / p.baseline_s)}` : '—',
        ]),
    ),
  };
}

/** What an inconclusive comparison would need. */
export function plan(c: VariantComparison): string {
  if (c.runs_needed) return `~${c.runs_needed} blocks would resolve it`;
  if (!c.interval) return 'no interval: run ≥ 2 blocks';
  return 'no number of blocks up to 100 would resolve it at this spread and ratio';
}

/** The report's tables of a run with variants: versions that differ, ratios, phases side by side. */
export function variantTables(input: RunRecord): Table[] {
  const v = input.variants;
  return v ? [...(v.versions.length ? [versionsTable(v)] : []), variantRatioTable(v), variantPhaseTable(v)] : [];
}

/** Each variant ÷ the baseline per point and mode, with its paired interval and the threshold's edge. */
export function variantChart(input: RunRecord): ChartSpec | undefined {
  const v = input.variants;
  if (!v) return undefined;
  const list = v.comparisons;
  const dataset = {
    label: `variant ÷ ${v.baseline}`,
    data: list.map((c) => c.ratio),
    errorBars: list.map((c) => (c.interval ? [c.interval.low, c.interval.high] : null)),
    errorBarColor: INK,
    backgroundColor: list.map((c) => withAlpha(modeColor(c.mode), 0.85)),
    borderColor: list.map((c) => modeColor(c.mode)),
    borderWidth: 1,
    maxBarThickness: 40,
  };
  return {
    id: 'variants',
    title: `Each variant ÷ ${v.baseline}`,
    width: 900,
    height: Math.max(260, 170 + list.length * 46),
    config: {
      type: 'bar',
      data: {
        labels: list.map((c) => `${c.candidate} · ${c.mode}${c.point === 'default' ? '' : ` · ${c.point}`}`),
        datasets: [dataset] as unknown as ChartDataset<'bar'>[],
      },
      options: {
        ...baseOptions(
          `Throughput ratio to ${v.baseline}`,
          [
            `${v.metric} per run, each variant ÷ ${v.baseline} paired by ABBA block; 1 = as fast; a regression is a whole interval below ${formatNumber(1 - v.threshold, { decimals: 2 })}.`,
            `Whiskers: ${pct(v.level, 2)} paired t intervals (family-wise ${pct(1 - v.alpha, 0)}); none with fewer than two runs a side.`,
          ],
          false,
        ),
        indexAxis: 'y',
        scales: {
          x: axis('throughput ratio (×)', { beginAtZero: true, ...roomFor([dataset]) }),
          y: axis('', { grid: { display: false }, title: { display: false }, ticks: { color: INK, font: { size: 12 } } }),
        },
      },
    } as ChartConfiguration,
  };
}
