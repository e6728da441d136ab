// summary.json written by an older harness, brought to the current shape for display when its
// results folder cannot be analysed again (docs/reports.md "Summaries written by an older harness").
// Only the representation changes here; what an old summary never had stays missing.
import { pointOf, type PointInfo, type ScalarValue } from '../scenario/sweep.ts';
import type { Summary } from './types.ts';

/** Before schema 3, `points` mapped each point id to its swept values. */
type OldPoints = Record<string, Record<string, ScalarValue>>;

export function upgradeSummary(old: Summary): Summary {
  const points = old.points as PointInfo[] | OldPoints | undefined;
  if (points === undefined || Array.isArray(points)) return old;
  // The label comes from the values by the function that names points at plan time (a point
  // without values is labelled by its id, as before); the id stays as written.
  const info = ([id, values]: [string, Record<string, ScalarValue>]): PointInfo => ({ id, values, label: Object.keys(values).length ? pointOf(values).label : id });
  return { ...old, points: Object.entries(points).map(info) };
}
