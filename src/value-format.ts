// The one value formatter: a value, its interval and its unit become text here, for every output
// (the run's terminal table, the report's Markdown and HTML, the gate's verdict and warnings,
// calibrate's table, the summary's statements). Tables hold Figures until a renderer formats
// them. Conventions (docs/reports.md "Numbers"): 3 significant digits unless a caller asks for
// other, thousands grouped with commas, an interval in brackets with an en dash, "—" for a
// figure that is missing. What a renderer lays out (cells, captions) puts a space before every
// unit (`11 %`, `2.05 ×`); the sentences summary.json and a verdict store (statements, notes,
// warnings) close a percentage up (`1.0%`, `95% CI`).

/** What a table or a sentence shows for a figure that is missing or unknown (null in summary.json, NaN in code). */
export const MISSING = '—';

/** Significant digits (at least the integer part), or a fixed number of decimals; `trim` drops trailing zeros after the point. */
export type Precision = number | { decimals: number; trim?: boolean };

/** A number to show: its value, optionally its interval and unit, and how precisely. */
export interface Figure {
  value: number | null | undefined;
  /** Interval bounds; shown only when both are finite. */
  low?: number | null;
  high?: number | null;
  /** `%`: the value is in percent (0–100); `B`: bytes, shown with a decimal prefix (KB, MB, …); else a suffix such as `×` or `s`. */
  unit?: string;
  /** Default: 3 significant digits. */
  precision?: Precision;
  /** Words before the interval inside its brackets, e.g. `one run; steps` for a spread that is not a confidence interval. */
  intervalLabel?: string;
  /** Words shown where an interval goes, e.g. `excl. 2 warm-up`. */
  aside?: string;
}

/** A figure as text, in parts, so a renderer can lay them out (the HTML puts the bracket on a line of its own). */
export interface FigureParts {
  value: string;
  /** Empty without a unit. */
  unit: string;
  /** The interval (`1.40–1.46`) or the aside, without brackets. */
  bracket?: string;
}

const BYTE_PREFIXES = ['B', 'KB', 'MB', 'GB', 'TB'];
/** Below this many decimals a number is written in exponent form, not as a string of zeros. */
const MAX_DECIMALS = 6;

export function formatNumber(x: number | null | undefined, precision: Precision = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return MISSING;
  let decimals: number;
  if (typeof precision === 'number') {
    if (x === 0) return '0';
    const magnitude = Math.floor(Math.log10(Math.abs(x)));
    decimals = Math.max(0, precision - 1 - magnitude);
    if (decimals > MAX_DECIMALS) return x.toExponential(precision - 1);
  } else {
    decimals = precision.decimals;
  }
  let fixed = x.toFixed(decimals);
  if (typeof precision !== 'number' && precision.trim && fixed.includes('.')) fixed = fixed.replace(/\.?0+$/, '');
  const [int, frac] = fixed.split('.');
  const grouped = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac ? `${grouped}.${frac}` : grouped;
}

/** The figure's parts; undefined when its value is missing. */
export function figureParts(f: Figure): FigureParts | undefined {
  if (f.value === null || f.value === undefined || !Number.isFinite(f.value)) return undefined;
  let scale = 1;
  let unit = f.unit ?? '';
  if (unit === 'B') {
    let i = 0;
    while (Math.abs(f.value / scale) >= 1000 && i < BYTE_PREFIXES.length - 1) {
      scale *= 1000;
      i++;
    }
    unit = BYTE_PREFIXES[i]!;
  }
  const n = (x: number) => formatNumber(x / scale, f.precision);
  const interval = isFiniteNumber(f.low) && isFiniteNumber(f.high) ? `${n(f.low)}–${n(f.high)}` : undefined;
  const bracket = interval !== undefined && f.intervalLabel ? `${f.intervalLabel} ${interval}` : (interval ?? f.aside);
  return { value: n(f.value), unit, ...(bracket ? { bracket } : {}) };
}

/** A figure for a table cell: `2.05 (1.99–2.10) ×`, `11 %`, `6 (excl. 2 warm-up)`, or the missing mark. */
export function formatFigure(f: Figure): string {
  const p = figureParts(f);
  if (!p) return MISSING;
  return `${p.value}${p.bracket ? ` (${p.bracket})` : ''}${p.unit ? ` ${p.unit}` : ''}`;
}

/** A fraction as a percentage for a table cell or a renderer's sentence: 0.125 → `12.5 %` at one decimal (default: none). */
export function percentFigure(fraction: number | null | undefined, precision: Precision = { decimals: 0 }): Figure {
  return { value: isFiniteNumber(fraction) ? fraction * 100 : fraction, unit: '%', precision };
}

/** A fraction as a percentage in a sentence stored in summary.json or a verdict (statements, notes, warnings): 0.01 → `1.0%`, closed up. */
export function formatPercentText(fraction: number | null | undefined, precision: Precision = { decimals: 1 }): string {
  const s = formatNumber(isFiniteNumber(fraction) ? fraction * 100 : fraction, precision);
  return s === MISSING ? s : `${s}%`;
}

/** A memory size in binary units, as GPU tools show it: `1.5 GiB` (`decimals` 1), `80 GiB` (0); `MiB` likewise. */
export function formatBinaryBytes(bytes: number | null | undefined, unit: 'GiB' | 'MiB' = 'GiB', decimals = 1): string {
  const scale = unit === 'GiB' ? 2 ** 30 : 2 ** 20;
  return formatFigure({ value: isFiniteNumber(bytes) ? bytes / scale : bytes, unit, precision: { decimals } });
}

/** A value with an optional range: a measured estimate (its confidence interval or one run's spread of steps), or a PREDICTED interval. */
export interface RangedValue {
  value: number;
  low?: number;
  high?: number;
  interval?: 'confidence' | 'within_run_spread';
}

/** An estimate (value with an optional interval) as a Figure; one run's spread of steps is labelled as such, not shown as a confidence interval. */
export function estimateFigure(e: RangedValue | undefined, extra: Omit<Figure, 'value' | 'low' | 'high'> = {}): Figure {
  return {
    value: e?.value,
    low: e?.low,
    high: e?.high,
    ...(e?.interval === 'within_run_spread' ? { intervalLabel: 'one run; steps' } : {}),
    ...extra,
  };
}

function isFiniteNumber(x: number | null | undefined): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}
