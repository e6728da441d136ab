// Display transforms shared by every format: labels, ordering, cutting long text. No statistics
// here, and no number formatting either (src/value-format.ts).
import type { Estimate, Summary } from '../records/summary.ts';
import { MODE_ORDER, modeDisplayName } from '../modes.ts';
import type { PointInfo } from '../scenario/sweep.ts';
import { MISSING, formatFigure, percentFigure } from '../value-format.ts';

/** What an estimate's range is, as text: `95 % t interval over runs`, or one run's spread of steps. */
export function ciLabel(e: Estimate | undefined): string {
  if (e?.interval === 'within_run_spread') return 'one run: the 25th–75th percentile of its steps, not a confidence interval';
  return e?.ci_level ? `${formatFigure(percentFigure(e.ci_level))} t interval over runs` : 'interval';
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

/** The headlines of a run: each comparison's statement, verbatim, after its point in a sweep. */
export function comparisonHeadlines(summary: Summary): string[] {
  return byPointOrder(summary, summary.comparisons).map((c) =>
    isSweep(summary) ? `${pointLabel(summary, c.point)}: ${c.statement}` : c.statement,
  );
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
