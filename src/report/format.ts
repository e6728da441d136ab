// Display transforms shared by every format: rounding, units, labels. No statistics here.
import type { Estimate, Summary } from '../analysis/types.ts';
import { MODE_ORDER, modeDisplayName } from '../modes.ts';
import type { PointInfo } from '../scenario/sweep.ts';

/** What a table shows for a figure that is missing or unknown (null in summary.json, NaN in code). */
export const MISSING = '—';

/** A number with `digits` significant digits (at least the integer part), thousands grouped with commas. */
export function fmt(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return MISSING;
  if (x === 0) return '0';
  const abs = Math.abs(x);
  const decimals = abs >= 10 ** digits ? 0 : Math.max(0, digits - 1 - Math.floor(Math.log10(abs)));
  const fixed = x.toFixed(Math.min(decimals, 6));
  const [int, frac] = fixed.split('.');
  const grouped = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac ? `${grouped}.${frac}` : grouped;
}

/** `1.43 (1.40–1.46)` — the value and its confidence interval; `436 (one run; steps 400–470)` when the range is one run's spread. */
export function fmtEstimate(e: Estimate | undefined, digits = 3): string {
  if (!e || !Number.isFinite(e.value)) return MISSING;
  if (e.low === undefined || e.high === undefined) return fmt(e.value, digits);
  const range = `${fmt(e.low, digits)}–${fmt(e.high, digits)}`;
  return e.interval === 'within_run_spread' ? `${fmt(e.value, digits)} (one run; steps ${range})` : `${fmt(e.value, digits)} (${range})`;
}

export function fmtPercent(fraction: number | null | undefined, digits = 0): string {
  if (fraction === undefined || fraction === null || !Number.isFinite(fraction)) return MISSING;
  return `${(fraction * 100).toFixed(digits)} %`;
}

/** A ratio estimate with its unit: `1.43 (1.40–1.46) ×`, or the missing mark alone. */
export function fmtTimes(e: Estimate | undefined, digits = 3): string {
  const s = fmtEstimate(e, digits);
  return s === MISSING ? s : `${s} ×`;
}

export function fmtBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return MISSING;
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${fmt(v, 3)} ${units[i]}`;
}

/** The interval's level as text: `95 %` (or `interval` when unknown). */
export function ciLabel(e: Estimate | undefined): string {
  if (e?.interval === 'within_run_spread') return 'one run: the 25th–75th percentile of its steps, not a confidence interval';
  return e?.ci_level ? `${Math.round(e.ci_level * 100)} % t interval over runs` : 'interval';
}

/** What one "device" is in this run: a GPU, or a process slot on a CPU machine. */
export function deviceWord(summary: Summary): { one: string; many: string } {
  return summary.device_kind === 'cuda' ? { one: 'GPU', many: 'GPUs' } : { one: 'CPU process', many: 'CPU processes' };
}

export function isSweep(summary: Summary): boolean {
  return summary.points.length > 1;
}

/** A point as planned: id, swept values and label (plan.json `points`, carried by the summary). */
export function pointInfo(summary: Summary, point: string): PointInfo | undefined {
  return summary.points.find((p) => p.id === point);
}

/** The point's label as planned: `per_device_train_batch_size=8`; its id when the summary does not list it. */
export function pointLabel(summary: Summary, point: string): string {
  return pointInfo(summary, point)?.label ?? point;
}

/** The one swept field when there is exactly one (x axis of the sweep charts). */
export function sweptField(summary: Summary): string | undefined {
  const keys = new Set(summary.points.flatMap((p) => Object.keys(p.values)));
  return keys.size === 1 ? [...keys][0] : undefined;
}

/** Points in sweep order: by the swept value when there is one numeric field, else as listed. */
export function orderedPoints(summary: Summary): string[] {
  const seen = [...new Set(summary.modes.map((m) => m.point))];
  const field = sweptField(summary);
  if (!field) return seen;
  const value = (p: string) => pointInfo(summary, p)?.values[field];
  if (seen.every((p) => typeof value(p) === 'number')) return seen.sort((a, b) => (value(a) as number) - (value(b) as number));
  return seen;
}

/** Items (mode summaries, comparisons) sorted by their point in orderedPoints order; stable within a point. */
export function byPointOrder<T extends { point: string }>(summary: Summary, items: readonly T[]): T[] {
  const order = orderedPoints(summary);
  return [...items].sort((a, b) => order.indexOf(a.point) - order.indexOf(b.point));
}

/** A mode's row label: the mode, with its point first when the run is a sweep. */
export function modeLabel(summary: Summary, m: { point: string; mode: string }): string {
  return isSweep(summary) ? `${pointLabel(summary, m.point)} · ${modeDisplayName(m.mode)}` : modeDisplayName(m.mode);
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Setting values longer than this are cut (with …) in the report's tables; settings-differences.csv has them whole. */
export const SETTING_DISPLAY_CHARS = 60;

/** A setting's value for a table: cut to SETTING_DISPLAY_CHARS; the missing mark where the mode has no such setting. */
export function fmtSetting(value: string | null | undefined): string {
  if (value === null || value === undefined) return MISSING;
  return value.length > SETTING_DISPLAY_CHARS ? `${value.slice(0, SETTING_DISPLAY_CHARS - 1)}…` : value;
}

/** Every mode whose settings were compared at some point, in the order of the summary's comparisons (MODE_ORDER). */
export function settingsModes(summary: Summary): string[] {
  const seen = new Set(Object.values(summary.settings_compared ?? {}).flat());
  return MODE_ORDER.filter((m) => seen.has(m));
}
